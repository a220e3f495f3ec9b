# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""A bundle's saving is shown beside the packages; a client holding 30 EUR of
credit books an 80 EUR session, uses the credit and pays the remaining 50 EUR by
card (Stripe faked at its HTTP client, the webhook signed), and sees the credit
used in "My packages"; desktop and phone, axe on each new or changed page."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.payments.models import Payment
from booking.products import credits
from booking.products.catalogue import Bundle
from tests.booking.stripe_fakes import (  # noqa: F401  (fixture)
    deliver,
    fake_stripe,
    session_event,
)
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.browser.test_packages import EMAIL, sign_in
from tests.factories import (
    ServiceFactory,
    build_site,
    publish_consultant_page,
    user_with_perms,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consultant_page(transactional_db):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    service = page.consultant.services.get()
    service.requires_approval = False
    service.price = Decimal("80.00")
    service.save()
    follow_up = ServiceFactory(
        consultants=[page.consultant], price=Decimal("60.00"), title="Follow-up"
    )
    bundle = Bundle.objects.create(
        name="First steps", price=Decimal("120.00"), sessions=2, validity_days=90
    )
    bundle.services.set([service, follow_up])
    credits.grant_promotion(
        actor=user_with_perms("add_creditgrant", username="desk"),
        email=EMAIL,
        amount=Decimal("30.00"),
        currency="EUR",
        reason="Welcome credit",
    )
    return page


def test_a_client_pays_with_credit_and_card(
    live_server, page, shoot, consultant_page, fake_stripe
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/account/sign-in/")
    sign_in(page, live_server)
    page.goto(live_server.url + "/packages/")
    page.get_by_text("you save").wait_for()
    assert "Separately 140.00 EUR: you save 20.00 EUR" in page.inner_text("main")
    shoot(page, "packages-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "packages-phone")
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + consultant_page.url)
    page.get_by_text("you save").first.wait_for()
    first = consultant_page.consultant.services.exclude(title="Follow-up").get()
    card = page.locator(".service-card", has_text=first.title)
    card.locator(".service-card__action a").first.click()
    page.locator("a.slot").first.click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Request this time").click()
    page.get_by_text("your address is already confirmed").wait_for()
    page.get_by_role(
        "button", name=re.compile("^Manage, pay, move or cancel")
    ).last.click()
    page.get_by_text("You have 30.00 EUR of credit").wait_for()
    shoot(page, "pay-step-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "pay-step-phone")
    page.set_viewport_size(DESKTOP)

    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            body="<html lang=en><title>Checkout</title><h1>Stripe</h1></html>",
            content_type="text/html",
        ),
    )
    page.get_by_role("button", name="Use my credit, pay the rest by card").click()
    page.get_by_role("heading", name="Stripe").wait_for()
    [session] = fake_stripe.sessions.values()
    assert session["amount_total"] == 5000
    fake_stripe.pay(session["id"])
    assert deliver(Client(), session_event("checkout.session.completed", session))

    booking = Booking.objects.get()
    assert booking.status == S.CONFIRMED
    assert sorted(booking.payments.values_list("provider", "paid_amount")) == [
        (Payment.Provider.CREDIT, Decimal("30.00")),
        (Payment.Provider.STRIPE, Decimal("50.00")),
    ]

    page.goto(live_server.url + "/account/packages/")
    page.get_by_text("Welcome credit").wait_for()
    assert page.get_by_text(f"Booking {booking.reference}").is_visible()
    shoot(page, "my-credit-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "my-credit-phone")
    assert axe_violations(page) == []
