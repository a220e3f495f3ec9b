"""Starting to pay and recording what was paid (DESIGN §5).

With Stripe configured, a client pays through a Checkout Session made when they
start paying (`create_checkout`, called by `booking.lifecycle.services.start_payment`
with the booking locked). Money received without Checkout is recorded here too."""

import logging
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from booking.core.models import Booking
from booking.core.redaction import redact
from booking.payments import customers
from booking.payments.models import (
    Payment,
)
from booking.payments.provider import PaymentUnavailable, client, to_minor

logger = logging.getLogger(__name__)
Provider = Payment.Provider


def open_checkout(booking: Booking) -> Payment | None:
    """The booking's Checkout Session the client can still use, if any."""
    return (
        booking.payments.filter(
            provider=Provider.STRIPE,
            status=Payment.Status.PENDING,
            expires_at__gt=timezone.now() + timedelta(minutes=2),
        )
        .exclude(checkout_url="")
        .order_by("-attempt")
        .first()
    )


def create_checkout(
    booking: Booking,
    *,
    manage_token: str = "",
    account=None,
    amount: Decimal | None = None,
    method: str = "",
) -> Payment:
    """A Checkout Session for what is still due, recorded as a pending payment.
    `account`, the signed-in client's own account, names their Stripe Customer
    (`customers.customer_for`) so Stripe offers their saved card.
    Runs inside `start_payment`'s transaction with the booking locked: if Stripe
    fails, nothing changes. The idempotency key names the booking and attempt, so
    a retried request cannot make a second session for one attempt. `amount`
    (default: all that is due) and `method` are for a card payment beside
    credit (`booking.lifecycle.credit_paying`)."""
    attempt = next_attempt(booking)
    expires_at = timezone.now() + timedelta(
        minutes=settings.STRIPE_CHECKOUT_EXPIRY_MINUTES
    )
    payment = Payment.objects.create(
        booking=booking,
        provider=Provider.STRIPE,
        attempt=attempt,
        amount=amount if amount is not None else booking.amount - booking.amount_paid,
        currency=booking.currency,
        expires_at=expires_at,
        method=method,
    )
    metadata = {"booking": booking.reference, "payment": str(payment.pk)}
    # Stripe takes either a Customer or an address to prefill, not both.
    who = (
        {"customer": customers.customer_for(account)}
        if account is not None
        else {"customer_email": booking.client_email}
    )
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": payment.currency.lower(),
                            "unit_amount": to_minor(payment.amount, payment.currency),
                            "product_data": {
                                "name": f"{booking.service} with {booking.consultant}",
                                "description": f"Booking {booking.reference}",
                            },
                        },
                    }
                ],
                **who,
                "client_reference_id": booking.reference,
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "expires_at": int(expires_at.timestamp()),
                "success_url": _return_url(booking, manage_token, "booking:pay_return")
                + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": _return_url(booking, manage_token, "booking:pay_cancel"),
            },
            options={"idempotency_key": f"haven-checkout-{booking.pk}-{attempt}"},
        )
    except stripe.StripeError as exc:
        # Stripe may quote the customer_email it refused.
        logger.warning(
            "Stripe Checkout for %s failed: %s", booking.reference, redact(str(exc))
        )
        raise PaymentUnavailable(
            "Online payment is not available at the moment. Please try again in a "
            "few minutes, or contact the practice."
        ) from exc
    payment.stripe_checkout_session_id = session.id
    payment.checkout_url = session.url
    payment.save(update_fields=["stripe_checkout_session_id", "checkout_url"])
    return payment


def _return_url(booking: Booking, token: str, name: str) -> str:
    if not token:
        query = urlencode({"reference": booking.reference})
        return f"{settings.SITE_URL}{reverse('booking:status')}?{query}"
    return settings.SITE_URL + reverse(name, args=[token])


def next_attempt(booking: Booking) -> int:
    last = booking.payments.order_by("-attempt").first()
    return last.attempt + 1 if last else 1


def record_provider_payment(booking: Booking, amount: Decimal) -> Payment:
    """The row for a provider's report that reached `services.confirm_payment`
    without a Checkout Session of ours (e.g. a payment entered in Stripe)."""
    return Payment.objects.create(
        booking=booking,
        provider=Provider.STRIPE,
        status=Payment.Status.PAID,
        attempt=next_attempt(booking),
        amount=amount,
        paid_amount=amount,
        currency=booking.currency,
        paid_at=timezone.now(),
    )


def record_offline(
    booking: Booking, *, actor, amount: Decimal, method: str, reference: str
) -> Payment:
    """The row behind `services.record_offline_payment` (inside its transaction)."""
    return Payment.objects.create(
        booking=booking,
        provider=Provider.OFFLINE,
        status=Payment.Status.PAID,
        attempt=next_attempt(booking),
        amount=amount,
        paid_amount=amount,
        currency=booking.currency,
        method=method.strip(),
        reference=reference.strip(),
        recorded_by=actor,
        paid_at=timezone.now(),
    )


def record_package(
    booking: Booking, *, amount: Decimal, share: Decimal, method: str, reference: str
) -> Payment:
    """The row behind `paying.pay_with_package`: `amount` of the booking covered
    by a package session, worth `share` of the package's price."""
    return Payment.objects.create(
        booking=booking,
        provider=Provider.PACKAGE,
        status=Payment.Status.PAID,
        attempt=next_attempt(booking),
        amount=amount,
        paid_amount=share,
        currency=booking.currency,
        method=method,
        reference=reference,
        paid_at=timezone.now(),
    )


def close_open_checkouts(booking: Booking) -> None:
    """After commit, expire the booking's open Checkout Sessions, so nobody pays for
    a booking that is already paid or cancelled (a payment that still gets through
    is refunded in full)."""
    for payment in booking.payments.filter(
        provider=Provider.STRIPE, status=Payment.Status.PENDING
    ).exclude(stripe_checkout_session_id=None):
        transaction.on_commit(
            lambda pk=payment.pk: async_task(
                "booking.payments.checkout.expire_checkout", pk
            )
        )


def expire_checkout(payment_id: int) -> str:
    """The django-q2 job closing a cancelled booking's open Checkout Session."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING:
        return "nothing to expire"
    try:
        client().v1.checkout.sessions.expire(payment.stripe_checkout_session_id)
    except stripe.StripeError as exc:
        # Already completed or expired: the webhook says which.
        return f"not expired: {exc}"
    return "expired"
