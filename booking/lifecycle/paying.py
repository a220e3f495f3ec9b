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
from booking.lifecycle import credit_paying
from booking.lifecycle.steps import (
    check,
    locked,
    transition,
)
from booking.notifications import outbox
from booking.payments import checkout, earnings, provider, refunds
from booking.payments.models import Payment
from booking.products import credits, ledger


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
    credits.release_pending(booking)
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
    # Credit used beside the card (`credit_paying`) counts once the card is paid.
    booking.amount_paid += amount + credits.settle_pending(booking)
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


@transaction.atomic
def pay_with_package(*, booking: Booking) -> Booking:
    """The client pays with a session of a package they hold (the manage link
    proves the address). The session's ledger line, a paid `Payment` of the
    package provider (what it covered, and the share of the package price the
    consultant earns) and the confirmation are one transaction: never confirmed
    without a recorded payment, never a session used without a booking."""
    booking = locked(booking)
    check(booking, "pay_with_package", actor=None, conditions=False)
    entitlement = ledger.use_session(booking)
    due = booking.amount - booking.amount_paid
    checkout.record_package(
        booking,
        amount=due,
        share=entitlement.session_share,
        method=f"Package session: {entitlement.package}"[:60],
        reference=f"Entitlement {entitlement.pk}",
    )
    booking.amount_paid += due
    check(booking, "pay_with_package", actor=None)
    transition(
        booking,
        "pay_with_package",
        actor=None,
        fields=["confirmed_at", "amount_paid"],
        data={"amount": str(due), "entitlement": entitlement.pk},
    )
    earnings.record_earning(booking)
    checkout.close_open_checkouts(booking)
    outbox.queue(booking, "confirmed")
    return booking


def after_cancel(booking: Booking, *, by_client: bool) -> None:
    """Inside `services.cancel`: money back by the policy (`refunds.after_cancel`),
    package sessions back (`return_package_session`) and credit back
    (`credit_paying.return_credit`)."""
    refunds.after_cancel(booking, by_client=by_client)
    return_package_session(booking, by_client=by_client)
    credit_paying.return_credit(booking, by_client=by_client)


def package_session_back(booking: Booking) -> bool | None:
    """For the booking's page: whether the client cancelling now gets the
    package session back; None when no package session paid for it."""
    paid = booking.payments.filter(
        provider=Payment.Provider.PACKAGE, status=Payment.Status.PAID
    ).first()
    if paid is None:
        return None
    return refunds.refund_due(booking, paid.paid_amount, by_client=True) >= (
        paid.paid_amount
    )


def return_package_session(booking: Booking, *, by_client: bool) -> None:
    """A session paid from a package goes back to it
    when the policy would refund it in full (the practice cancels, or the client
    cancels early enough); a late cancellation keeps it used. The return is a
    ledger line and a refund row of the package payment, which takes back the
    consultant's earning."""
    for payment in booking.payments.filter(
        provider=Payment.Provider.PACKAGE, status=Payment.Status.PAID
    ):
        left = payment.paid_amount - payment.refunded_amount
        if left <= 0 or refunds.refund_due(booking, left, by_client=by_client) < left:
            continue
        refunds.request_refund(
            payment,
            left,
            reason="Session returned to the package",
            key=f"cancel:{payment.pk}",
        )
        payment.refunded_amount = payment.paid_amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
        ledger.return_session(booking, reason=f"Booking {booking.reference} cancelled")
