# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""A client buys a 5-session package by card (Stripe faked at its HTTP client,
the webhook signed), books two sessions with it without paying again, cancels
one within the policy and sees 4 left and the expiry date; desktop and phone."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from booking.core.states import BookingStatus as S
from booking.products.models import Entitlement, Package
from tests.booking.stripe_fakes import (  # noqa: F401  (fixture)
    deliver,
    fake_stripe,
    session_event,
)
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import build_site, publish_consultant_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EMAIL = "ada@example.com"


@pytest.fixture
def consultant_page(transactional_db):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    service = page.consultant.services.get()
    service.requires_approval = False
    service.minimum_notice_minutes = 4 * 24 * 60  # past the 48-hour refund line
    service.price = Decimal("80.00")
    service.save()
    package = Package.objects.create(
        name="Five sessions", sessions=5, price=Decimal("300.00"), validity_days=90
    )
    package.services.set([service])
    return page


def sign_in(page, live_server):
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()
    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    link = re.search(r"https?://\S+(/account/link/\S+/)", email.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {EMAIL}").wait_for()


def book_and_pay_with_package(page, live_server, consultant_page, nth):
    page.goto(live_server.url + consultant_page.url)
    page.locator(".service-card__action a").first.click()
    page.locator("a.slot").nth(nth).click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Request this time").click()
    page.get_by_text("your address is already confirmed").wait_for()
    # The newest booking is the latest session: the last in "Upcoming".
    page.get_by_role(
        "button", name=re.compile("^Manage, pay, move or cancel")
    ).last.click()
    page.get_by_role("button", name="Use a package session").click()
    page.get_by_text("Paid with a package session").wait_for()


def test_a_client_buys_a_package_and_books_with_it(
    live_server, page, shoot, consultant_page, fake_stripe
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + consultant_page.url)
    page.get_by_role("heading", name="Packages").wait_for()
    assert page.get_by_text("5 sessions for 300.00 EUR").is_visible()
    page.get_by_role("button", name="Buy Five sessions").click()
    page.get_by_text("Sign in with the link we email you first").wait_for()
    sign_in(page, live_server)

    page.goto(live_server.url + "/packages/")
    shoot(page, "packages-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "packages-phone")
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
    page.get_by_role("button", name="Buy Five sessions").click()
    page.get_by_role("heading", name="Stripe").wait_for()
    [session] = fake_stripe.sessions.values()
    fake_stripe.pay(session["id"])
    assert deliver(Client(), session_event("checkout.session.completed", session))
    back = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    page.goto(live_server.url + back[back.index("/packages/") :])
    page.get_by_text("Five sessions is yours").wait_for()
    shoot(page, "bought")
    assert axe_violations(page) == []

    book_and_pay_with_package(page, live_server, consultant_page, 0)
    book_and_pay_with_package(page, live_server, consultant_page, 3)
    shoot(page, "paid-with-package")
    entitlement = Entitlement.objects.get()
    bookings = [line.booking for line in entitlement.lines.filter(kind="use")]
    assert [b.status for b in bookings] == [S.CONFIRMED, S.CONFIRMED]
    assert entitlement.balance == 3
    assert len(fake_stripe.sessions) == 1  # no second payment

    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text("is cancelled.").wait_for()

    page.goto(live_server.url + "/account/packages/")
    expiry = f"{entitlement.expires_at:%-d %B %Y}"
    page.get_by_text("4 of 5 sessions left").wait_for()
    assert page.locator(".package-expiry").inner_text() == expiry
    shoot(page, "my-packages-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "my-packages-phone")
    assert axe_violations(page) == []
