"""Every change to a client account goes through here.

Asking for a link is a queued job whatever the address, so the answer and its
timing are the same for an address Haven knows and one it does not (the job
emails either one a link: following it is what proves the address, and only
then is an account made)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from booking.accounts import codes
from booking.accounts.models import ClientAccount, SignInLink
from booking.core import tokens
from booking.core.errors import BookingError, TokenError, TokenExpired, TokenUsed
from booking.core.models import Booking, BookingToken
from booking.notifications.models import OutboxEmail
from booking.privacy import erasure
from booking.privacy.audit import CLIENT_THEMSELF
from booking.privacy.lookup import client_data


class AccountError(BookingError):
    code = "account_error"


def normalize_email(email) -> str:
    """The form an address is kept and compared in; a clear error for anything
    that is not an address."""
    email = email.strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise AccountError(
            "Enter your email address, for example name@example.com."
        ) from exc
    return email


def link_lifetime() -> timedelta:
    return timedelta(minutes=settings.CLIENT_SIGN_IN_LINK_MINUTES)


# --- signing in ----------------------------------------------------------------------


def request_sign_in(*, email: str, frontend: bool = False) -> None:
    """Queue the sign-in email. The job's record keeps no arguments
    (`save=False`): the address is in the queue only until the job runs.
    `frontend`: asked through the JSON API, so the link points to the separate
    frontend (FRONTEND_URL) rather than to Haven's own page."""
    email = normalize_email(email)
    async_task(
        "booking.accounts.emails.send_sign_in_link",
        email,
        frontend,
        task_name="Email a sign-in link",
        save=False,
    )


def issue_link(*, email: str) -> str:
    """A new sign-in link for `email`; returns the only copy of its raw token."""
    return issue_link_and_code(email=email)[0]


def issue_link_and_code(*, email: str) -> tuple[str, str]:
    """A new sign-in link for `email` and its 6-digit code; returns the only
    copies of the raw token and the code. Links long past their use are
    cleared on the way."""
    now = timezone.now()
    SignInLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    key, secret = tokens.new_key_and_secret()
    code = codes.new_code()
    SignInLink.objects.create(
        email=normalize_email(email),
        key=key,
        secret_hash=tokens.digest(secret),
        code_hash=codes.digest(key, code),
        expires_at=now + link_lifetime(),
    )
    return f"{key}.{secret}", code


def check_link(raw, *, lock: bool = False) -> SignInLink:
    """The link for `raw` if it is genuine, unused and unexpired; otherwise a
    TokenError saying which."""
    parts = tokens.split_token(raw)
    links = SignInLink.objects.select_for_update() if lock else SignInLink.objects
    link = links.filter(key=parts[0]).first() if parts else None
    if link is None or not tokens.secret_matches(link.secret_hash, parts[1]):
        raise TokenError(
            "This sign-in link is not valid. Check that you copied the whole link "
            "from the email, or ask for a new one."
        )
    if link.used_at is not None:
        raise TokenUsed("This sign-in link has been used already. Ask for a new one.")
    if link.expires_at <= timezone.now():
        raise TokenExpired("This sign-in link has expired. Ask for a new one.")
    return link


@transaction.atomic
def sign_in_with_link(*, raw: str) -> ClientAccount:
    """Use up the link and return the address's account, made now if this is
    its first sign-in."""
    return _use(check_link(raw, lock=True))


WRONG_CODE = (
    "That code is wrong, used or expired. Check that the address is the one you "
    "entered and the code is from the latest email, or ask for a new one."
)


def sign_in_with_code(*, email, code) -> ClientAccount:
    """Sign in with the address and the 6-digit code of one of its live links
    (which is used up, link and code together). A wrong code counts one
    attempt against every live link of the address, and the same work is done
    whether the address has any, so the answer and its timing say nothing about
    the address. A TokenError when refused."""
    email, code = normalize_email(email), codes.normalise(code)
    if code is None:
        raise TokenError("Enter the 6-digit code from the sign-in email.")
    with transaction.atomic():
        live = SignInLink.objects.filter(
            email=email,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            code_attempts__lt=codes.attempts_allowed(),
        )
        links = list(live.select_for_update().order_by("-created_at"))
        found = [
            link for link in links if codes.matches(link.code_hash, link.key, code)
        ]
        if found:
            return _use(found[0])
        if not links:
            codes.digest("", code)  # the work a known address's miss does
        live.update(code_attempts=F("code_attempts") + 1)
    raise TokenError(WRONG_CODE)


def _use(link: SignInLink) -> ClientAccount:
    """Use up the checked, locked `link` (its code with it) and return the
    address's account, made now if this is its first sign-in."""
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    account = ClientAccount.objects.filter(email__iexact=link.email).first()
    if account is None:
        account = ClientAccount.objects.create(email=link.email, time_zone="")
    account.last_signed_in_at = now
    account.save(update_fields=["last_signed_in_at"])
    return account


def sign_out_everywhere(*, account: ClientAccount) -> None:
    """Every browser signed in to the account is signed out at its next request."""
    ClientAccount.objects.filter(pk=account.pk).update(
        session_epoch=F("session_epoch") + 1
    )


# --- the account ---------------------------------------------------------------------


def update_details(
    *,
    account: ClientAccount,
    name: str,
    time_zone: str,
    clock: int | None = None,
    remind_24h: bool | None = None,
    remind_30m: bool | None = None,
):
    """Save the account's details; a preference passed as None stays as it is.
    Reminders are the only emails a client can turn off."""
    account.name = name.strip()
    account.time_zone = time_zone
    fields = ["name", "time_zone"]
    for field, value in (
        ("clock", clock),
        ("remind_24h", remind_24h),
        ("remind_30m", remind_30m),
    ):
        if value is not None:
            setattr(account, field, value)
            fields.append(field)
    try:
        account.full_clean(exclude=["email", "password", "stripe_customer_id"])
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    account.save(update_fields=fields)
    return account


def skip_verification_email(booking: Booking) -> None:
    """For a draft made by a signed-in client with their proven address: the
    verification email queued with it is withdrawn (in the caller's transaction,
    before it commits and the email is sent) and its link stops working."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("skip_verification_email must run inside atomic()")
    OutboxEmail.objects.filter(
        booking=booking,
        kind=OutboxEmail.Kind.VERIFY_EMAIL,
        status=OutboxEmail.Status.QUEUED,
        attempts=0,
    ).delete()
    BookingToken.objects.filter(
        booking=booking, purpose=BookingToken.Purpose.VERIFY, used_at__isnull=True
    ).update(used_at=timezone.now())


@transaction.atomic
def delete_account(*, account: ClientAccount, request=None) -> list[str]:
    """Erase everything held about the account's address the way the practice's
    erasure does (refused, changing nothing, while a booking is open: the error
    names it), then the account itself. Returns the references kept."""
    data = client_data(account.email)
    if still_open := data.open_bookings():
        listed = ", ".join(
            f"{b.reference} ({b.status_label.lower()})" for b in still_open
        )
        raise AccountError(
            f"You still have open bookings: {listed}. Cancel them, or wait until "
            "they are over, then delete your account."
        )
    kept = []
    if data.bookings.exists() or data.emails.exists() or data.applications.exists():
        kept = erasure.erase_client(
            email=account.email, user=None, request=request, by=CLIENT_THEMSELF
        )
    SignInLink.objects.filter(email__iexact=account.email).delete()
    account.delete()
    return kept
