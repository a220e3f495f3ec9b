"""Refunds. Cancelling a paid booking refunds by policy (`after_cancel`); the Stripe
refund runs as a django-q2 job (`run_refund`) that is retried when Stripe fails."""

import logging
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from booking.core import practice
from booking.core.models import Booking
from booking.payments.checkout import close_open_checkouts
from booking.payments.earnings import reverse_earning
from booking.payments.models import (
    Payment,
    Refund,
)
from booking.payments.provider import client, get_field, to_minor

logger = logging.getLogger(__name__)
Provider = Payment.Provider


# Stripe refunds run as a job; a package session is given back at once (its
# ledger line is `booking.products`'); offline money is paid back by hand.
REFUND_STATUS = {
    Provider.STRIPE: Refund.Status.PENDING,
    Provider.PACKAGE: Refund.Status.SUCCEEDED,
    Provider.CREDIT: Refund.Status.SUCCEEDED,
}


def refund_due(
    booking: Booking, paid: Decimal, *, by_client: bool, now=None
) -> Decimal:
    """What a cancellation gives back: everything when the practice cancels or
    the client cancels early enough; otherwise the late percentage. The numbers
    are the practice's policy (`booking.core.practice`), the same the client reads."""
    now = now or timezone.now()
    terms = practice.policy()
    cutoff = booking.start - timedelta(hours=terms.full_refund_until_hours)
    if not by_client or now <= cutoff:
        return paid
    share = paid * Decimal(terms.late_refund_percent) / 100
    return share.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def after_cancel(booking: Booking, *, by_client: bool) -> None:
    """Inside `services.cancel`: refund paid payments by policy and close open
    Checkout Sessions (a payment that still gets through is refunded in full)."""
    for payment, amount in cancellation_refunds(booking, by_client=by_client):
        request_refund(
            payment, amount, reason="Booking cancelled", key=f"cancel:{payment.pk}"
        )
    close_open_checkouts(booking)


def refund_in_full(booking: Booking, *, reason: str, occasion: str) -> list[Refund]:
    """Pay back everything paid and not yet refunded, payment by payment (once per
    `occasion`, such as "no_show"); each refund reverses its share of the
    consultant's earning."""
    return [
        request_refund(
            payment,
            payment.paid_amount - payment.refunded_amount,
            reason=reason,
            key=f"{occasion}:{payment.pk}",
        )
        for payment in booking.payments.filter(status=Payment.Status.PAID)
        if payment.paid_amount > payment.refunded_amount
    ]


def cancellation_refunds(booking: Booking, *, by_client: bool):
    """What cancelling now refunds by policy, payment by payment: what
    `after_cancel` pays back, and what the API quotes before a client cancels."""
    refunds = []
    # A package session goes back to the package, and credit to the client's
    # credit, not as money (`booking.lifecycle.paying.after_cancel`).
    paid = booking.payments.filter(status=Payment.Status.PAID)
    for payment in paid.exclude(provider__in=[Provider.PACKAGE, Provider.CREDIT]):
        left = payment.paid_amount - payment.refunded_amount
        amount = min(refund_due(booking, left, by_client=by_client), left)
        if amount > 0:
            refunds.append((payment, amount))
    return refunds


def refund_quote(booking: Booking, *, by_client: bool = True) -> Decimal:
    """What cancelling now would refund in all: what the client is told before
    they confirm, by the pages and the API alike."""
    due = cancellation_refunds(booking, by_client=by_client)
    return sum((amount for _, amount in due), Decimal("0.00"))


def request_refund(payment: Payment, amount: Decimal, *, reason: str, key: str):
    """Write the refund (once per `key`) and, for Stripe, queue the job after
    commit. Offline payments are paid back by hand."""
    refund, created = Refund.objects.get_or_create(
        key=key,
        defaults={
            "payment": payment,
            "booking_id": payment.booking_id,
            "amount": amount,
            "currency": payment.currency,
            "reason": reason,
            "status": REFUND_STATUS.get(payment.provider, Refund.Status.MANUAL),
        },
    )
    # Money refunded because it should never have been taken (paid after a
    # cancellation, or a second payment) earned nothing, so it reverses nothing.
    if created and not key.startswith("unwanted:"):
        reverse_earning(refund)
    if created and refund.status == Refund.Status.PENDING:
        transaction.on_commit(
            lambda: async_task("booking.payments.refunds.run_refund", refund.pk)
        )
    return refund


def run_refund(refund_id: int) -> str:
    """The django-q2 job: ask Stripe for the refund. The idempotency key names the
    refund row, so a retry never refunds twice. On a Stripe error it records the
    attempt and schedules itself again with a growing delay; after
    REFUND_MAX_ATTEMPTS the refund is marked failed for a person to look at."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return f"refund {refund_id} is {refund.status}"
    payment = refund.payment
    try:
        result = client().v1.refunds.create(
            params={
                "payment_intent": payment.stripe_payment_intent_id,
                "amount": to_minor(refund.amount, refund.currency),
                "metadata": {
                    "booking": refund.booking.reference,
                    "refund": str(refund.pk),
                },
            },
            options={"idempotency_key": f"haven-refund-{refund.pk}"},
        )
    except stripe.StripeError as exc:
        return _refund_failed(refund, exc)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        refund.stripe_refund_id = result.id
        refund.attempts += 1
        if get_field(result, "status") in ("succeeded", "pending"):
            refund.status = Refund.Status.SUCCEEDED
            refund.refunded_at = timezone.now()
        refund.save()
        _update_refunded(payment)
    return f"refund {refund_id}: {refund.status}"


def _refund_failed(refund: Refund, exc: Exception) -> str:
    logger.warning("Refund %s failed: %s", refund.pk, exc)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.attempts += 1
        refund.last_error = str(exc)[:2000]
        if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
            refund.status = Refund.Status.FAILED
        refund.save()
        if refund.status == Refund.Status.PENDING:
            transaction.on_commit(
                lambda: schedule(
                    "booking.payments.refunds.run_refund",
                    refund.pk,
                    name=f"Refund {refund.pk}, try {refund.attempts + 1}",
                    schedule_type=Schedule.ONCE,
                    next_run=timezone.now() + timedelta(minutes=2**refund.attempts),
                )
            )
    return f"refund {refund.pk} failed (attempt {refund.attempts}): {exc}"


def _update_refunded(payment: Payment) -> None:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    done = payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    if done > payment.refunded_amount:
        payment.refunded_amount = done
        payment.save(update_fields=["refunded_amount", "updated_at"])


def retry_refunds() -> int:
    """Every 15 minutes: queue again Stripe refunds still pending after 10
    minutes (a lost job, a worker that died)."""
    stale = Refund.objects.filter(
        status=Refund.Status.PENDING,
        stripe_refund_id="",
        updated_at__lt=timezone.now() - timedelta(minutes=10),
    ).values_list("pk", flat=True)[:200]
    for pk in stale:
        async_task("booking.payments.refunds.run_refund", pk)
    return len(stale)
