"""What Stripe's events and the Checkout redirect do to a booking.

The booking is confirmed by `fulfil_checkout`, run from the webhook and from the
success redirect alike: it locks the booking, then the payment row, and does
nothing if that payment is already marked paid, so it confirms once however often
and in whatever order it runs. This module sits above the booking lifecycle (it
calls its transitions); the rest of `booking.payments` sits below it."""

import logging

import stripe
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log as audit_log

from booking.core.errors import BookingError, InvalidTransition
from booking.core.models import Booking
from booking.core.states import BookingStatus
from booking.lifecycle import paying
from booking.payments.checkout import open_checkout
from booking.payments.connect import account_updated
from booking.payments.models import (
    Payment,
    ProcessedStripeEvent,
)
from booking.payments.provider import client, from_minor, get_field
from booking.payments.refunds import request_refund
from booking.products import billing, memberships, purchases

logger = logging.getLogger(__name__)
S = BookingStatus


def checkout_url(*, booking: Booking, token: str, account=None) -> str:
    """Where to send the client who pressed "Pay": the open Checkout Session, or
    a new one (moving the booking to PAYMENT_PENDING; `account`, the signed-in
    client's own, pays as their Stripe Customer)."""
    current = open_checkout(booking)
    if current is not None and booking.status == S.PAYMENT_PENDING:
        return current.checkout_url
    try:
        if booking.status == S.PAYMENT_PENDING:
            # The last session ran out before Stripe told us: start afresh.
            paying.payment_expired(booking=booking)
        paying.start_payment(booking=booking, manage_token=token, account=account)
    except InvalidTransition:
        # A second press that lost the race to the first uses its session.
        current = open_checkout(booking)
        if current is None:
            raise
    return open_checkout(booking).checkout_url


def confirm_from_redirect(booking: Booking, session_id: str) -> None:
    """The client is back from Checkout: ask Stripe about the session rather than
    wait for the webhook. A failure here is harmless; the webhook still comes."""
    payment = booking.payments.filter(stripe_checkout_session_id=session_id).first()
    if payment is None or payment.status != Payment.Status.PENDING:
        return
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        logger.info("Checkout session %s not read back: %s", session_id, exc)
        return
    fulfil_checkout(session)


def fulfil_checkout(session) -> Payment | None:
    """Record a paid Checkout Session and confirm its booking, once. A payment
    that arrives for a booking that can no longer be confirmed (cancelled
    meanwhile, or paid already) is refunded in full and flagged to admins."""
    if purchases.owns(session):
        purchases.fulfil(session)  # a package bought (booking.products)
        return None
    if memberships.owns(session):
        memberships.checkout_completed(session)  # a membership (Stripe Billing)
        return None
    if get_field(session, "payment_status") not in ("paid", "no_payment_required"):
        return None  # e.g. a bank debit still on its way: async_payment_* follows
    found = Payment.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if found is None:
        logger.warning("Checkout session %s matches no payment", session["id"])
        return None
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=found.booking_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status == Payment.Status.PAID:
            return payment
        payment.status = Payment.Status.PAID
        payment.paid_amount = from_minor(
            get_field(session, "amount_total", 0), payment.currency
        )
        payment.stripe_payment_intent_id = get_field(session, "payment_intent", "")
        payment.paid_at = timezone.now()
        payment.save()
        if booking.status == S.PAYMENT_PENDING:
            try:
                paying.confirm_payment(
                    booking=booking, amount=payment.paid_amount, payment=payment
                )
                return payment
            except BookingError as error:
                reason = error.message
        else:
            reason = f"the booking was {booking.status_label.lower()}"
        _refund_unwanted(payment, booking, reason)
    return payment


def _refund_unwanted(payment: Payment, booking: Booking, reason: str) -> None:
    payment.needs_attention = True
    payment.note = f"Paid after {reason}; refunded automatically."
    payment.save(update_fields=["needs_attention", "note", "updated_at"])
    logger.warning("Payment %s for %s: %s", payment.pk, booking.reference, payment.note)
    audit_log(
        instance=booking,
        action="booking.payment_refunded",
        data={"reason": payment.note, "amount": str(payment.paid_amount)},
    )
    request_refund(
        payment,
        payment.paid_amount,
        reason="Paid for a booking that could not be confirmed",
        key=f"unwanted:{payment.pk}",
    )


def checkout_ended(session, status: str) -> None:
    """A session expired or its delayed payment failed. A paid session is never
    undone; the booking goes back to APPROVED (so the client may pay again) only
    when this was its latest attempt."""
    if purchases.owns(session):
        purchases.ended(session)
        return
    if memberships.owns(session):
        memberships.checkout_expired(session)
        return
    found = Payment.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if found is None:
        return
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=found.booking_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status != Payment.Status.PENDING:
            return
        payment.status = status
        payment.save(update_fields=["status", "updated_at"])
        latest = booking.payments.order_by("-attempt").first()
        if booking.status == S.PAYMENT_PENDING and latest.pk == payment.pk:
            paying.payment_expired(booking=booking)


def charge_refunded(charge) -> None:
    """Stripe reports money refunded (by our job or from its dashboard)."""
    intent = get_field(charge, "payment_intent", "")
    payment = Payment.objects.filter(stripe_payment_intent_id=intent).first()
    if not intent or payment is None:
        return
    refunded = from_minor(get_field(charge, "amount_refunded", 0), payment.currency)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if refunded > payment.refunded_amount:
            payment.refunded_amount = refunded
            payment.save(update_fields=["refunded_amount", "updated_at"])


def handle_event(event) -> bool:
    """Handle a verified Stripe event once; False when it was seen before. The
    event's row and its effects commit together, so an event whose handler fails
    is handled again when Stripe redelivers it."""
    with transaction.atomic():
        _, created = ProcessedStripeEvent.objects.get_or_create(
            event_id=event["id"], defaults={"type": event["type"]}
        )
        if not created:
            return False
        handler = EVENT_HANDLERS.get(event["type"])
        if handler is not None:
            handler(event["data"]["object"])
    return True


EVENT_HANDLERS = {
    "checkout.session.completed": fulfil_checkout,
    "checkout.session.async_payment_succeeded": fulfil_checkout,
    "checkout.session.async_payment_failed": lambda session: checkout_ended(
        session, Payment.Status.FAILED
    ),
    "checkout.session.expired": lambda session: checkout_ended(
        session, Payment.Status.EXPIRED
    ),
    "charge.refunded": charge_refunded,
    "account.updated": account_updated,
    # Memberships (booking.products.billing): each acts once per invoice or state.
    "invoice.paid": billing.invoice_paid,
    "invoice.payment_failed": billing.invoice_payment_failed,
    "customer.subscription.updated": billing.subscription_updated,
    "customer.subscription.deleted": billing.subscription_ended,
}
