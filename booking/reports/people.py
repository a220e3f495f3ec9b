"""The figures about people's time and returns: consultants' utilisation (two
queries: booked hours per consultant, then their open hours from the slot
engine's one query, which expands recurrence rules in Python) and new versus
returning clients (one query: on PostgreSQL one ordered pass over a partial
index, elsewhere a window function over each client's history). The indexes
are migration 0039_report_indexes, PostgreSQL only."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone

from booking.core.models import Booking, Consultant
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
    booked = Booking.objects.filter(
        consultant=OuterRef("pk"),
        status__in=BOOKED,
        start__gte=selection.start,
        start__lt=selection.end,
    )
    if selection.service:
        booked = booked.filter(service=selection.service)
    # One sum per consultant, read in order from the partial index
    # booking_booked_hours (consultant, start) with the end beside it: the
    # database never joins or sorts the bookings themselves.
    hours = (
        booked.order_by()
        .values("consultant")
        .annotate(
            total=Sum(
                ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
            )
        )
        .values("total")
    )
    consultants = list(
        consultants.annotate(booked=Subquery(hours, output_field=DurationField()))
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

# PostgreSQL, at a million bookings: one ordered pass over the partial index
# booking_first_visits (lower(email) COLLATE "C", start), no sort and no window.
# Per client: the first booking and a bit per month of the range with a booking
# in it (month n of `bounds` is bit n; width_bucket finds it); then the clients
# are counted by (first month, months) pairs, which are few, and each pair adds
# itself to the months it has: new in its first month, returning after it.
CLIENTS_POSTGRES_SQL = """
WITH per_client AS (
    SELECT MIN(start) AS first_start,
           BIT_OR(CASE WHEN start >= %(start)s
                  THEN 1::bigint << width_bucket(start, %(bounds)s::timestamptz[])
                  ELSE 0 END) AS months
    FROM booking_booking
    WHERE verified_at IS NOT NULL AND status <> 'rejected' AND start < %(end)s
        {scope}
    GROUP BY lower(client_email) COLLATE "C"
), pairs AS (
    SELECT width_bucket(first_start, %(bounds)s::timestamptz[]) AS first_month,
           months, COUNT(*) AS clients
    FROM per_client WHERE months <> 0 GROUP BY 1, 2
)
SELECT n, SUM(clients) FILTER (WHERE first_month = n),
       SUM(clients) FILTER (WHERE first_month < n)
FROM pairs CROSS JOIN generate_series(1, %(count)s) AS n
WHERE months & (1::bigint << n) <> 0
GROUP BY n ORDER BY n
"""


def _month_starts(selection: Selection) -> list:
    """The aware starts of the months the range touches, in the practice's zone."""
    day, starts = selection.first_day.replace(day=1), []
    while day <= selection.last_day:
        starts.append(timezone.make_aware(datetime.combine(day, time())))
        day = (day + timedelta(days=32)).replace(day=1)
    return starts


def _clients_postgres(selection: Selection) -> list[tuple]:
    starts = _month_starts(selection)
    scope, params = "", {}
    if selection.consultant:
        scope += " AND consultant_id = %(consultant)s"
        params["consultant"] = selection.consultant.pk
    if selection.service:
        scope += " AND service_id = %(service)s"
        params["service"] = selection.service.pk
    params |= {
        "start": selection.start,
        "end": selection.end,
        "bounds": starts,
        "count": len(starts),
    }
    with connection.cursor() as cursor:
        cursor.execute(CLIENTS_POSTGRES_SQL.format(scope=scope), params)
        found = cursor.fetchall()
    return [(starts[n - 1], int(new or 0), int(back or 0)) for n, new, back in found]


def _clients_portable(selection: Selection) -> list[tuple]:
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
        return cursor.fetchall()


def clients(selection: Selection) -> Table:
    """Per month: clients (by email, ignoring case) with a verified booking whose
    first such booking in the selection was that month (new), or earlier
    (returning). One query: on PostgreSQL one pass over an index in email order,
    elsewhere a window function finds each client's first booking."""
    if connection.vendor == "postgresql":
        found = _clients_postgres(selection)
    else:
        found = _clients_portable(selection)
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
