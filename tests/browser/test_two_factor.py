"""Two-factor sign-in in a real browser, on a desktop and on a phone: a booking
admin with ADMIN_REQUIRE_2FA on signs in, is made to set up an authenticator app
(the test reads the key off the page, as someone who cannot scan would, and
computes the code), is shown ten recovery codes, reaches the dashboard; signs in
again, mistypes a code, and gets in with a recovery code. axe-core (bundled in
axe-playwright-python, read from disk) checks every two-factor page."""

import base64

import pytest
from django_otp.oath import totp

from booking.core.roles import BOOKING_ADMINS
from tests.browser.conftest import ARTIFACTS, SCREENS, axe_violations
from tests.factories import member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def accessibility_violations(page) -> list[str]:
    return axe_violations(page)


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("screen", SCREENS)
def test_a_booking_admin_sets_up_two_factor_sign_in_and_uses_a_recovery_code(
    screen, browser, live_server, settings
):
    settings.ADMIN_REQUIRE_2FA = True
    username = f"frontdesk-{screen}"
    member(BOOKING_ADMINS, username=username, first_name="Fran")
    folder = ARTIFACTS / f"two_factor-{screen}"
    folder.mkdir(parents=True, exist_ok=True)
    steps = iter(range(1, 100))
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    problems = {}

    def shoot(step, check=True):
        page.screenshot(path=folder / f"{next(steps):02d}-{step}.png", full_page=True)
        if check:
            problems[step] = accessibility_violations(page)

    sign_in(page, live_server, username)
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    assert page.locator(".signin-qr svg").is_visible()
    shoot("set-up")

    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    code = totp(base64.b32decode(secret))
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator("ol.signin-codes code").all_inner_texts()
    assert len(codes) == 10
    shoot("recovery-codes")

    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.get_by_role("heading", name="Needs you now").wait_for()
    shoot("dashboard", check=False)

    context.clear_cookies()
    sign_in(page, live_server, username)
    page.get_by_role("heading", name="Enter your sign-in code").wait_for()
    shoot("second-step")
    page.get_by_label("Code").fill("00000000")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That code is wrong or already used").wait_for()
    shoot("wrong-code")

    page.wait_for_timeout(1100)  # django-otp's back-off after a wrong code
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Needs you now").wait_for()
    assert page.get_by_text("9 left").is_visible()
    shoot("in-with-a-recovery-code", check=False)

    page.goto(f"{live_server.url}/admin/two-factor/")
    page.get_by_text("Two-factor sign-in is on.").wait_for()
    assert page.get_by_text("cannot be turned off").is_visible()
    shoot("account-page")

    context.close()
    assert not refused, f"blocked by the Content-Security-Policy: {refused}"
    assert not any(problems.values()), problems
