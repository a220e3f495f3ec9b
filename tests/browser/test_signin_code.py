"""A client reads the sign-in email on their phone and types its 6-digit code on
the computer that asked (issue 21): the "check your inbox" page, on a desktop and
a phone, wrong code first."""

import re

import pytest
from django.core import mail

from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_signs_in_with_the_emailed_code(live_server, page, shoot):
    build_site()
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/account/sign-in/")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()
    shoot(page, "check-your-inbox-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "check-your-inbox-phone")
    assert axe_violations(page) == []

    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    code = re.search(r"enter this code: (\d{3} \d{3})", email.body)[1]
    field = page.get_by_label("The 6-digit code from the email")
    field.fill("000 000" if code != "000 000" else "111 111")
    page.get_by_role("button", name="Sign in with the code").click()
    page.get_by_text("That code is wrong, used or expired").wait_for()
    assert field.get_attribute("aria-invalid") == "true"
    shoot(page, "wrong-code-phone")
    assert axe_violations(page) == []

    # The address stays filled in; the code from the email signs in.
    assert page.get_by_label("Your email address").input_value() == "ada@example.com"
    field.fill(code)
    page.get_by_role("button", name="Sign in with the code").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()
