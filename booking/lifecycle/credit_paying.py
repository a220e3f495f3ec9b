"""Paying for a booking with money credit (issue 22), at the payment step.

Credit that covers what is due confirms the booking at once (`pay_with_credit`).
Credit that does not is used for its part and the rest is paid by Stripe
Checkout: the booking moves to PAYMENT_PENDING with two payments, the credit one
(pending) and the card one; when Stripe reports the card paid, both count and
the booking is confirmed (`paying.confirm_payment` settles the credit); when the
Checkout expires or fails, or the booking is cancelled first, the credit goes
back, once (`credits.release_pending`). Never confirmed without recorded
payments that add up to the price."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from booking.core.errors import InvalidBookingData
from booking.core.models import Booking
from booking.lifecycle.steps import check, locked, transition
from booking.notifications import outbox
from booking.payments import checkout, earnings, provider, refunds
from booking.payments.models import Payment
from booking.products import credits
from booking.products.ledger import lock_client


def credit_payment(booking: Booking, amount, *, status) -> Payment:
    return Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.CREDIT,
        status=status,
        attempt=checkout.next_attempt(booking),
        amount=amount,
        paid_amount=amount if status == Payment.Status.PAID else 0,
        currency=booking.currency,
        method="Credit balance",
        paid_at=timezone.now() if status == Payment.Status.PAID else None,
    )


@transaction.atomic
def pay_with_credit(*, booking: Booking, manage_token: str = "", account=None):
    """Use the client's credit in the booking's currency; what it does not cover
    goes to a Checkout Session. Returns the card payment, or None when the credit
    paid it all (the booking is then confirmed)."""
    booking = locked(booking)
    check(booking, "start_payment", actor=None)
    lock_client(booking.client_email)
    due = booking.amount - booking.amount_paid
    available = credits.balance(booking.client_email, booking.currency)
    if available <= 0:
        raise credits.NoCreditLeft(
            f"You have no credit in {booking.currency}. Please pay by card."
        )
    if available >= due:
        payment = credit_payment(booking, due, status=Payment.Status.PAID)
        credits.use(payment, due)
        booking.amount_paid += due
        check(booking, "pay_with_credit", actor=None)
        transition(
            booking,
            "pay_with_credit",
            actor=None,
            fields=["confirmed_at", "amount_paid"],
            data={"amount": str(due), "credit": str(due)},
        )
        earnings.record_earning(booking)
        outbox.queue(booking, "confirmed")
        return None
    if not provider.stripe_enabled():
        raise InvalidBookingData(
            "Your credit covers part of this session; the rest is paid online, "
            "which the practice does not offer. Please contact the practice."
        )
    transition(booking, "start_payment", actor=None, fields=["payment_started_at"])
    part = credit_payment(booking, available, status=Payment.Status.PENDING)
    credits.use(part, available)
    rest = due - available
    return checkout.create_checkout(
        booking,
        manage_token=manage_token,
        account=account,
        amount=rest,
        method=f"Card, the rest after {available} {booking.currency} of credit",
    )


def credit_back_quote(booking: Booking, *, by_client: bool = True) -> Decimal | None:
    """What cancelling now would give back to the client's credit (told before
    they confirm, by the page and the API alike): what `return_credit` returns,
    so only to grants that have not expired. None when no credit paid."""
    now = timezone.now()
    paying_credit = booking.payments.filter(
        provider=Payment.Provider.CREDIT,
        status__in=(Payment.Status.PAID, Payment.Status.PENDING),
    )
    if not paying_credit.exists():
        return None
    total = Decimal("0.00")
    for payment in paying_credit:
        if payment.status == Payment.Status.PENDING:
            amount = payment.amount  # not settled: all of it goes back
        else:
            left = payment.paid_amount - payment.refunded_amount
            amount = min(refunds.refund_due(booking, left, by_client=by_client), left)
        live = payment.money_lines.filter(
            kind=credits.Kind.USE, grant__expires_at__gt=now
        ).aggregate(total=Sum("amount"))["total"]
        total += max(min(amount, -credits.money(live)), Decimal("0.00"))
    return total


def return_credit(booking: Booking, *, by_client: bool) -> None:
    """Inside `services.cancel`: credit not yet settled goes back whole; credit
    that paid goes back by the cancellation policy (what a card payment would
    refund), as a refund row of its payment (which takes back the consultant's
    earning) and return lines."""
    credits.release_pending(booking)
    for payment in booking.payments.filter(
        provider=Payment.Provider.CREDIT, status=Payment.Status.PAID
    ):
        left = payment.paid_amount - payment.refunded_amount
        amount = min(refunds.refund_due(booking, left, by_client=by_client), left)
        if amount <= 0 or payment.refunds.filter(key=f"cancel:{payment.pk}").exists():
            continue
        refund = refunds.request_refund(
            payment, amount, reason="Credit returned", key=f"cancel:{payment.pk}"
        )
        payment.refunded_amount += refund.amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
        credits.give_back(
            payment,
            refund.amount,
            reason=f"Booking {booking.reference} cancelled",
            occasion="cancel",
        )
