# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Bundles: one session of each of a fixed set of services at a total price,
its saving against the single prices shown on the pages and in the API, bought
by Checkout once however the webhooks arrive, and paying a session of each."""

from decimal import Decimal

import pytest
from django.core import mail

from booking.core.states import BookingStatus as S
from booking.lifecycle import paying
from booking.payments.models import Earning
from booking.products import ledger
from booking.products.catalogue import Bundle
from booking.products.ledger import NoSessionsLeft
from booking.products.models import CreditLine, Entitlement, Purchase
from tests.booking.accounts.conftest import sign_in  # noqa: F401  (fixture)
from tests.booking.products.helpers import approved
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    fresh_rate_limits,
    session_event,
)
from tests.factories import ConsultantFactory, ServiceFactory, user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"


@pytest.fixture
def bundle():
    """Intake (80) and follow-up (60) at 110 EUR, where 140 EUR separately."""
    consultant = ConsultantFactory()
    intake = ServiceFactory(consultants=[consultant], price=Decimal("80.00"))
    follow_up = ServiceFactory(consultants=[consultant], price=Decimal("60.00"))
    bundle = Bundle.objects.create(
        name="Start here", sessions=2, price=Decimal("110.00"), currency="EUR"
    )
    bundle.services.set([intake, follow_up])
    return bundle, intake, follow_up


@pytest.fixture
def admin():
    return user_with_perms("approve_booking", "cancel_booking", username="desk")


def test_the_saving_is_shown_on_the_packages_page_and_in_the_api(client, bundle):
    bundle, intake, _ = bundle
    assert (bundle.single_total, bundle.saving) == (Decimal("140.00"), Decimal("30.00"))

    page = client.get("/packages/").content.decode()
    assert "Separately 140.00 EUR: you save <strong>30.00 EUR</strong>" in page
    assert intake.title in page

    (row,) = client.get("/api/v1/packages/").json()["results"]
    assert row["kind"] == "bundle"
    assert (row["single_total"], row["saving"]) == ("140.00", "30.00")


def test_bought_by_checkout_it_grants_one_session_of_each_once(
    client, bundle, fake_stripe, sign_in, django_capture_on_commit_callbacks
):
    bundle, intake, follow_up = bundle
    sign_in(EMAIL)
    client.post(f"/packages/{bundle.pk}/buy/")
    purchase = Purchase.objects.get()
    session = fake_stripe.pay(purchase.stripe_checkout_session_id)
    (params,) = fake_stripe.posts("/v1/checkout/sessions")
    assert params["line_items[0][price_data][unit_amount]"] == "11000"

    paid = session_event("checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, paid)
    deliver(client, paid)
    deliver(client, session_event("checkout.session.async_payment_succeeded", session))
    deliver(client, session_event("checkout.session.expired", session))

    entitlements = Entitlement.objects.order_by("service__pk")
    assert [(e.service, e.balance) for e in entitlements] == [
        (intake, 1),
        (follow_up, 1),
    ]
    # Each session is worth its share of the price: 110 × 80/140 and the rest.
    assert [e.value for e in entitlements] == [Decimal("62.86"), Decimal("47.14")]
    assert CreditLine.objects.count() == 2
    assert ledger.sessions_left(EMAIL, service=intake) == 1
    (receipt,) = [m for m in mail.outbox if "Your package" in m.subject]
    assert "You have 2 session(s)" in receipt.body


def test_a_bundle_pays_one_session_of_each_service_and_no_more(bundle, admin):
    bundle, intake, follow_up = bundle
    purchase = Purchase.objects.create(
        package=bundle,
        client_email=EMAIL,
        provider=Purchase.Provider.OFFLINE,
        status=Purchase.Status.PAID,
        amount=bundle.price,
        currency="EUR",
        paid_at=bundle.created_at,
    )
    ledger.grant_purchase(purchase)

    first, _ = approved(intake, admin, EMAIL)
    first = paying.pay_with_package(booking=first)
    assert first.status == S.CONFIRMED
    # The consultant earns the intake's share of the bundle, not its list price.
    assert Earning.objects.get(booking=first).gross == Decimal("62.86")
    assert ledger.sessions_left(EMAIL, service=intake) == 0
    assert ledger.sessions_left(EMAIL, service=follow_up) == 1

    second, _ = approved(intake, admin, EMAIL, weeks=2)
    with pytest.raises(NoSessionsLeft):
        paying.pay_with_package(booking=second)
    third, _ = approved(follow_up, admin, EMAIL, weeks=3)
    assert paying.pay_with_package(booking=third).status == S.CONFIRMED


def test_the_admin_refuses_a_bundle_with_a_service_in_another_currency(
    client, bundle, admin_client
):
    bundle, intake, _ = bundle
    dollars = ServiceFactory(price=Decimal("50.00"), currency="USD")
    response = admin_client.post(
        "/admin/practice/bundles/new/",
        {
            "name": "Mixed",
            "description": "",
            "services": [intake.pk, dollars.pk],
            "price": "100.00",
            "currency": "EUR",
            "validity_days": "90",
            "is_active": "on",
        },
    )
    assert "Priced in another currency than EUR" in response.content.decode()
    assert Bundle.objects.count() == 1


def test_the_admin_makes_a_bundle_with_a_session_of_each(client, bundle, admin_client):
    _, intake, follow_up = bundle
    response = admin_client.post(
        "/admin/practice/bundles/new/",
        {
            "name": "Pair",
            "description": "",
            "services": [intake.pk, follow_up.pk],
            "price": "120.00",
            "currency": "EUR",
            "validity_days": "90",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Bundle.objects.get(name="Pair")
    assert (made.kind, made.sessions, made.saving) == ("bundle", 2, Decimal("20.00"))
    listing = admin_client.get("/admin/practice/bundles/").content.decode()
    assert "Pair" in listing and "20.00" in listing
