"""The figures about people's time and returns: consultants' utilisation (two
queries: booked hours per consultant, then their open hours from the slot
engine's one query) and new versus returning clients (one query, with a window
function over each client's history)."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    Q,
    Sum,
    Window,
)
from django.db.models.functions import Lower, TruncMonth

from booking.core.models import Consultant
from booking.core.states import BookingStatus as S
from booking.reports.filters import Selection
from booking.reports.tables import Chart, Table, month_text, percent
from booking.scheduling.slots import open_hours

# Sessions that took a consultant's time, or firmly will.
BOOKED = (S.CONFIRMED, S.COMPLETED, S.NO_SHOW)


def _hours(duration: timedelta | None) -> Decimal:
    seconds = duration.total_seconds() if duration else 0
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


def utilisation(selection: Selection) -> Table:
    """Booked hours (confirmed, completed and no-show sessions; of the chosen
    service only, when one is chosen) over open hours (working hours minus time
    off, from the slot engine's `open_hours`), per consultant."""
    consultants = Consultant.objects.order_by("name", "pk")
    if selection.consultant:
        consultants = consultants.filter(pk=selection.consultant.pk)
    booked = Q(
        bookings__status__in=BOOKED,
        bookings__start__gte=selection.start,
        bookings__start__lt=selection.end,
    )
    if selection.service:
        booked &= Q(bookings__service=selection.service)
    # The range and states go into the join's ON clause, so that the database
    # joins only the booked sessions instead of filtering every joined row.
    consultants = list(
        consultants.annotate(
            held=FilteredRelation("bookings", condition=booked)
        ).annotate(
            booked=Sum(
                ExpressionWrapper(
                    F("held__end") - F("held__start"), output_field=DurationField()
                )
            )
        )
    )
    spans = open_hours(
        consultants=consultants, start=selection.start, end=selection.end
    )
    rows = []
    for consultant in consultants:
        available = sum(
            (span.end - span.start for span in spans[consultant.pk]), timedelta()
        )
        booked_hours, open_hours_ = _hours(consultant.booked), _hours(available)
        if not (booked_hours or open_hours_):
            continue
        rows.append(
            [
                consultant.name,
                booked_hours,
                open_hours_,
                percent(booked_hours, open_hours_),
            ]
        )
    return Table(
        slug="utilisation",
        title="Consultant utilisation",
        description="Booked hours as a share of each consultant's open hours "
        "(working hours minus time off) in the range.",
        headers=["Consultant", "Booked hours", "Open hours", "Utilisation %"],
        rows=rows,
        charts=[
            Chart(
                title="Utilisation",
                labels=[row[0] for row in rows],
                series=[("Utilisation %", [row[3] for row in rows])],
                kind="horizontal",
                unit="%",
            )
        ],
    )


CLIENTS_SQL = """
SELECT t.month, COUNT(DISTINCT CASE WHEN t.first_start >= t.month THEN t.email END),
       COUNT(DISTINCT CASE WHEN t.first_start < t.month THEN t.email END)
FROM ({inner}) t
WHERE t.start >= %s AND t.start < %s
GROUP BY t.month ORDER BY t.month
"""


def clients(selection: Selection) -> Table:
    """Per month: clients (by email, ignoring case) with a verified booking whose
    first such booking in the selection was that month (new), or earlier
    (returning). A window function finds each client's first booking, so the
    whole history is read once, in the database."""
    email = Lower("client_email")
    inner = (
        selection.bookings()
        # Bookings after the range cannot be anyone's first within it.
        .filter(verified_at__isnull=False, start__lt=selection.end)
        .exclude(status=S.REJECTED)
        .annotate(
            email=email,
            month=TruncMonth("start"),
            first_start=Window(Min("start"), partition_by=[email]),
        )
        .values("email", "month", "first_start", "start")
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    bounds = [
        connection.ops.adapt_datetimefield_value(moment)
        for moment in (selection.start, selection.end)
    ]
    with connection.cursor() as cursor:
        cursor.execute(CLIENTS_SQL.format(inner=sql), [*params, *bounds])
        found = cursor.fetchall()
    rows = [[month_text(month), new, returning] for month, new, returning in found]
    return Table(
        slug="clients",
        title="New and returning clients",
        description="Clients with a session each month: first time, or back "
        "after an earlier session.",
        headers=["Month", "New clients", "Returning clients"],
        rows=rows,
        charts=[
            Chart(
                title="New and returning clients",
                labels=[row[0] for row in rows],
                series=[
                    ("New", [row[1] for row in rows]),
                    ("Returning", [row[2] for row in rows]),
                ],
                kind="stacked",
            )
        ],
    )
