"""Each chart of the Reports section (`booking.reports.figures`) at 1,000,000
bookings (100,000 on SQLite) over one year, with payments for the paid ones and
refunds for some cancelled ones, against replaying its SQL raw. DESIGN §11: one
aggregate query a chart (utilisation: two), under a second on PostgreSQL; the run
checks the query count and prints whether each chart stayed under the second.

The rows are made by set-based `INSERT … SELECT` statements in the database
(generate_series on PostgreSQL, a recursive CTE on SQLite): bookings spread over
50 consultants and three currencies, in every state, with request times up to 40
days before the session; 200,000 returning client addresses."""

import functools
import math
import sys
from datetime import date, timedelta

from django.db import connection
from django.db.models import DateTimeField
from django.utils import timezone

from booking.core.models import Booking, Consultant, Service
from booking.payments.models import Payment, Refund
from booking.reports import figures
from booking.reports.filters import Selection
from tests.availability_factories import weekly_hours
from tests.benchmarks.harness import Result, benchmark, recorded_queries, replay, timed

POSTGRES_ROWS = 1_000_000
SQLITE_ROWS = 100_000
CLIENTS = 200_000
CONSULTANTS = 50
DAYS = 365
# Ten states in turn: what each booking reached (n % 10).
STATUS = (
    "CASE n % 10 WHEN 0 THEN 'draft' WHEN 2 THEN 'cancelled' "
    # Pending bookings hold their slot: only the first lap of (consultant, hour)
    # pairs may be pending, or two would overlap.
    f"WHEN 1 THEN CASE WHEN n < {math.lcm(CONSULTANTS, DAYS * 24)} THEN 'pending' "
    "ELSE 'completed' END "
    "WHEN 3 THEN 'no_show' WHEN 4 THEN 'rejected' ELSE 'completed' END"
)
CURRENCY = "CASE n % 3 WHEN 0 THEN 'EUR' WHEN 1 THEN 'GBP' ELSE 'USD' END"


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _series(total_param: str = "%s") -> str:
    if _postgres():
        return f"generate_series(1, {total_param}) AS g(n)"
    return (
        "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
        f"WHERE n < {total_param}) SELECT n FROM s) AS g"
    )


def _moment(hours_ago: str) -> str:
    """SQL for now minus `hours_ago` (an SQL expression) hours."""
    if _postgres():
        return f"date_trunc('hour', now()) - interval '1 hour' * ({hours_ago})"
    return f"datetime('now', 'start of day', '-' || ({hours_ago}) || ' hours')"


def _plus_minutes(moment: str, minutes: int) -> str:
    if _postgres():
        return f"{moment} + interval '{minutes} min'"
    return f"datetime({moment}, '+{minutes} minutes')"


def _insert(model, generated: dict[str, str], source: str, params: list) -> None:
    """INSERT INTO model SELECT …: `generated` gives SQL for some columns (without
    parameters: its `%` are doubled here), every other column gets its model
    default (now for timestamps). `source` may hold parameters."""
    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in generated:
            values.append(generated[field.name].replace("%", "%%"))
        elif isinstance(field, DateTimeField) and (
            field.auto_now or field.auto_now_add
        ):
            values.append("%s")
            defaults.append(field.get_db_prep_save(timezone.now(), connection))
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])


@functools.cache
def year_of_bookings() -> None:
    service = Service.objects.create(title="Report session", slug="report-session")
    consultants = Consultant.objects.bulk_create(
        Consultant(name=f"Report {n}", email=f"report{n}@haven.test", time_zone="UTC")
        for n in range(CONSULTANTS)
    )
    for consultant in consultants:
        weekly_hours(consultant, weekdays=range(5), start="09:00", end="17:00")
    total = POSTGRES_ROWS if _postgres() else SQLITE_ROWS
    print(f"  inserting {total:,} bookings for the reports…", file=sys.stderr)
    start = _moment(f"n % {DAYS * 24}")
    steps = "n % 10 NOT IN (0, 4)"
    paid = "n % 10 IN (2, 3, 5, 6, 7, 8, 9)"
    first = consultants[0].pk
    _insert(
        Booking,
        {
            "reference": "'RB-' || n",
            "consultant": f"{first} + n % {CONSULTANTS}",
            "service": str(service.pk),
            "status": STATUS,
            "start": start,
            "end": _plus_minutes(start, 50),
            "slot_key": "'own:report' || n",
            "client_name": "'Report Client'",
            "client_email": f"'rc' || (n % {CLIENTS}) || '@ex.test'",
            "amount": "80",
            "currency": CURRENCY,
            "counts_toward_limit": "false" if _postgres() else "0",
            "created_at": _moment(f"n % {DAYS * 24} + (n % 40) * 24"),
            "verified_at": f"CASE WHEN n % 10 <> 0 THEN {start} END",
            "approved_at": f"CASE WHEN {steps} AND n % 10 <> 1 THEN {start} END",
            "confirmed_at": f"CASE WHEN {paid} THEN {start} END",
        },
        _series(),
        [total],
    )
    b = Booking._meta.db_table
    _insert(
        Payment,
        {
            "booking": "b.id",
            "provider": "'offline'",
            "status": "'paid'",
            "amount": "b.amount",
            "currency": "b.currency",
            "paid_amount": "b.amount",
            "paid_at": "b.confirmed_at",
        },
        f"{b} b WHERE b.reference LIKE 'RB-%%' AND b.confirmed_at IS NOT NULL",
        [],
    )
    _insert(
        Refund,
        {
            "key": "'bench-refund-' || p.id",
            "payment": "p.id",
            "booking": "p.booking_id",
            "amount": "p.paid_amount / 2",
            "currency": "p.currency",
            "status": "'succeeded'",
            "reason": "'Cancelled'",
            "created_at": "p.paid_at",
        },
        f"{Payment._meta.db_table} p JOIN {b} b ON b.id = p.booking_id "
        "WHERE b.status = 'cancelled'",
        [],
    )
    with connection.cursor() as cursor:
        # What autovacuum does to a table after a million inserts: statistics,
        # and the visibility map the reports' index-only scans rely on.
        cursor.execute("VACUUM ANALYZE" if _postgres() else "ANALYZE")


def _selection(consultant: Consultant | None = None) -> Selection:
    today = date.today()
    return Selection(
        first_day=today - timedelta(days=DAYS), last_day=today, consultant=consultant
    )


def _bench(slug: str, expected_queries: int):
    def run() -> Result:
        year_of_bookings()
        selection = _selection()

        def compute():
            return figures.REPORTS[slug](selection)

        queries = recorded_queries(compute)
        assert len(queries) == expected_queries, (slug, len(queries))
        rows = compute().rows
        result = Result(
            figure=timed(compute, rounds=5, warmup=1),
            baseline=timed(replay(queries), rounds=5, warmup=1),
            queries=len(queries),
        )
        verdict = "under 1 s" if result.figure.p50 < 1 else "OVER 1 s"
        print(
            f"  {slug}: {len(rows)} rows, p50 {result.figure.p50 * 1000:.0f} ms "
            f"({verdict})",
            file=sys.stderr,
        )
        return result

    return run


for _slug, _queries in (
    ("funnel", 1),
    ("cancellations", 1),
    ("revenue", 1),
    ("utilisation", 2),
    ("clients", 1),
    ("lead-time", 1),
):
    benchmark(f"report {_slug}, 1,000,000 bookings (100,000 on SQLite)")(
        _bench(_slug, _queries)
    )
