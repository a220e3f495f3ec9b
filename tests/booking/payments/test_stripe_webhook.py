# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""Stripe Checkout and its webhook (DESIGN §5), against a fake Stripe HTTP client
and signed recorded events: nothing reaches the network."""

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying
from booking.payments import events
from booking.payments.models import Payment, ProcessedStripeEvent, Refund
from tests.booking.lifecycle.test_concurrency import all_at_once
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    WEBHOOK_SECRET,
    approved_booking,
    booking_admin,
    deliver,
    event,
    fake_stripe,
    fresh_rate_limits,
    press_pay,
    session_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(client, fake_stripe, booking_admin):
    """An approved booking whose client has pressed "Pay": (booking, token,
    the fake's Checkout Session)."""
    booking, token = approved_booking(booking_admin)
    url = press_pay(client, token)
    session_id = url.rsplit("/", 1)[1]
    return Booking.objects.get(pk=booking.pk), token, fake_stripe.sessions[session_id]


def confirmations(booking) -> int:
    return ModelLogEntry.objects.filter(
        object_id=str(booking.pk), action="booking.confirm"
    ).count()


def test_pay_creates_a_checkout_session_and_redirects_to_it(
    client, fake_stripe, booking_admin
):
    booking, token = approved_booking(booking_admin, client_email="ada@example.com")

    url = press_pay(client, token)

    booking.refresh_from_db()
    payment = booking.payments.get()
    assert booking.status == S.PAYMENT_PENDING
    assert url == payment.checkout_url
    assert url.startswith("https://checkout.stripe.com/")
    (params,) = fake_stripe.posts("/v1/checkout/sessions")
    assert params["customer_email"] == "ada@example.com"
    assert params["line_items[0][price_data][unit_amount]"] == "8000"
    assert params["line_items[0][price_data][currency]"] == "eur"
    lifetime = int(params["expires_at"]) - time.time()
    assert 30 * 60 < lifetime <= 24 * 3600
    manage = reverse("booking:manage", args=[token])
    assert params["success_url"] == (
        f"https://haven.example{manage}paid/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert params["cancel_url"] == f"https://haven.example{manage}pay/cancelled/"
    assert fake_stripe.keys("/v1/checkout/sessions") == [
        f"haven-checkout-{booking.pk}-1"
    ]
    _, _, headers, _ = fake_stripe.calls[0]
    assert headers["Stripe-Version"] == "2026-10-28.endive"


def test_pressing_pay_again_reuses_the_open_session(client, journey, fake_stripe):
    booking, token, session = journey

    assert press_pay(client, token) == session["url"]
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1


def test_happy_path_to_confirmed(
    client, journey, fake_stripe, django_capture_on_commit_callbacks
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, session_event("checkout.session.completed", session))

    assert response.status_code == 200
    booking.refresh_from_db()
    payment = booking.payments.get()
    assert booking.status == S.CONFIRMED
    assert booking.amount_paid == Decimal("80.00")
    assert payment.status == Payment.Status.PAID
    assert payment.paid_amount == Decimal("80.00")
    assert payment.stripe_payment_intent_id == session["payment_intent"]
    assert booking.emails.filter(kind="confirmed").count() == 1
    page = client.get(reverse("booking:pay_return", args=[token]))
    assert b"Your booking is confirmed" in page.content


def test_the_same_event_three_times_confirms_once(client, journey, fake_stripe):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    payload = session_event("checkout.session.completed", session)

    answers = [deliver(client, payload).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking.amount_paid == Decimal("80.00")
    assert confirmations(booking) == 1
    assert ProcessedStripeEvent.objects.filter(event_id=payload["id"]).count() == 1


def test_completed_and_async_succeeded_for_one_session_confirm_once(
    client, journey, fake_stripe
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])

    deliver(client, session_event("checkout.session.completed", session))
    deliver(client, session_event("checkout.session.async_payment_succeeded", session))

    assert confirmations(booking) == 1
    assert Booking.objects.get(pk=booking.pk).amount_paid == Decimal("80.00")


@pytest.mark.parametrize("first", ["redirect", "webhook"])
def test_webhook_and_success_redirect_confirm_once(client, journey, fake_stripe, first):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    return_url = reverse("booking:pay_return", args=[token])

    def redirect():
        return client.get(return_url, {"session_id": session["id"]})

    def webhook():
        return deliver(client, session_event("checkout.session.completed", session))

    steps = [redirect, webhook] if first == "redirect" else [webhook, redirect]
    for step in steps:
        assert step().status_code == 200

    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking.amount_paid == Decimal("80.00")
    assert confirmations(booking) == 1


def test_success_page_says_confirming_until_stripe_reports_paid(
    client, journey, fake_stripe
):
    booking, token, session = journey

    page = client.get(
        reverse("booking:pay_return", args=[token]), {"session_id": session["id"]}
    )

    assert "Payment received, confirming…" in page.content.decode()
    assert b'http-equiv="refresh"' in page.content
    assert Booking.objects.get(pk=booking.pk).status == S.PAYMENT_PENDING


def test_success_redirect_ignores_another_bookings_session(
    client, journey, fake_stripe, booking_admin
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    other, other_token = approved_booking(booking_admin)

    client.get(
        reverse("booking:pay_return", args=[other_token]),
        {"session_id": session["id"]},
    )

    assert Booking.objects.get(pk=booking.pk).status == S.PAYMENT_PENDING
    assert Booking.objects.get(pk=other.pk).status == S.APPROVED


def test_an_expired_event_after_completion_changes_nothing(
    client, journey, fake_stripe
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    deliver(client, session_event("checkout.session.completed", session))
    before = Booking.objects.get(pk=booking.pk)

    expired = session_event("checkout.session.expired", session)
    expired["data"]["object"].update(status="expired", payment_status="unpaid")
    response = deliver(client, expired)

    assert response.status_code == 200
    after = Booking.objects.get(pk=booking.pk)
    assert after.status == S.CONFIRMED
    assert after.updated_at == before.updated_at
    assert Payment.objects.get(booking=booking).status == Payment.Status.PAID


def test_an_expired_session_lets_the_client_pay_again(client, journey, fake_stripe):
    booking, token, session = journey

    deliver(client, session_event("checkout.session.expired", session))

    booking.refresh_from_db()
    assert booking.status == S.APPROVED
    assert booking.payments.get().status == Payment.Status.EXPIRED
    second = press_pay(client, token)
    assert second != session["url"]
    assert fake_stripe.keys("/v1/checkout/sessions") == [
        f"haven-checkout-{booking.pk}-1",
        f"haven-checkout-{booking.pk}-2",
    ]


def test_delayed_payment_waits_for_the_async_events(client, journey, fake_stripe):
    booking, token, session = journey
    session.update(status="complete", payment_intent="pi_test_async")

    deliver(client, session_event("checkout.session.completed", session))
    assert Booking.objects.get(pk=booking.pk).status == S.PAYMENT_PENDING

    session["payment_status"] = "paid"
    deliver(client, session_event("checkout.session.async_payment_succeeded", session))
    assert Booking.objects.get(pk=booking.pk).status == S.CONFIRMED


def test_a_failed_delayed_payment_returns_the_booking_to_approved(
    client, journey, fake_stripe
):
    booking, token, session = journey

    deliver(client, session_event("checkout.session.async_payment_failed", session))

    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED
    assert Payment.objects.get(booking=booking).status == Payment.Status.FAILED


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "stale timestamp", "no signature"],
)
def test_a_bad_signature_gets_400_and_changes_nothing(
    client, journey, fake_stripe, tamper
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    payload = session_event("checkout.session.completed", session)

    if tamper == "wrong secret":
        response = deliver(client, payload, secret="whsec_someone_else")
    elif tamper == "stale timestamp":
        response = deliver(client, payload, timestamp=int(time.time()) - 3600)
    else:
        body = json.dumps(payload)
        signature = "" if tamper == "no signature" else _signature_of(body)
        forged = body.replace('"amount_total": 8000', '"amount_total": 1')
        response = client.post(
            "/stripe/webhook/",
            data=forged if tamper == "changed body" else body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )

    assert response.status_code == 400
    assert Booking.objects.get(pk=booking.pk).status == S.PAYMENT_PENDING
    assert not ProcessedStripeEvent.objects.exists()


def _signature_of(body: str) -> str:
    import stripe

    return stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)


def test_webhook_refuses_get(client, fake_stripe):
    assert client.get("/stripe/webhook/").status_code == 405


def test_a_payment_for_a_cancelled_booking_is_refunded_and_flagged(
    client, journey, fake_stripe, django_capture_on_commit_callbacks
):
    booking, token, session = journey
    fake_stripe.pay(session["id"])  # paid on Stripe's page ...
    with django_capture_on_commit_callbacks(execute=True):  # ... as they cancel
        client.post(
            reverse("booking:manage_cancel", args=[token]), {"reason": "Changed mind"}
        )
    assert Booking.objects.get(pk=booking.pk).status == S.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, session_event("checkout.session.completed", session))

    assert response.status_code == 200
    booking.refresh_from_db()
    payment = booking.payments.get()
    assert booking.status == S.CANCELLED
    assert payment.status == Payment.Status.PAID
    assert payment.needs_attention
    assert "cancelled" in payment.note
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == Decimal("80.00")
    assert refund.status == Refund.Status.SUCCEEDED
    (params,) = fake_stripe.posts("/v1/refunds")
    assert params["amount"] == "8000"
    assert params["payment_intent"] == session["payment_intent"]
    assert Payment.objects.get(pk=payment.pk).refunded_amount == Decimal("80.00")
    assert ModelLogEntry.objects.filter(
        object_id=str(booking.pk), action="booking.payment_refunded"
    ).exists()


def test_cancelling_with_an_open_session_expires_it(
    client, journey, fake_stripe, django_capture_on_commit_callbacks
):
    booking, token, session = journey

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:manage_cancel", args=[token]), {"reason": "No"})

    assert fake_stripe.sessions[session["id"]]["status"] == "expired"
    deliver(client, session_event("checkout.session.expired", session))
    assert Booking.objects.get(pk=booking.pk).status == S.CANCELLED


def test_charge_refunded_records_the_refunded_amount(client, journey, fake_stripe):
    booking, token, session = journey
    fake_stripe.pay(session["id"])
    deliver(client, session_event("checkout.session.completed", session))

    deliver(
        client,
        event(
            "charge.refunded",
            payment_intent=session["payment_intent"],
            amount_refunded=3000,
        ),
    )

    assert Payment.objects.get(booking=booking).refunded_amount == Decimal("30.00")


def test_an_unknown_event_is_acknowledged(client, fake_stripe):
    payload = event("charge.refunded", payment_intent="pi_unknown")
    payload["type"] = "customer.created"

    assert deliver(client, payload).status_code == 200


def test_stripe_failure_leaves_the_booking_approved(client, fake_stripe, booking_admin):
    booking, token = approved_booking(booking_admin)
    fake_stripe.failures = 1

    response = client.post(reverse("booking:pay", args=[token]))

    assert response.status_code == 409
    assert b"Online payment is not available" in response.content
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED
    assert not Payment.objects.exists()


def test_fulfilment_is_safe_to_run_twice(journey, fake_stripe):
    booking, token, session = journey
    paid = fake_stripe.pay(session["id"])

    events.fulfil_checkout(paid)
    events.fulfil_checkout(paid)

    assert confirmations(booking) == 1


@pytest.mark.django_db(transaction=True)
def test_webhook_and_redirect_racing_in_threads_confirm_once(
    fake_stripe, booking_admin
):
    """Real threads and connections: the booking row lock (PostgreSQL) or the
    IMMEDIATE transaction (SQLite) lets exactly one of them confirm."""
    booking, token = approved_booking(booking_admin)
    paying.start_payment(booking=booking, manage_token=token)
    payment = Payment.objects.get(booking=booking)
    session = fake_stripe.pay(payment.stripe_checkout_session_id)
    deliveries = [session_event("checkout.session.completed", session)] * 3

    outcomes = all_at_once(
        lambda run: run(),
        [lambda event=e: events.handle_event(event) for e in deliveries]
        + [lambda: events.confirm_from_redirect(booking, session["id"])] * 3,
    )

    assert outcomes == ["ok"] * 6
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert booking.amount_paid == Decimal("80.00")
    assert confirmations(booking) == 1
    assert ProcessedStripeEvent.objects.count() == 1


def test_a_second_press_that_lost_the_race_uses_the_first_session(
    client, journey, fake_stripe
):
    booking, token, session = journey
    stale = Booking.objects.get(pk=booking.pk)
    stale.__dict__["status"] = S.APPROVED  # as read before the first press won

    assert events.checkout_url(booking=stale, token=token) == session["url"]
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1
