"""Booking exports from the admin list: the rows the list shows (scope, filters,
search), human columns through the resource, formula cells neutralised in CSV and
XLSX, real dates and numbers in XLSX, a query count that does not grow with the
rows, and large exports as jobs with progress that only their owner can fetch."""

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.core.models import Booking
from booking.core.roles import CONSULTANTS, STAFF
from booking.core.states import BookingStatus as S
from booking.payments.models import Payment, Refund
from booking.privacy.models import AccessLogEntry
from booking.spreadsheets import exports
from booking.spreadsheets.models import ExportJob
from tests.factories import ConsultantFactory, ServiceFactory, member

pytestmark = pytest.mark.django_db

INDEX = "/admin/bookings/"
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"


@pytest.fixture
def maya():
    return ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")


@pytest.fixture
def noah():
    return ConsultantFactory(name="Noah Park", time_zone="America/New_York")


@pytest.fixture
def counselling(maya, noah):
    return ServiceFactory(title="Counselling", consultants=[maya, noah])


@pytest.fixture
def staff(client):
    user = member(STAFF)
    client.force_login(user)
    return user


def booked(consultant, service, *, status=S.CONFIRMED, start=START, **fields):
    """A booking row in any state (data for the export, not a flow under test)."""
    number = next(_numbers)
    values = {
        "client_name": f"Client {number}",
        "client_email": f"client{number}@example.com",
        "amount": service.price,
        **fields,
    }
    return Booking.objects.create(
        reference=f"TX-{number:06d}",
        consultant=consultant,
        service=service,
        status=status,
        start=start + timedelta(hours=number),
        end=start + timedelta(hours=number) + service.duration,
        slot_key=f"own:export{number}",
        client_time_zone=consultant.time_zone,
        currency=service.currency,
        **values,
    )


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


HEADERS = [
    "Reference",
    "Status",
    "Client",
    "Email",
    "Phone",
    "Consultant",
    "Service",
    "Start",
    "End",
    "Time zone",
    "Amount",
    "Currency",
    "Paid",
    "Refunded",
    "Created (UTC)",
    "Source",
    "Type",
    "Series",
    "Seats",
    "Present",
    "Absent",
]


def test_csv_export_has_exactly_the_filtered_and_searched_rows(
    client, staff, maya, noah, counselling
):
    wanted = booked(maya, counselling, client_name="Ada Lovelace", start=START)
    booked(maya, counselling, client_name="Grace Hopper")
    booked(noah, counselling, client_name="Ada Byron")
    booked(maya, counselling, client_name="Ada Cancelled", status=S.CANCELLED)

    response = client.get(
        INDEX,
        {"export": "csv", "consultant": maya.pk, "status": "confirmed", "q": "Ada"},
    )

    header, *rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert header == HEADERS
    assert [row[2] for row in rows] == ["Ada Lovelace"]
    local = wanted.start.astimezone(maya.zone)
    assert rows[0][:2] == [wanted.reference, "Confirmed"]
    assert rows[0][7:10] == [
        f"{local:%Y-%m-%d %H:%M}",
        f"{local + counselling.duration:%Y-%m-%d %H:%M}",
        "Europe/Berlin",
    ]
    assert rows[0][10:14] == ["80.00", "EUR", "0.00", "0.00"]
    # The export is in the access log, without the search text.
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.target, entry.user) == (
        "exported",
        "bookings list, CSV",
        staff,
    )


def test_xlsx_has_real_dates_and_numbers_and_the_refunded_total(
    client, staff, maya, counselling
):
    paid = booked(maya, counselling, amount_paid=Decimal("80.00"))
    payment = Payment.objects.create(
        booking=paid, provider="offline", amount=80, currency="EUR", status="paid"
    )
    for key, status in (("a", "succeeded"), ("b", "failed")):
        Refund.objects.create(
            key=key,
            payment=payment,
            booking=paid,
            amount=Decimal("30.00"),
            currency="EUR",
            reason="test",
            status=status,
        )
    booked(maya, counselling, amount=Decimal("-5.00"), client_name="Credit note")

    response = client.get(INDEX, {"export": "xlsx", "ordering": "start"})

    header, first, second = xlsx_rows(response.getvalue())
    assert list(header) == HEADERS
    assert first[7] == paid.start.astimezone(maya.zone).replace(tzinfo=None)
    assert isinstance(first[14], datetime)
    assert (first[10], first[12], first[13]) == (80, 80, 30)
    assert second[10] == -5  # a negative amount is a number, not a formula


def test_formula_cells_are_neutralised_in_csv_and_xlsx(
    client, staff, maya, counselling
):
    names = ["=HYPERLINK(1)", "+SUM(1)", "-2+3", "@SUM(1)", "\tTab", "\rReturn"]
    for name in names:
        booked(maya, counselling, client_name=name, client_phone="+44 20 7946 0000")
    booked(maya, counselling, client_name="Plain", amount=Decimal("-5.00"))

    csv_data = csv_rows(client.get(INDEX, {"export": "csv", "ordering": "start"}))
    xlsx = client.get(INDEX, {"export": "xlsx", "ordering": "start"}).getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active

    assert [row[2] for row in csv_data[1:]] == ["'" + name for name in names] + [
        "Plain"
    ]
    assert csv_data[1][4] == "'+44 20 7946 0000"
    assert csv_data[-1][10] == "-5.00"  # a number stays a number
    cells = [sheet.cell(row=row, column=3) for row in range(2, 8)]
    # XML reads a carriage return back as a line feed.
    assert [cell.value.replace("\n", "\r") for cell in cells] == [
        "'" + name for name in names
    ]
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(row=8, column=11).value == -5


def test_a_consultant_exports_only_their_own_bookings(client, maya, noah, counselling):
    mine = booked(maya, counselling)
    booked(noah, counselling)
    maya.user = member(CONSULTANTS)
    maya.save()
    client.force_login(maya.user)

    rows = csv_rows(client.get(INDEX, {"export": "csv"}))

    assert [row[0] for row in rows[1:]] == [mine.reference]


def export_queries(client, count, maya, service) -> int:
    for _ in range(count - Booking.objects.count()):
        booked(maya, service)
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(client.get(INDEX, {"export": "csv"}))
    assert len(rows) == count + 1
    return len(queries)


def test_export_queries_do_not_grow_with_the_number_of_rows(
    client, staff, maya, counselling, settings
):
    settings.BOOKING_EXPORT_CHUNK_ROWS = 500  # one chunk for 10 and for 300 rows

    assert export_queries(client, 10, maya, counselling) == export_queries(
        client, 300, maya, counselling
    )


# --- large exports as jobs ----------------------------------------------------------


@pytest.fixture
def small_threshold(settings):
    settings.BOOKING_EXPORT_ASYNC_ROWS = 5
    settings.BOOKING_EXPORT_CHUNK_ROWS = 2


def test_a_large_export_runs_as_a_job_reporting_progress(
    client,
    staff,
    maya,
    counselling,
    small_threshold,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    for _ in range(7):
        booked(maya, counselling)
    booked(maya, counselling, status=S.CANCELLED)
    reported = []
    update = exports.update_job
    monkeypatch.setattr(
        exports,
        "update_job",
        lambda job, **changes: (reported.append(changes), update(job, **changes)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(INDEX, {"export": "xlsx", "status": "confirmed"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("booking_exports:job", args=(job.pk,))
    assert [c["rows_done"] for c in reported if "rows_done" in c] == [2, 4, 6, 7]
    assert (job.status, job.rows_done, job.rows_total) == ("done", 7, 7)
    state = client.get(reverse("booking_exports:status", args=(job.pk,))).json()
    assert state["percent"] == 100 and state["download_url"]
    download = client.get(state["download_url"])
    rows = xlsx_rows(b"".join(download.streaming_content))
    assert len(rows) == 8 and {row[1] for row in rows[1:]} == {"Confirmed"}
    page = client.get(reverse("booking_exports:job", args=(job.pk,))).content
    assert b"Download the XLSX file" in page


def test_a_running_export_page_shows_a_bar_that_updates_itself(client, staff):
    job = ExportJob.objects.create(
        owner=staff,
        format="csv",
        status="running",
        rows_done=2500,
        rows_total=10000,
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )

    html = client.get(reverse("booking_exports:job", args=(job.pk,))).content.decode()

    assert '<progress id="export-progress" max="100" value="25">' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "booking/admin/export-progress.js" in html
    assert reverse("booking_exports:status", args=(job.pk,)) in html


def test_only_the_owner_can_see_or_download_an_export(
    client,
    staff,
    maya,
    counselling,
    small_threshold,
    django_capture_on_commit_callbacks,
):
    for _ in range(6):
        booked(maya, counselling)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(INDEX, {"export": "csv"})
    job = ExportJob.objects.get(status="done")
    client.force_login(member(STAFF, username="colleague"))

    for name in ("job", "status", "download"):
        url = reverse(f"booking_exports:{name}", args=(job.pk,))
        assert client.get(url).status_code == 404
    assert b"TX-" not in client.get(reverse("booking_exports:index")).content
    assert (exports.export_root() / job.file_name).exists()
    assert not AccessLogEntry.objects.filter(target__contains="job").exists()
    client.force_login(staff)
    download = reverse("booking_exports:download", args=(job.pk,))
    assert client.get(download).status_code == 200
    assert AccessLogEntry.objects.filter(
        action="exported", user=staff, target__contains=f"export job #{job.pk}"
    ).exists()


def test_expired_exports_and_their_files_are_deleted(
    client,
    staff,
    maya,
    counselling,
    small_threshold,
    django_capture_on_commit_callbacks,
):
    for _ in range(6):
        booked(maya, counselling)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(INDEX, {"export": "csv"})
    job = ExportJob.objects.get()
    file = exports.export_root() / job.file_name
    assert file.read_text(encoding="utf-8-sig").count("\n") == 7

    later = job.expires_at + timedelta(seconds=1)
    assert exports.delete_expired_exports(now=job.expires_at - timedelta(1)) == 0
    assert exports.delete_expired_exports(now=later) == 1
    assert exports.delete_expired_exports(now=later) == 0
    assert not file.exists() and not ExportJob.objects.exists()
    url = reverse("booking_exports:download", args=(job.pk,))
    assert client.get(url).status_code == 404


def test_an_export_whose_worker_died_is_reported_as_failed(client, staff, settings):
    settings.BOOKING_EXPORT_TIMEOUT_SECONDS = 60
    job = ExportJob.objects.create(
        owner=staff,
        format="csv",
        status="running",
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    ExportJob.objects.filter(pk=job.pk).update(
        updated_at=datetime.now(UTC) - timedelta(minutes=5)
    )

    exports.delete_expired_exports()

    state = client.get(reverse("booking_exports:status", args=(job.pk,))).json()
    assert state["status"] == "failed"
    assert state["error"] == (
        "The export stopped before it finished; please export again."
    )
