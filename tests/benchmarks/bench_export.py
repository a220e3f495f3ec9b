"""Booking exports (DESIGN §11): 100,000 bookings to CSV and to XLSX through the
admin's export code (chunked query, resource, neutralised cells), each compared
with writing the very same cells, prepared in memory beforehand, with the raw
`csv` module or openpyxl's write-only workbook: the baseline is the bare writer.
Time is measured without tracemalloc; peak memory (tracemalloc, which counts only
what the run allocates, not the prepared cells) in a separate run."""

import csv
import functools
import itertools
import os
import tempfile
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from openpyxl import Workbook

from booking.core.models import Booking, Consultant, Service
from booking.core.states import BookingStatus
from booking.spreadsheets import exports
from tests.benchmarks.harness import Result, benchmark, recorded_queries, timed

ROWS = 100_000
BATCH = 5_000
# DESIGN §11: XLSX within 2x of raw openpyxl write-only.
XLSX_BUDGET = 2.0
ZONES = ("Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo")
STATES = (BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED)


@functools.cache
def bookings():
    """100,000 bookings over 20 consultants, inserted in batches."""
    service = Service.objects.create(
        title="Counselling", slug="export-counselling", price=Decimal("85.00")
    )
    consultants = Consultant.objects.bulk_create(
        Consultant(name=f"Consultant {n}", email=f"c{n}@haven.test", time_zone=zone)
        for n, zone in zip(range(20), itertools.cycle(ZONES), strict=False)
    )
    start = datetime(2020, 1, 1, 8, tzinfo=UTC)
    rows = (_booking(n, consultants, service, start) for n in range(ROWS))
    while batch := list(itertools.islice(rows, BATCH)):
        Booking.objects.bulk_create(batch)
    # Only these: other benchmarks in the same run add bookings of their own.
    return Booking.objects.filter(service=service).order_by("-start")


def _booking(n, consultants, service, start) -> Booking:
    moment = start + timedelta(minutes=45 * n)
    name = "=HYPERLINK(1)" if n % 1000 == 0 else f"Client {n}"
    return Booking(
        reference=f"BX-{n:07d}",
        consultant=consultants[n % len(consultants)],
        service=service,
        status=STATES[n % len(STATES)],
        start=moment,
        end=moment + service.duration,
        slot_key=f"own:bench{n}",
        client_name=name,
        client_email=f"client{n}@example.test",
        client_phone="+44 20 7946 0000",
        client_time_zone="UTC",
        amount=service.price,
        currency="EUR",
        amount_paid=service.price,
    )


@functools.cache
def cells(native: bool) -> list[list]:
    """The exact cells the export writes, prepared before anything is timed: the
    baseline is the bare writer, with no database, ORM or resource work."""
    return list(exports.booking_rows(bookings(), native=native))


def export_csv(path):
    with open(path, "w", encoding="utf-8", newline="") as output:
        output.writelines(exports.csv_lines(bookings()))


def raw_csv(path):
    with open(path, "w", encoding="utf-8", newline="") as output:
        csv.writer(output).writerows(cells(native=False))


def export_xlsx(path):
    exports.write_xlsx(bookings(), path)


def raw_xlsx(path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Bookings")
    for row in cells(native=True):
        sheet.append(row)
    workbook.save(path)


def traced(action, path) -> tuple[int, int]:
    """Peak traced memory and queries of one run (tracing slows it down, so
    times come from another run)."""
    tracemalloc.start()
    try:
        queries = len(recorded_queries(lambda: action(path)))
        return tracemalloc.get_traced_memory()[1], queries
    finally:
        tracemalloc.stop()


def _compare(figure, baseline, suffix, *, native, budget=None) -> Result:
    bookings()
    cells(native=native)  # prepared before anything is measured
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"bookings.{suffix}")
        figure_memory, queries = traced(figure, path)
        baseline_memory, _ = traced(baseline, path)
        return Result(
            figure=timed(lambda: figure(path), rounds=1, warmup=0),
            baseline=timed(lambda: baseline(path), rounds=1, warmup=0),
            queries=queries,
            budget=budget,
            memory=(figure_memory, baseline_memory),
        )


@benchmark("export: 100,000 bookings to CSV")
def to_csv() -> Result:
    return _compare(export_csv, raw_csv, "csv", native=False)


@benchmark("export: 100,000 bookings to XLSX")
def to_xlsx() -> Result:
    return _compare(export_xlsx, raw_xlsx, "xlsx", native=True, budget=XLSX_BUDGET)
