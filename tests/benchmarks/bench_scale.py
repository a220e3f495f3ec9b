"""The admin's bookings list and the reminder sweep at a million bookings (DESIGN
§11), each compared with replaying the raw SQL it runs. The rows are made by one
set-based INSERT in the database (generate_series on PostgreSQL, a recursive CTE
on SQLite), not by the ORM one row at a time. On SQLite the table gets 100,000:
a million is PostgreSQL's figure.

Both must not depend on the table's size: the list runs the same queries and
counts at most 10,001 rows; the sweep reads the reminder window through the
(status, start) index, which the run checks with EXPLAIN."""

import functools
import sys
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import DateTimeField
from django.test import Client, override_settings
from django.utils import timezone

from booking.core.models import Booking, Consultant, Service
from booking.core.states import BookingStatus
from booking.notifications import reminders
from booking.notifications.models import OutboxEmail
from tests.benchmarks.harness import Result, benchmark, recorded_queries, replay, timed

POSTGRES_ROWS = 1_000_000
SQLITE_ROWS = 100_000
CONSULTANTS = 50
DUE_SESSIONS = 100  # confirmed sessions inside the 24-hour reminder window

# SQL (PostgreSQL, SQLite) for the columns that differ between rows; every other
# column gets its model default. `%` is doubled: the statement has parameters.
GENERATED = {
    "reference": ("'SC-' || lpad(n::text, 9, '0')", "'SC-' || printf('%%09d', n)"),
    "client_name": ("'Scale Client ' || n", "'Scale Client ' || n"),
    "client_email": ("'scale' || n || '@ex.test'", "'scale' || n || '@ex.test'"),
    "slot_key": ("'own:scale' || n", "'own:scale' || n"),
    "start": (
        "date_trunc('hour', now()) - interval '1 hour' * (n + 48)",
        "datetime('now', 'start of day', '-' || (n + 48) || ' hours')",
    ),
    "end": (
        "date_trunc('hour', now()) - interval '1 hour' * (n + 48) + interval '50 min'",
        "datetime('now', 'start of day', '-' || (n + 48) || ' hours', '+50 minutes')",
    ),
}


def rows_for_this_database() -> int:
    return POSTGRES_ROWS if connection.vendor == "postgresql" else SQLITE_ROWS


@functools.cache
def million() -> tuple[Service, list[Consultant]]:
    service = Service.objects.create(title="Scale session", slug="scale-session")
    consultants = Consultant.objects.bulk_create(
        Consultant(name=f"Scale {n}", email=f"scale{n}@haven.test")
        for n in range(CONSULTANTS)
    )
    service.consultants.set(consultants)
    total = rows_for_this_database() - Booking.objects.count()
    print(f"  inserting {total:,} bookings…", file=sys.stderr, flush=True)
    _insert_history(total, service, consultants)
    _confirm_sessions_due_tomorrow(service, consultants)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return service, consultants


def _insert_history(total: int, service: Service, consultants: list) -> None:
    """Completed sessions in the past, spread over the consultants, in one
    statement."""
    postgres = connection.vendor == "postgresql"
    columns, values, params = [], [], []
    first, count = consultants[0].pk, len(consultants)
    for field in Booking._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in GENERATED:
            values.append(GENERATED[field.name][0 if postgres else 1])
        elif field.name == "consultant":
            values.append(f"{first} + n - (n / {count}) * {count}")
        elif isinstance(field, DateTimeField) and (
            field.auto_now_add or field.auto_now
        ):
            values.append("%s")
            params.append(field.get_db_prep_save(timezone.now(), connection))
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(_value(field, service), connection))
    series = (
        "generate_series(1, %s) AS g(n)"
        if postgres
        else "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
        "WHERE n < %s) SELECT n FROM s) AS g"
    )
    sql = (
        f"INSERT INTO {Booking._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {series}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, total])


def _value(field, service):
    if field.name == "service":
        return service.pk
    if field.name == "status":
        return BookingStatus.COMPLETED
    if field.name == "amount":
        return service.price
    return field.get_default()


def _confirm_sessions_due_tomorrow(service, consultants) -> None:
    from tests.availability_factories import bulk_bookings

    soon = timezone.now().replace(minute=0, second=0, microsecond=0)
    for number in range(DUE_SESSIONS):
        consultant = consultants[number % len(consultants)]
        start = soon + timedelta(hours=20 - number // len(consultants))
        bulk_bookings(
            consultant=consultant,
            service=service,
            starts=[start],
            status=BookingStatus.CONFIRMED,
        )


def _compare(compute, *, rounds: int) -> Result:
    queries = recorded_queries(compute)
    return Result(
        figure=timed(compute, rounds=rounds),
        baseline=timed(replay(queries), rounds=rounds),
        queries=len(queries),
    )


# Tests and benchmarks run without `collectstatic`.
PLAIN_STATIC = {
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    },
    "WHITENOISE_USE_FINDERS": True,
}


@benchmark("admin bookings list, 1,000,000 bookings (100,000 on SQLite)")
def admin_list() -> Result:
    million()
    admin = get_user_model().objects.create_superuser("bench-admin", "", "x")
    client = Client()
    client.force_login(admin)

    def compute():
        response = client.get("/admin/bookings/")
        assert response.status_code == 200, response.status_code

    # The admin asks a superuser for a second factor outside DEBUG.
    with override_settings(**PLAIN_STATIC, ADMIN_REQUIRE_2FA=False):
        compute()  # the first visit writes the site's settings row
        queries = recorded_queries(compute)
        counts = [sql for sql, _ in queries if "COUNT(" in sql.upper()]
        assert all("LIMIT" in sql.upper() or "reltuples" in sql for sql in counts), (
            "the list counted the whole table"
        )
        return Result(
            figure=timed(compute, rounds=15),
            baseline=timed(replay(queries), rounds=15),
            queries=len(queries),
        )


@benchmark("reminder sweep, 1,000,000 bookings (100,000 on SQLite)")
def reminder_sweep() -> Result:
    service, _ = million()
    written = reminders.queue_due_reminders()
    assert written >= DUE_SESSIONS, f"only {written} reminders for {DUE_SESSIONS}"
    assert reminder_emails(service).count() == DUE_SESSIONS
    _report_plan()
    # Later sweeps find the same window and write nothing twice: that is the
    # steady state, every minute.
    result = _compare(reminders.queue_due_reminders, rounds=30)
    assert reminder_emails(service).count() == DUE_SESSIONS
    return result


def reminder_emails(service):
    """This benchmark's reminders: other benchmarks in the run book sessions too."""
    return OutboxEmail.objects.filter(
        kind=OutboxEmail.Kind.REMINDER_24H, booking__service=service
    )


def _report_plan() -> None:
    now = timezone.now()
    candidates = reminders._reminder_candidates(now, now + timedelta(days=1))
    plan = candidates.explain()
    scans = [line.strip() for line in plan.splitlines() if "INDEX" in line.upper()]
    print(f"  reminder candidates: {scans[:1] or 'NO INDEX'}", file=sys.stderr)
    assert scans, plan
