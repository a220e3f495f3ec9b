# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Money credit: grants and their ledger (never negative, expiry written once),
paying a booking wholly with credit, and partly with the rest by card: the
booking is confirmed when the card part is paid, with two payment rows that say
how; a Checkout that expires gives the credit back exactly once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.core.states import BookingStatus as S
from booking.lifecycle import credit_paying, services
from booking.payments.models import Earning, Payment
from booking.products import credits, purchases
from booking.products.catalogue import CreditProduct
from booking.products.credit_models import MoneyLine
from tests.booking.accounts.conftest import sign_in  # noqa: F401  (fixture)
from tests.booking.products.helpers import approved, days, setting_up
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    fresh_rate_limits,
    offline,
    session_event,
)
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"
Kind = MoneyLine.Kind


@pytest.fixture
def desk():
    return user_with_perms(
        "approve_booking", "cancel_booking", "add_creditgrant", username="desk"
    )


def give(desk, amount, **fields):
    return credits.grant_promotion(
        actor=desk,
        email=EMAIL,
        amount=Decimal(amount),
        currency="EUR",
        reason="Apology for a moved session",
        **fields,
    )


def test_a_promotion_needs_the_permission_a_reason_and_an_amount(desk):
    nobody = user_with_perms(username="nobody")
    with pytest.raises(NotPermitted):
        credits.grant_promotion(
            actor=nobody, email=EMAIL, amount=Decimal("5"), currency="EUR", reason="x"
        )
    with pytest.raises(InvalidBookingData, match="Say why"):
        credits.grant_promotion(
            actor=desk, email=EMAIL, amount=Decimal("5"), currency="EUR", reason=" "
        )
    with pytest.raises(InvalidBookingData, match="between"):
        give(desk, "0")
    grant = give(desk, "25.00")
    line = grant.lines.get()
    assert (line.kind, line.amount, line.created_by) == (
        Kind.PROMOTION,
        Decimal("25.00"),
        desk,
    )
    assert credits.balance(EMAIL, "EUR") == Decimal("25.00")
    assert credits.balance(EMAIL, "GBP") == 0


def test_a_credit_product_bought_offline_grants_its_credit_once():
    product = CreditProduct.objects.create(
        name="Gift 100", price=Decimal("90.00"), credit_amount=Decimal("100.00")
    )
    buyer = user_with_perms("add_purchase", username="till")
    grant = purchases.record_offline(
        actor=buyer, package=product, email=EMAIL, method="Cash"
    )
    assert purchases.grant(grant.purchase) == grant
    assert credits.balance(EMAIL, "EUR") == Decimal("100.00")
    assert MoneyLine.objects.get().kind == Kind.PURCHASE


def test_credit_that_covers_the_price_confirms_the_booking(desk, client):
    _, service = setting_up(price="80.00")
    give(desk, "100.00")
    booking, token = approved(service, desk, EMAIL)

    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "You have 100.00 EUR of credit: it covers this session." in page
    response = client.post(f"/book/manage/{token}/pay/credit/")

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    payment = booking.payments.get()
    assert (payment.provider, payment.status, payment.paid_amount) == (
        Payment.Provider.CREDIT,
        Payment.Status.PAID,
        Decimal("80.00"),
    )
    assert credits.balance(EMAIL, "EUR") == Decimal("20.00")
    assert Earning.objects.get(booking=booking).gross == Decimal("80.00")


def test_partial_credit_and_card_confirm_together_once(
    desk, client, fake_stripe, django_capture_on_commit_callbacks
):
    _, service = setting_up(price="80.00")
    give(desk, "30.00")
    booking, token = approved(service, desk, EMAIL)
    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "Use my credit, pay the rest by card" in page

    response = client.post(f"/book/manage/{token}/pay/credit/")

    card = booking.payments.get(provider=Payment.Provider.STRIPE)
    assert response["Location"] == card.checkout_url
    (params,) = fake_stripe.posts("/v1/checkout/sessions")
    assert params["line_items[0][price_data][unit_amount]"] == "5000"
    assert card.method == "Card, the rest after 30.00 EUR of credit"
    part = booking.payments.get(provider=Payment.Provider.CREDIT)
    assert (part.status, part.amount) == (Payment.Status.PENDING, Decimal("30.00"))
    assert credits.balance(EMAIL, "EUR") == 0  # held while the card is paid
    booking.refresh_from_db()
    assert booking.status == S.PAYMENT_PENDING

    session = fake_stripe.pay(card.stripe_checkout_session_id)
    paid = session_event("checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, paid)
    deliver(client, paid)
    deliver(client, session_event("checkout.session.expired", session))

    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking.amount_paid == Decimal("80.00")
    part.refresh_from_db()
    assert (part.status, part.paid_amount) == (Payment.Status.PAID, Decimal("30.00"))
    assert credits.balance(EMAIL, "EUR") == 0
    assert MoneyLine.objects.filter(kind=Kind.RETURN).count() == 0
    assert Earning.objects.get(booking=booking).gross == Decimal("80.00")


def test_an_expired_checkout_returns_the_credit_exactly_once(desk, client, fake_stripe):
    _, service = setting_up(price="80.00")
    give(desk, "30.00")
    booking, token = approved(service, desk, EMAIL)
    client.post(f"/book/manage/{token}/pay/credit/")
    card = booking.payments.get(provider=Payment.Provider.STRIPE)
    session = fake_stripe.sessions[card.stripe_checkout_session_id]

    expired = session_event("checkout.session.expired", session)
    deliver(client, expired)
    deliver(client, expired)
    deliver(client, session_event("checkout.session.expired", session))

    booking.refresh_from_db()
    assert booking.status == S.APPROVED
    assert credits.balance(EMAIL, "EUR") == Decimal("30.00")
    assert MoneyLine.objects.filter(kind=Kind.RETURN).count() == 1
    part = booking.payments.get(provider=Payment.Provider.CREDIT)
    assert part.status == Payment.Status.EXPIRED
    # The client may use it again.
    client.post(f"/book/manage/{token}/pay/credit/")
    assert credits.balance(EMAIL, "EUR") == 0


def test_cancelling_before_the_card_is_paid_returns_the_credit(
    desk, client, fake_stripe
):
    _, service = setting_up(price="80.00")
    give(desk, "30.00")
    booking, token = approved(service, desk, EMAIL)
    client.post(f"/book/manage/{token}/pay/credit/")

    services.cancel(booking=booking, actor=desk, reason="Practice closed")
    card = booking.payments.get(provider=Payment.Provider.STRIPE)
    deliver(
        client,
        session_event(
            "checkout.session.expired",
            fake_stripe.sessions[card.stripe_checkout_session_id],
        ),
    )

    assert credits.balance(EMAIL, "EUR") == Decimal("30.00")
    assert MoneyLine.objects.filter(kind=Kind.RETURN).count() == 1


def test_cancelling_a_booking_paid_by_credit_gives_it_back_by_policy(desk):
    _, service = setting_up(price="80.00")
    give(desk, "100.00")
    booking, _ = approved(service, desk, EMAIL)
    credit_paying.pay_with_credit(booking=booking)

    services.cancel(booking=booking, actor=desk, reason="Consultant ill")

    assert credits.balance(EMAIL, "EUR") == Decimal("100.00")
    refund = booking.refunds.get()
    assert (refund.amount, refund.status) == (Decimal("80.00"), "succeeded")
    # The earning went with it.
    total = sum(e.gross for e in Earning.objects.filter(booking=booking))
    assert total == 0


def test_partial_credit_needs_online_payment(desk, offline):
    _, service = setting_up(price="80.00")
    give(desk, "30.00")
    booking, _ = approved(service, desk, EMAIL)
    with pytest.raises(InvalidBookingData, match="the rest is paid online"):
        credit_paying.pay_with_credit(booking=booking)
    assert credits.balance(EMAIL, "EUR") == Decimal("30.00")


def test_no_credit_is_refused_and_the_balance_never_goes_negative(desk):
    _, service = setting_up(price="80.00")
    booking, _ = approved(service, desk, EMAIL)
    with pytest.raises(credits.NoCreditLeft):
        credit_paying.pay_with_credit(booking=booking)
    grant = give(desk, "10.00")
    payment = Payment.objects.create(
        booking=booking, provider="credit", amount=Decimal("20"), currency="EUR"
    )
    with pytest.raises(credits.NoCreditLeft):
        credits.use(payment, Decimal("20.00"))
    assert grant.balance == Decimal("10.00")


def test_expiry_runs_twice_and_writes_once(desk):
    give(desk, "40.00", days=1)
    later = timezone.now() + days(2)
    assert credits.expire_due(now=later) == 1
    assert credits.expire_due(now=later) == 0
    assert MoneyLine.objects.filter(kind=Kind.EXPIRY).get().amount == Decimal("-40.00")
    assert credits.balance(EMAIL, "EUR", now=later) == 0


def test_the_client_sees_their_credit_and_its_lines(desk, client, sign_in):
    give(desk, "25.00")
    sign_in(EMAIL)
    page = client.get("/account/packages/").content.decode()
    assert "<strong>25.00 EUR</strong>" in page
    assert "Apology for a moved session" in page


def test_credit_is_in_the_data_bundle_and_erasure_keeps_the_amounts(desk):
    from booking.products import privacy

    give(desk, "25.00")
    rows = privacy.bundle_rows(EMAIL)
    assert rows["credit"][0]["amount"] == Decimal("25.00")
    assert rows["credit_lines"][0]["reason"] == "Apology for a moved session"

    privacy.anonymise(EMAIL)

    assert privacy.bundle_rows(EMAIL)["credit"] == []
    line = MoneyLine.objects.get()
    assert line.amount == Decimal("25.00")
    assert line.reason == "(removed with the client's personal data)"
    assert line.grant.client_email.endswith("@anonymised.invalid")


def test_the_admin_sells_credit_that_is_listed_for_clients(admin_client, client):
    response = admin_client.post(
        "/admin/practice/credit-products/new/",
        {"name": "Gift", "description": "", "price": "90.00", "currency": "EUR"}
        | {"validity_days": "365", "is_active": "on"},
    )
    assert "Say how much credit the buyer receives." in response.content.decode()
    response = admin_client.post(
        "/admin/practice/credit-products/new/",
        {"name": "Gift", "description": "", "price": "90.00", "currency": "EUR"}
        | {"validity_days": "365", "is_active": "on", "credit_amount": "100.00"},
    )
    assert response.status_code == 302
    assert CreditProduct.objects.get().kind == "credit"
    page = client.get("/packages/").content.decode()
    assert "100.00 EUR of credit for 90.00 EUR" in page
