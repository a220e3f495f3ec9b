"""The figures of the Reports section, each one SQL aggregate over the bookings
(or payments and refunds) of a `Selection`: the database counts and sums, Python
only shapes the few result rows into a `Table`. The number of queries never
depends on the number of bookings (tests/booking/reports check it): one per
figure, two for utilisation (booked hours per consultant, then their open hours
from the slot engine's one query).

Which moment puts a row in the range: a booking's session start (funnel,
cancellations, utilisation, clients, lead time), a payment's `paid_at`, a
refund's `created_at` (when it was decided)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth

from booking.core.states import BookingStatus as S
from booking.payments.models import Payment, Refund
from booking.reports import people
from booking.reports.filters import Selection
from booking.reports.tables import Chart, Table, in_range, month_text, percent

ZERO = Value(
    Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2)
)
LEAD_BUCKETS = (
    ("Under 1 day", timedelta(0), timedelta(days=1)),
    ("1–7 days", timedelta(days=1), timedelta(days=7)),
    ("1–2 weeks", timedelta(days=7), timedelta(days=14)),
    ("2–4 weeks", timedelta(days=14), timedelta(days=28)),
    ("4 weeks or more", timedelta(days=28), None),
)


def funnel(selection: Selection) -> Table:
    """How far the bookings of the range got: requested, email verified,
    approved, paid (or confirmed free), completed; each step's drop-off."""
    counts = in_range(selection.bookings(), selection).aggregate(
        requested=Count("pk"),
        verified=Count("pk", filter=Q(verified_at__isnull=False)),
        approved=Count(
            "pk", filter=Q(approved_at__isnull=False) | Q(confirmed_at__isnull=False)
        ),
        paid=Count("pk", filter=Q(confirmed_at__isnull=False)),
        completed=Count("pk", filter=Q(status=S.COMPLETED)),
    )
    steps = [
        ("Requested (draft)", counts["requested"]),
        ("Email verified", counts["verified"]),
        ("Approved", counts["approved"]),
        ("Paid or confirmed", counts["paid"]),
        ("Completed", counts["completed"]),
    ]
    rows, before = [], None
    for label, count in steps:
        dropped = 0 if before is None else before - count
        rows.append(
            [
                label,
                count,
                dropped,
                percent(dropped, before),
                percent(count, counts["requested"]),
            ]
        )
        before = count
    return Table(
        slug="funnel",
        title="Booking funnel",
        description="How many of the range's bookings reached each step, and how "
        "many were lost between one step and the next.",
        headers=[
            "Step",
            "Bookings",
            "Lost since the step before",
            "Lost %",
            "% of requested",
        ],
        rows=rows,
        charts=[
            Chart(
                title="Bookings reaching each step",
                labels=[label for label, _ in steps],
                series=[("Bookings", [count for _, count in steps])],
                kind="horizontal",
            )
        ],
    )


def cancellations(selection: Selection) -> Table:
    """Per consultant: sessions in the range, how many were cancelled and how
    many clients did not come."""
    per_consultant = (
        in_range(selection.bookings(), selection)
        .exclude(status=S.DRAFT)
        .values("consultant_id", "consultant__name")
        .annotate(
            sessions=Count("pk"),
            cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
            no_show=Count("pk", filter=Q(status=S.NO_SHOW)),
        )
        .order_by("consultant__name", "consultant_id")
    )
    rows = [
        [
            row["consultant__name"],
            row["sessions"],
            row["cancelled"],
            percent(row["cancelled"], row["sessions"]),
            row["no_show"],
            percent(row["no_show"], row["sessions"]),
        ]
        for row in per_consultant
    ]
    return Table(
        slug="cancellations",
        title="Cancellations and no-shows by consultant",
        description="Bookings past the draft step in the range, per consultant: "
        "cancelled, and marked a no-show.",
        headers=[
            "Consultant",
            "Bookings",
            "Cancelled",
            "Cancelled %",
            "No-shows",
            "No-show %",
        ],
        rows=rows,
        charts=[
            Chart(
                title="Cancellations and no-shows",
                labels=[row[0] for row in rows],
                series=[
                    ("Cancelled", [row[2] for row in rows]),
                    ("No-shows", [row[4] for row in rows]),
                ],
                kind="horizontal",
            )
        ],
    )


def _money_scope(rows, selection: Selection):
    if selection.consultant:
        rows = rows.filter(booking__consultant=selection.consultant)
    if selection.service:
        rows = rows.filter(booking__service=selection.service)
    return rows


def revenue(selection: Selection) -> Table:
    """Money received (paid payments, by the month they were paid) and refunded
    (refunds not failed, by the month they were made), per currency: one UNION
    query; currencies are never added together."""
    paid = (
        _money_scope(Payment.objects.all(), selection)
        .filter(
            status=Payment.Status.PAID,
            paid_at__gte=selection.start,
            paid_at__lt=selection.end,
        )
        .annotate(month=TruncMonth("paid_at"))
        .values("month", "currency")
        .annotate(received=Sum("paid_amount"), refunded=ZERO)
        .order_by()
    )
    refunded = (
        _money_scope(Refund.objects.all(), selection)
        .exclude(status=Refund.Status.FAILED)
        .filter(created_at__gte=selection.start, created_at__lt=selection.end)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(received=ZERO, refunded=Sum("amount"))
        .order_by()
    )
    totals: dict[tuple, list[Decimal]] = {}
    for row in paid.union(refunded, all=True):
        key = (month_text(row["month"]), row["currency"])
        sums = totals.setdefault(key, [Decimal("0.00"), Decimal("0.00")])
        sums[0] += row["received"] or 0
        sums[1] += row["refunded"] or 0
    rows = [
        [month, currency, received, refunded, received - refunded]
        for (month, currency), (received, refunded) in sorted(
            totals.items(), key=lambda item: (item[0][1], item[0][0])
        )
    ]
    return Table(
        slug="revenue",
        title="Revenue and refunds by month",
        description="Payments received and refunds made each month, one chart "
        "per currency.",
        headers=["Month", "Currency", "Received", "Refunded", "Net"],
        rows=rows,
        charts=[
            Chart(
                title=f"Revenue and refunds in {currency}",
                labels=[row[0] for row in rows if row[1] == currency],
                series=[
                    ("Received", [row[2] for row in rows if row[1] == currency]),
                    ("Refunded", [row[3] for row in rows if row[1] == currency]),
                ],
                unit=currency,
            )
            for currency in sorted({row[1] for row in rows})
        ],
    )


def lead_time(selection: Selection) -> Table:
    """How long before the session clients asked for it: verified bookings in
    the range, counted in buckets of (session start − request time)."""
    lead = ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField())
    buckets = {}
    for number, (_, low, high) in enumerate(LEAD_BUCKETS):
        within = Q(lead__gte=low) if number else Q()
        if high is not None:
            within &= Q(lead__lt=high)
        buckets[f"b{number}"] = Count("pk", filter=within)
    counts = (
        in_range(selection.bookings(), selection)
        .filter(verified_at__isnull=False)
        .annotate(lead=lead)
        .aggregate(**buckets)
    )
    values = [counts[f"b{number}"] for number in range(len(LEAD_BUCKETS))]
    total = sum(values)
    rows = [
        [label, count, percent(count, total)]
        for (label, _, _), count in zip(LEAD_BUCKETS, values, strict=True)
    ]
    return Table(
        slug="lead-time",
        title="Lead time from request to session",
        description="How far ahead clients book: the time between asking for a "
        "session and its start.",
        headers=["Booked ahead", "Bookings", "%"],
        rows=rows,
        charts=[
            Chart(
                title="Lead time",
                labels=[row[0] for row in rows],
                series=[("Bookings", [row[1] for row in rows])],
            )
        ],
    )


REPORTS = {
    "funnel": funnel,
    "cancellations": cancellations,
    "revenue": revenue,
    "utilisation": people.utilisation,
    "clients": people.clients,
    "lead-time": lead_time,
}
