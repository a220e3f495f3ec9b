"""The transitions money makes: the client starts paying, a checkout runs out, the
provider reports the booking paid, a booking admin records money received
elsewhere, a session is marked a no-show (whose fee the practice keeps or
refunds). Like every booking service, each runs in one transaction with the
booking locked (`booking.lifecycle.steps`)."""

from decimal import Decimal

from django.db import transaction

from booking.core import practice
from booking.core.errors import (
    InvalidBookingData,
)
from booking.core.models import (
    Booking,
)
from booking.lifecycle.steps import (
    check,
    locked,
    transition,
)
from booking.notifications import outbox
from booking.payments import checkout, earnings, provider, refunds


@transaction.atomic
def start_payment(*, booking: Booking, manage_token: str = "", account=None) -> Booking:
    """The client chose to pay. With Stripe configured this makes the Checkout
    Session (`checkout.create_checkout`; its return URLs lead back to the manage
    link `manage_token`; `account`, the signed-in client's, names their Stripe
    Customer); a Stripe failure undoes the whole step."""
    booking = locked(booking)
    check(booking, "start_payment", actor=None)
    transition(booking, "start_payment", actor=None, fields=["payment_started_at"])
    if provider.stripe_enabled():
        checkout.create_checkout(booking, manage_token=manage_token, account=account)
    return booking


@transaction.atomic
def payment_expired(*, booking: Booking) -> Booking:
    """The Checkout Session expired or its payment failed: the client may pay
    again. `events.checkout_ended` never calls this for a paid booking."""
    booking = locked(booking)
    check(booking, "payment_expired", actor=None)
    transition(booking, "payment_expired", actor=None, fields=["payment_started_at"])
    return booking


@transaction.atomic
def confirm_payment(*, booking: Booking, amount: Decimal, payment=None) -> Booking:
    """The payment provider reports the booking paid. `payment` is the recorded
    `Payment` (without one, a row is written here: never confirmed without a
    recorded payment)."""
    booking = locked(booking)
    check(booking, "confirm", actor=None, conditions=False)
    if payment is None:
        checkout.record_provider_payment(booking, amount)
    booking.amount_paid += amount
    check(booking, "confirm", actor=None)
    transition(
        booking,
        "confirm",
        actor=None,
        fields=["confirmed_at", "amount_paid"],
        data={"amount": str(amount)},
    )
    earnings.record_earning(booking)
    outbox.queue(booking, "confirmed")
    return booking


@transaction.atomic
def record_offline_payment(
    *, booking: Booking, actor, amount: Decimal, method: str, reference: str = ""
) -> Booking:
    """A booking admin records money received outside Stripe (bank transfer, cash,
    card in the room): who, how much, how."""
    booking = locked(booking)
    check(booking, "record_offline_payment", actor=actor, conditions=False)
    if amount <= 0:
        raise InvalidBookingData("The amount received must be more than zero.")
    if not method.strip():
        raise InvalidBookingData("Say how the payment was made (e.g. bank transfer).")
    booking.amount_paid += amount
    check(booking, "record_offline_payment", actor=actor)
    checkout.record_offline(
        booking, actor=actor, amount=amount, method=method, reference=reference
    )
    transition(
        booking,
        "record_offline_payment",
        actor=actor,
        fields=["confirmed_at", "amount_paid"],
        data={"amount": str(amount), "method": method, "payment_reference": reference},
    )
    earnings.record_earning(booking)
    checkout.close_open_checkouts(booking)
    outbox.queue(booking, "confirmed")
    return booking


@transaction.atomic
def mark_no_show(*, booking: Booking, actor) -> Booking:
    """The client did not come to a confirmed session that has ended (a booking
    admin, or the session's own consultant, says so). The practice's no-show fee
    decides the money: "full" keeps the payment and the consultant earns it as
    for a completed session; "none" refunds every payment in full, which takes
    back the consultant's earning. The History records which rule applied."""
    booking = locked(booking)
    check(booking, "mark_no_show", actor=actor)
    terms = practice.policy()
    transition(
        booking,
        "mark_no_show",
        actor=actor,
        fields=["no_show_at"],
        data={"fee": terms.no_show_fee},
    )
    if terms.keeps_no_show_fee:
        earnings.record_earning(booking)
        earnings.release_earnings(booking)
    else:
        refunds.refund_in_full(
            booking, reason="No-show: refunded in full", occasion="no_show"
        )
    outbox.queue(booking, "no_show")
    return booking
