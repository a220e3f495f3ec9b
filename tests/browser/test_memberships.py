# ruff: noqa: F811  (pytest fixtures imported from the fakes)
"""A client joins a monthly membership by card (Stripe Billing faked at its HTTP
client, the webhooks signed), sees the period's sessions and the renewal date on
their account page, and cancels it at the period's end; desktop and phone."""

import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from booking.products.membership_models import Membership
from tests.booking.products.billing_fakes import (  # noqa: F401  (fixture)
    MONTH,
    checkout_event,
    fake_billing,
    invoice_event,
    plan_for,
)
from tests.booking.stripe_fakes import deliver
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import build_site, publish_consultant_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "ada@example.com"


@pytest.fixture
def plan(transactional_db):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    service = page.consultant.services.get()
    service.price = Decimal("80.00")
    service.save()
    return plan_for(service, sessions=4, description="Four sessions every month.")


def sign_in(page, live_server):
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()
    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    link = re.search(r"https?://\S+(/account/link/\S+/)", email.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {EMAIL}").wait_for()


def test_a_client_joins_a_membership_and_sees_its_sessions(
    live_server, page, shoot, plan, fake_billing
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/memberships/")
    page.get_by_text("45.00 EUR a month").wait_for()
    page.get_by_role("button", name="Join Monthly calm").click()
    page.get_by_text("Sign in with the link we email you first").wait_for()
    sign_in(page, live_server)

    page.goto(live_server.url + "/memberships/")
    shoot(page, "plans-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "plans-phone")
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)

    # Stripe's Checkout page is Stripe's: the browser only reaches the fake's URL.
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            body="<html lang=en><title>Checkout</title><h1>Stripe</h1></html>",
            content_type="text/html",
        ),
    )
    page.get_by_role("button", name="Join Monthly calm").click()
    page.get_by_role("heading", name="Stripe").wait_for()
    [session] = fake_billing.sessions.values()
    start = int(time.time())
    _, first = fake_billing.subscribe(session["id"], start=start)
    assert deliver(Client(), checkout_event(session)).status_code == 200
    assert deliver(Client(), invoice_event(first)).status_code == 200
    back = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    page.goto(live_server.url + back[back.index("/memberships/") :])
    page.get_by_text("you are a member of Monthly calm").wait_for()
    shoot(page, "joined")
    assert axe_violations(page) == []

    page.get_by_role("link", name="See your memberships").click()
    renews = f"{datetime.fromtimestamp(start + MONTH, tz=UTC):%-d %B %Y}"
    page.get_by_text("4 sessions left").wait_for()
    assert page.locator(".membership-end").inner_text() == renews
    shoot(page, "my-memberships-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "my-memberships-phone")
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Cancel membership Monthly calm").click()
    page.get_by_text("is cancelled. It ends on").wait_for()
    status = page.locator(".membership-status").inner_text()
    assert status.startswith(f"Cancelled: ends on {renews}.")
    shoot(page, "cancelled")
    assert axe_violations(page) == []
    assert Membership.objects.get().cancel_at_period_end
