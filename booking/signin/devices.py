"""Who must use a second factor, and the devices that give one: an authenticator
app (django-otp's TOTPDevice) and a sheet of recovery codes (its StaticDevice,
whose tokens are deleted as they are used)."""

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.core.ratelimit import allow, limit_for
from booking.core.roles import BOOKING_ADMINS

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def required_for(user) -> bool:
    """Superusers and booking admins must use a second factor when
    ADMIN_REQUIRE_2FA is on; everyone else may."""
    if not getattr(settings, "ADMIN_REQUIRE_2FA", False):
        return False
    return user.is_superuser or user.groups.filter(name=BOOKING_ADMINS).exists()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same one (and secret) until it
    is confirmed, so that reloading the page does not change the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(
        user=user, name=APP_DEVICE_NAME, confirmed=False
    )


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, as authenticator apps ask for it."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def within_attempt_limit(user, address: str) -> bool:
    """Counts one code attempt (`admin_second_factor` in BOOKING_RATE_LIMITS), per
    account and per address: whoever holds the password still gets few guesses."""
    within = allow("admin_second_factor", f"user:{user.pk}")
    return allow("admin_second_factor_address", address) and within


def retry_after_seconds() -> int:
    return limit_for("admin_second_factor")[1]


def confirm_enrolment(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the app's device when `code` is its current one, replacing any
    earlier app device, and returns a fresh sheet of recovery codes; None when
    the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(normalise(code)):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_recovery_codes(user)


def new_recovery_codes(user) -> list[str]:
    """Replaces the user's recovery codes with RECOVERY_CODE_COUNT new ones."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        sheet = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=sheet, token=code) for code in codes
        )
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


class Refused(Exception):
    """A code not accepted; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_code(user, code: str):
    """The device that accepts `code`: the app for six digits, else the recovery
    codes (a used one is deleted, so it works once). The app refuses a code it
    already accepted (django-otp keeps the last time step used), and after a
    wrong code waits a little longer each time (its throttling)."""
    code = normalise(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    # The wrong code's count (django-otp's throttling) must be saved, so the
    # refusal is raised after the transaction commits.
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user).first()
        if device is None or not device.confirmed:
            refusal = (
                "That is not a 6-digit code from your authenticator app or one of "
                "your recovery codes."
            )
        elif not device.verify_is_allowed()[0]:
            refusal = (
                "A wrong code was entered moments ago. Wait a few seconds, then "
                "enter the code your app shows now."
            )
        elif not device.verify_token(code):
            refusal = (
                "That code is wrong or already used. Enter the code your app shows "
                "now, or an unused recovery code."
            )
        else:
            return device
    raise Refused(refusal)


def turn_off(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
