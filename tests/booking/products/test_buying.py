# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Buying a package: signed in (a guest signs in by the emailed link first), by
Stripe Checkout against a fake Stripe, granted once by the signed webhook however
often or in whatever order its events arrive; or offline by a booking admin."""

import pytest
from django.core import mail

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.products import purchases
from booking.products.models import CreditLine, Entitlement, ProductEmail, Purchase
from tests.booking.accounts.conftest import sign_in  # noqa: F401  (fixture)
from tests.booking.products.helpers import package_for, setting_up
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    fresh_rate_limits,
    session_event,
)
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"


@pytest.fixture
def package():
    _, service = setting_up()
    return package_for(service, sessions=5, price="300.00")


@pytest.fixture
def checkout(client, fake_stripe, package, sign_in):
    """A signed-in client pressed "Buy": (purchase, the fake's session)."""
    sign_in(EMAIL)
    response = client.post(f"/packages/{package.pk}/buy/")
    assert response.status_code == 302
    purchase = Purchase.objects.get()
    assert response["Location"] == purchase.checkout_url
    return purchase, fake_stripe.sessions[purchase.stripe_checkout_session_id]


def test_a_guest_is_asked_to_sign_in_first(client, package, fake_stripe):
    response = client.post(f"/packages/{package.pk}/buy/")
    assert response["Location"] == "/account/sign-in/"
    assert not Purchase.objects.exists()


def test_the_list_shows_price_per_session(client, package):
    response = client.get("/packages/")
    assert "5 sessions for 300.00 EUR" in response.content.decode()
    assert "60.00 EUR a session" in response.content.decode()


def test_checkout_charges_the_package_price(checkout, fake_stripe):
    purchase, session = checkout
    (params,) = fake_stripe.posts("/v1/checkout/sessions")
    assert params["line_items[0][price_data][unit_amount]"] == "30000"
    assert params["customer_email"] == EMAIL
    assert purchase.status == Purchase.Status.PENDING


def test_duplicate_and_late_webhooks_grant_once(
    client, checkout, fake_stripe, django_capture_on_commit_callbacks
):
    purchase, session = checkout
    fake_stripe.pay(session["id"])
    paid = session_event("checkout.session.completed", session)

    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, paid).status_code == 200
    assert deliver(client, paid).content == b"already processed"
    # The same session reported again under another event id, and its expiry
    # arriving late: nothing more.
    deliver(client, session_event("checkout.session.async_payment_succeeded", session))
    deliver(client, session_event("checkout.session.expired", session))

    entitlement = Entitlement.objects.get()
    assert entitlement.balance == 5
    assert CreditLine.objects.count() == 1
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.PAID
    assert ProductEmail.objects.filter(kind="package_receipt").count() == 1
    receipt = [m for m in mail.outbox if "Your package" in m.subject]
    assert len(receipt) == 1 and receipt[0].to == [EMAIL]


def test_the_return_page_grants_before_the_webhook(client, checkout, fake_stripe):
    purchase, session = checkout
    fake_stripe.pay(session["id"])

    response = client.get(f"/packages/bought/{purchase.pk}/?session_id={session['id']}")

    assert "is yours" in response.content.decode()
    deliver(client, session_event("checkout.session.completed", session))
    assert Entitlement.objects.get().balance == 5


def test_an_expired_checkout_grants_nothing(client, checkout, fake_stripe):
    purchase, session = checkout
    deliver(client, session_event("checkout.session.expired", session))
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.EXPIRED
    assert not Entitlement.objects.exists()


def test_a_booking_admin_records_an_offline_purchase(package):
    admin = user_with_perms("add_purchase", username="desk")
    entitlement = purchases.record_offline(
        actor=admin, package=package, email=" Pat@Example.com ", method="Cash"
    )
    assert entitlement.client_email == EMAIL
    assert entitlement.balance == 5
    assert entitlement.purchase.recorded_by == admin


def test_offline_purchase_needs_the_permission_and_a_method(package):
    nobody = user_with_perms(username="nobody")
    with pytest.raises(NotPermitted):
        purchases.record_offline(actor=nobody, package=package, email=EMAIL, method="x")
    admin = user_with_perms("add_purchase", username="desk")
    with pytest.raises(InvalidBookingData):
        purchases.record_offline(actor=admin, package=package, email=EMAIL, method="")
    assert not Purchase.objects.exists()


def test_the_api_lists_packages_on_sale(client, package):
    package.__class__.objects.create(
        name="Old", sessions=1, price=1, currency="EUR", is_active=False
    )
    response = client.get("/api/v1/packages/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["name"] == package.name
    assert row["session_share"] == "60.00"
    assert row["services"] == [package.services.get().slug]
