"""What a signed-in client sees: their sessions, and their receipts with totals
per currency. A constant number of queries however many bookings there are."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING, BookingStatus
from booking.payments.models import Payment, Refund

ZERO = Decimal("0.00")


@dataclass
class Sessions:
    upcoming: list[Booking]
    past: list[Booking]
    receipts: list = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)


def bookings_of(email: str):
    """The bookings made with `email`, in any case; drafts never verified are not
    the client's sessions yet."""
    return (
        Booking.objects.filter(client_email__iexact=email)
        .exclude(status=BookingStatus.DRAFT)
        .select_related("consultant", "service")
    )


def sessions_of(email: str, *, now=None) -> Sessions:
    now = now or timezone.now()
    bookings = list(
        bookings_of(email)
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.filter(status=Payment.Status.PAID).order_by(
                    "paid_at", "pk"
                ),
            ),
            Prefetch(
                "refunds",
                queryset=Refund.objects.filter(status=Refund.Status.SUCCEEDED).order_by(
                    "refunded_at", "pk"
                ),
            ),
        )
        .order_by("start", "pk")
    )
    upcoming = [b for b in bookings if b.status in SLOT_HOLDING and b.end >= now]
    past = [b for b in reversed(bookings) if b not in upcoming]
    receipts = [
        *(receipt(p, "payment") for b in bookings for p in b.payments.all()),
        *(receipt(r, "refund") for b in bookings for r in b.refunds.all()),
    ]
    receipts.sort(key=lambda row: (row["date"] or now, row["kind"]))
    return Sessions(upcoming, past, receipts, totals_per_currency(receipts))


def receipt(row: Payment | Refund, kind: str) -> dict:
    """One line of money: a payment received or a refund paid back."""
    if kind == "payment":
        amount, date = row.paid_amount, row.paid_at
    else:
        amount, date = row.amount, row.refunded_at
    return {
        "kind": kind,
        "label": "Payment" if kind == "payment" else "Refund",
        "pk": row.pk,
        "row": row,
        "booking": row.booking,
        "amount": amount,
        "currency": row.currency,
        "date": date,
    }


def totals_per_currency(receipts) -> list[dict]:
    """Paid, refunded and net, per currency, never added across currencies."""
    paid, refunded = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for row in receipts:
        totals = paid if row["kind"] == "payment" else refunded
        totals[row["currency"]] += row["amount"]
    return [
        {
            "currency": currency,
            "paid": paid[currency],
            "refunded": refunded[currency],
            "net": paid[currency] - refunded[currency],
        }
        for currency in sorted({*paid, *refunded})
    ]


def receipt_of(email: str, *, kind: str, pk: int) -> Payment | Refund | None:
    """One paid payment or completed refund of the client's, or None."""
    if kind not in ("payment", "refund"):
        return None
    model, done = (
        (Payment, {"status": Payment.Status.PAID})
        if kind == "payment"
        else (Refund, {"status": Refund.Status.SUCCEEDED})
    )
    return (
        model.objects.select_related("booking__consultant", "booking__service")
        .filter(pk=pk, booking__client_email__iexact=email, **done)
        .first()
    )
