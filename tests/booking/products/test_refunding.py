# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Refunding a package's unused sessions as money: the pro-rata amount (what
was paid less the used sessions' shares), a Stripe refund against the
package's payment, a ledger line, exactly once on retry, and no earning
reversed (the unused sessions never earned anything)."""

from decimal import Decimal

import pytest

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.lifecycle import paying
from booking.payments.models import Earning
from booking.products import ledger, purchases, refunding
from booking.products.credit_models import PackageRefund
from booking.products.models import CreditLine, Purchase
from tests.booking.accounts.conftest import sign_in  # noqa: F401  (fixture)
from tests.booking.products.helpers import approved, holding, package_for, setting_up
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
def desk():
    return user_with_perms(
        "approve_booking", "cancel_booking", "add_packagerefund", username="desk"
    )


@pytest.fixture
def bought_by_card(client, fake_stripe, sign_in, django_capture_on_commit_callbacks):
    """5 sessions for 100.00 EUR (20.00 a session), bought by Checkout."""
    _, service = setting_up()
    package = package_for(service, sessions=3, price="100.00")
    sign_in(EMAIL)
    client.post(f"/packages/{package.pk}/buy/")
    purchase = Purchase.objects.get()
    session = fake_stripe.pay(purchase.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, session_event("checkout.session.completed", session))
    purchase.refresh_from_db()
    return service, purchase, purchase.entitlements.get()


def test_the_amount_is_what_was_paid_less_the_used_sessions_shares(
    bought_by_card, desk, fake_stripe, django_capture_on_commit_callbacks
):
    service, purchase, entitlement = bought_by_card
    booking, _ = approved(service, desk, EMAIL)
    paying.pay_with_package(booking=booking)  # one used: 33.33 earned
    earned = list(Earning.objects.values_list("gross", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        refund = refunding.refund_unused(
            entitlement=entitlement, actor=desk, reason="Moving abroad"
        )

    # 100.00 − 1 × 33.33: what was earned plus the refund is what was paid.
    assert (refund.sessions, refund.amount) == (2, Decimal("66.67"))
    refund.refresh_from_db()
    assert refund.status == PackageRefund.Status.SUCCEEDED
    (params,) = fake_stripe.posts("/v1/refunds")
    assert params["amount"] == "6667"
    assert params["payment_intent"] == purchase.stripe_payment_intent_id
    line = CreditLine.objects.get(kind=CreditLine.Kind.REFUND)
    assert (line.sessions, line.reason, line.created_by) == (-2, "Moving abroad", desk)
    assert entitlement.balance == 0
    # Nothing that was not earned is reversed: the used session's earning stays.
    assert list(Earning.objects.values_list("gross", flat=True)) == earned


def test_a_retry_refunds_once(
    bought_by_card, desk, fake_stripe, django_capture_on_commit_callbacks
):
    _, _, entitlement = bought_by_card
    with django_capture_on_commit_callbacks(execute=True):
        first = refunding.refund_unused(
            entitlement=entitlement, actor=desk, reason="Asked"
        )
        again = refunding.refund_unused(
            entitlement=entitlement, actor=desk, reason="Asked"
        )
    refunding.run_refund(first.pk)

    assert again == first
    assert first.amount == Decimal("100.00")
    assert len(fake_stripe.posts("/v1/refunds")) == 1
    assert CreditLine.objects.filter(kind=CreditLine.Kind.REFUND).count() == 1


def test_a_stripe_failure_is_retried_with_the_same_key(
    bought_by_card, desk, fake_stripe
):
    _, _, entitlement = bought_by_card
    refund = refunding.refund_unused(entitlement=entitlement, actor=desk, reason="x")
    fake_stripe.failures = 1
    assert "failed" in refunding.run_refund(refund.pk)
    refunding.run_refund(refund.pk)
    refund.refresh_from_db()
    assert refund.status == PackageRefund.Status.SUCCEEDED
    keys = fake_stripe.keys("/v1/refunds")
    assert keys == [f"haven-package-refund-{refund.pk}"] * 2


def test_used_up_packages_and_promotions_refund_nothing(desk):
    _, service = setting_up()
    package = package_for(service, sessions=1, price="50.00")
    bought = holding(package, EMAIL)
    booking, _ = approved(service, desk, EMAIL)
    paying.pay_with_package(booking=booking)
    with pytest.raises(InvalidBookingData, match="no unused sessions"):
        refunding.refund_unused(entitlement=bought, actor=desk, reason="x")
    giver = user_with_perms("add_entitlement", username="giver")
    given = ledger.grant_promotion(
        actor=giver, email=EMAIL, package=package, sessions=1, reason="Gift"
    )
    with pytest.raises(InvalidBookingData, match="given, not bought"):
        refunding.refund_unused(entitlement=given, actor=desk, reason="x")
    assert not PackageRefund.objects.exists()


def test_an_offline_package_is_refunded_by_hand(desk):
    _, service = setting_up()
    package = package_for(service, sessions=4, price="200.00")
    till = user_with_perms("add_purchase", username="till")
    entitlement = purchases.record_offline(
        actor=till, package=package, email=EMAIL, method="Cash"
    )
    refund = refunding.refund_unused(entitlement=entitlement, actor=desk, reason="x")
    assert (refund.status, refund.amount) == ("manual", Decimal("200.00"))


def test_who_may_refund(bought_by_card, client, settings):
    _, _, entitlement = bought_by_card
    nobody = user_with_perms(username="nobody")
    with pytest.raises(NotPermitted):
        refunding.refund_unused(entitlement=entitlement, actor=nobody, reason="x")
    settings.PACKAGE_CLIENT_REFUNDS = False
    assert (
        "Refund unused sessions"
        not in client.get("/account/packages/").content.decode()
    )
    response = client.post(f"/account/packages/{entitlement.pk}/refund/")
    assert response.status_code == 409
    assert not PackageRefund.objects.exists()

    settings.PACKAGE_CLIENT_REFUNDS = True
    assert "Refund unused sessions" in client.get("/account/packages/").content.decode()
    response = client.post(f"/account/packages/{entitlement.pk}/refund/")
    assert response.status_code == 302
    assert PackageRefund.objects.get().amount == Decimal("100.00")


def test_the_admin_refunds_from_clients_packages(bought_by_card, admin_client):
    _, _, entitlement = bought_by_card
    listing = admin_client.get("/admin/packages/entitlements/").content.decode()
    url = f"/admin/packages/entitlements/{entitlement.pk}/refund/"
    assert url in listing
    page = admin_client.get(url).content.decode()
    assert "100.00 EUR" in page
    response = admin_client.post(url, {"reason": "Client moved away"})
    assert response.status_code == 302
    assert PackageRefund.objects.get().reason == "Client moved away"
