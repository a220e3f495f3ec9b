"""Two-factor sign-in (booking/signin/): after the password, a code; set-up forced
on the roles that must use it; recovery codes that work once; a limit on guesses."""

import base64
import io
import os
import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import APIToken

from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.signin import devices
from tests.factories import member

PASSWORD = "correct horse"
VERIFY = "/admin/two-factor/verify/"
ENROL = "/admin/two-factor/set-up/"
CODES = "/admin/two-factor/recovery-codes/"
ACCOUNT = "/admin/two-factor/"


@pytest.fixture(autouse=True)
def two_factor_required(settings):
    settings.ADMIN_REQUIRE_2FA = True


def sign_in(client, user):
    response = client.post(
        "/admin/login/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, "the password step failed"
    return response


def current_code(device, *, steps_ahead=0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, drift=steps_ahead)
    return f"{code:06d}"


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="Authenticator app")
    codes = devices.new_recovery_codes(user)
    return device, codes


@pytest.fixture
def booking_admin(db):
    return member(BOOKING_ADMINS, username="ada")


def test_a_booking_admin_with_an_app_cannot_reach_the_admin_without_the_code(
    client, booking_admin
):
    enrolled(booking_admin)
    response = sign_in(client, booking_admin)
    response = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    for path in ("/admin/", "/admin/bookings/", "/admin/account/"):
        assert client.get(path)["Location"].startswith(VERIFY), path
    page = client.get(VERIFY)
    assert page.status_code == 200
    assert "Enter your sign-in code" in page.content.decode()


def test_the_right_code_lets_the_admin_in_and_returns_to_the_page_asked_for(
    client, booking_admin
):
    device, _ = enrolled(booking_admin)
    sign_in(client, booking_admin)

    response = client.post(
        VERIFY, {"code": current_code(device), "next": "/admin/bookings/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/bookings/"
    assert client.get("/admin/").status_code == 200


def test_a_code_is_not_accepted_twice(client, booking_admin):
    device, _ = enrolled(booking_admin)
    code = current_code(device)
    sign_in(client, booking_admin)
    assert client.post(VERIFY, {"code": code}).status_code == 302

    other = client.__class__()
    sign_in(other, booking_admin)
    response = other.post(VERIFY, {"code": code})

    assert response.status_code == 400
    assert "wrong or already used" in response.content.decode()
    assert other.get("/admin/")["Location"].startswith(VERIFY)


def test_a_wrong_code_is_refused_with_a_clear_message(client, booking_admin):
    device, _ = enrolled(booking_admin)
    sign_in(client, booking_admin)
    wrong = current_code(device, steps_ahead=5)

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 400
    assert "That code is wrong or already used" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_wrong_codes_are_limited_then_answered_429_with_retry_after(
    client, booking_admin
):
    device, _ = enrolled(booking_admin)
    sign_in(client, booking_admin)
    allowed, window = devices.limit_for("admin_second_factor")

    for _ in range(allowed):
        assert client.post(VERIFY, {"code": "000000"}).status_code == 400
    device.throttle_reset()  # the limit, not django-otp's back-off, refuses next
    response = client.post(VERIFY, {"code": current_code(device)})

    assert response.status_code == 429
    assert response["Retry-After"] == str(window)
    assert "Too many codes tried" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_recovery_code_signs_in_once(client, booking_admin):
    _, codes = enrolled(booking_admin)
    sign_in(client, booking_admin)

    response = client.post(VERIFY, {"code": codes[0].upper()}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/"
    assert "9 left" in response.content.decode()
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    again = client.__class__()
    sign_in(again, booking_admin)
    response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 400
    assert again.get("/admin/")["Location"].startswith(VERIFY)


def read_secret(page: str) -> str:
    return re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")


def test_a_booking_admin_without_an_app_must_set_one_up_first(client, booking_admin):
    sign_in(client, booking_admin)

    assert client.get("/admin/")["Location"].startswith(ENROL)
    assert client.get("/admin/bookings/")["Location"].startswith(ENROL)
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and "Set up two-factor sign-in" in page
    device = TOTPDevice.objects.get(user=booking_admin, confirmed=False)
    assert base64.b32decode(read_secret(page)) == device.bin_key

    wrong = client.post(ENROL, {"code": current_code(device, steps_ahead=4)})
    assert wrong.status_code == 400
    assert "does not match" in wrong.content.decode()

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(ENROL, {"code": current_code(device)})
    assert response["Location"].startswith(CODES)
    page = client.get(CODES).content.decode()
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(shown) == 10
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user=booking_admin).values_list(
            "token", flat=True
        )
    )
    download = client.get(CODES + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    assert all(code in download.content.decode() for code in shown)

    assert client.post(CODES, {"next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Shown once: the page now sends the user to the account's page.
    assert client.get(CODES)["Location"] == ACCOUNT


def test_the_password_alone_cannot_replace_an_app(client, booking_admin):
    device, _ = enrolled(booking_admin)
    sign_in(client, booking_admin)

    response = client.get(ENROL)

    assert response["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=booking_admin)) == [device]


def test_nothing_is_asked_when_two_factor_is_not_required(
    client, booking_admin, settings
):
    settings.ADMIN_REQUIRE_2FA = False
    sign_in(client, booking_admin)

    assert client.get("/admin/").status_code == 200


def test_staff_are_not_required_but_may_set_it_up_and_turn_it_off(client, db):
    staff = member(STAFF, username="sam")
    sign_in(client, staff)
    assert client.get("/admin/").status_code == 200
    account = client.get("/admin/account/").content.decode()
    assert "Two-factor sign-in" in account and ACCOUNT in account

    assert "Set up two-factor sign-in" in client.get(ACCOUNT).content.decode()
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    assert client.post(ENROL, {"code": current_code(device)}).status_code == 302
    assert "is on" in client.get(ACCOUNT).content.decode()

    later = client.__class__()
    sign_in(later, staff)
    assert later.get("/admin/")["Location"].startswith(VERIFY)

    codes = devices.new_recovery_codes(staff)
    response = client.post(ACCOUNT, {"action": "turn_off", "code": "zzzzzzzz"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=staff).exists()
    StaticDevice.objects.get(user=staff).throttle_reset()  # django-otp's back-off
    response = client.post(ACCOUNT, {"action": "turn_off", "code": codes[0]})
    assert response["Location"] == ACCOUNT
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert later.get("/admin/").status_code == 200


def test_a_required_user_cannot_turn_it_off(client, booking_admin):
    device, codes = enrolled(booking_admin)
    sign_in(client, booking_admin)
    client.post(VERIFY, {"code": codes[0]})

    response = client.post(ACCOUNT, {"action": "turn_off", "code": codes[1]})

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert "cannot be turned off" in client.get(ACCOUNT).content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, booking_admin):
    _, old = enrolled(booking_admin)
    sign_in(client, booking_admin)
    client.post(VERIFY, {"code": old[0]})

    response = client.post(ACCOUNT, {"action": "new_codes", "code": old[1]})

    assert response["Location"].startswith(CODES)
    new = set(
        StaticToken.objects.filter(device__user=booking_admin).values_list(
            "token", flat=True
        )
    )
    assert len(new) == 10 and not new & set(old)


def test_api_tokens_need_the_second_step_too(client, booking_admin):
    enrolled(booking_admin)
    sign_in(client, booking_admin)
    url = reverse("wagtailusers_api_tokens:add")

    response = client.post(url, {"name": "my script"})

    assert response["Location"].startswith(VERIFY)
    assert not APIToken.objects.exists()


def test_a_session_half_signed_in_is_anonymous_to_the_json_api(client, booking_admin):
    enrolled(booking_admin)
    sign_in(client, booking_admin)

    response = client.get("/api/v1/staff/bookings/")

    assert response.status_code in (401, 403)


def test_superusers_must_use_it_too(client, db):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True)
    sign_in(client, root)

    assert client.get("/admin/")["Location"].startswith(ENROL)


def test_the_code_is_checked_against_the_clock(booking_admin):
    device, _ = enrolled(booking_admin)
    stale = f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=-10):06d}"
    with pytest.raises(devices.Refused):
        devices.check_code(booking_admin, stale)
    device.refresh_from_db()
    device.throttle_reset()
    assert devices.check_code(booking_admin, current_code(device)) == device


def test_a_lost_phone_is_removed_from_the_command_line(booking_admin):
    enrolled(booking_admin)
    call_command("turn_off_two_factor", "ada", stdout=io.StringIO())

    assert not devices.has_second_factor(booking_admin)
    assert devices.recovery_codes_left(booking_admin) == 0
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("turn_off_two_factor", "nobody")


@pytest.mark.parametrize(
    ("environment", "required"),
    [
        ({"DEBUG": "1"}, "False"),  # bin/run: the printed password alone signs in
        ({"DEBUG": "0"}, "True"),
        ({"DEBUG": "0", "ADMIN_REQUIRE_2FA": "0"}, "False"),
        ({"DEBUG": "1", "ADMIN_REQUIRE_2FA": "1"}, "True"),
    ],
)
def test_two_factor_is_required_outside_debug_unless_turned_off(environment, required):
    env = {
        **{k: v for k, v in os.environ.items() if k != "ADMIN_REQUIRE_2FA"},
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **environment,
    }
    read = "import django; django.setup(); from django.conf import settings; "
    output = subprocess.run(
        [sys.executable, "-c", read + "print(settings.ADMIN_REQUIRE_2FA)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert output.stdout.strip() == required


@pytest.mark.parametrize("code", ["", "   ", "1" * 5000, "<script>x</script>"])
def test_codes_that_are_no_code_are_refused_and_change_nothing(
    client, booking_admin, code
):
    device, codes = enrolled(booking_admin)
    sign_in(client, booking_admin)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 400
    assert "<script>x</script>" not in response.content.decode()
    assert devices.recovery_codes_left(booking_admin) == len(codes)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
