"""Intake answers, once given, are read by the people who care for the client
(booking admins, the booking's consultant) and no one else: the booking's admin
page, the bookings export's Intake column, and the client's own data bundle."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.core.cache import cache

from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, STAFF
from booking.privacy import lookup
from booking.spreadsheets.models import ExportJob
from tests.factories import ConsultantFactory, ServiceFactory, ask, make_draft, member

pytestmark = pytest.mark.django_db

ANSWER = "Sertraline, 50 mg"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"
    cache.clear()


@pytest.fixture
def booking():
    maya = ConsultantFactory(name="Maya Stone")
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    service = ServiceFactory(consultants=[maya])
    ask(service, "Current medication")
    booking, _ = make_draft(
        service=service,
        client_email="zelda@example.com",
        intake={"Current medication": ANSWER},
    )
    return booking


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("who", ["booking admin", "own consultant", "staff"])
def test_the_bookings_admin_page_shows_answers_only_to_those_who_care(
    client, booking, who
):
    users = {
        "booking admin": lambda: member(BOOKING_ADMINS),
        "own consultant": lambda: booking.consultant.user,
        "staff": lambda: member(STAFF),
    }
    client.force_login(users[who]())

    page = client.get(f"/admin/bookings/inspect/{booking.pk}/").content.decode()

    if who == "staff":
        assert ANSWER not in page
    else:
        assert "Current medication" in page and ANSWER in page


def test_a_booking_admins_export_has_the_intake_column(client, booking):
    client.force_login(member(BOOKING_ADMINS))

    header, row = csv_rows(client.get("/admin/bookings/", {"export": "csv"}))

    assert header[-1] == "Intake"
    assert row[header.index("Reference")] == booking.reference
    assert row[-1] == f"Current medication: {ANSWER}"


def test_the_own_consultants_export_has_their_clients_answers(client, booking):
    client.force_login(booking.consultant.user)

    header, row = csv_rows(client.get("/admin/bookings/", {"export": "csv"}))

    assert header[-1] == "Intake" and row[-1] == f"Current medication: {ANSWER}"


def test_staff_export_has_no_intake_column(client, booking):
    client.force_login(member(STAFF))

    response = client.get("/admin/bookings/", {"export": "csv"})

    header, row = csv_rows(response)
    assert "Intake" not in header
    assert ANSWER not in ",".join(row)


def test_a_large_export_job_keeps_the_column_for_its_owner(
    client, booking, settings, django_capture_on_commit_callbacks
):
    settings.BOOKING_EXPORT_ASYNC_ROWS = 0
    client.force_login(member(BOOKING_ADMINS))

    with django_capture_on_commit_callbacks(execute=True):
        client.get("/admin/bookings/", {"export": "xlsx"})

    job = ExportJob.objects.get()
    assert job.status == "done"
    sheet = openpyxl.load_workbook(
        settings.BOOKING_SPREADSHEET_ROOT / "exports" / job.file_name
    ).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[-1] == "Intake" and row[-1] == f"Current medication: {ANSWER}"


def test_an_answer_that_looks_like_a_formula_is_neutralised(client, booking):
    booking.intake = {"Current medication": "=HYPERLINK(1)"}
    booking.save(update_fields=["intake"])
    client.force_login(member(BOOKING_ADMINS))

    _, row = csv_rows(client.get("/admin/bookings/", {"export": "csv"}))

    assert not row[-1].startswith("=")


def test_the_clients_data_bundle_holds_their_answers(booking):
    content = lookup.export_bundle(
        email="zelda@example.com", user=member(BOOKING_ADMINS)
    )

    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        data = json.loads(bundle.read("data.json"))
        table = bundle.read("bookings.csv").decode()
    assert data["bookings"][0]["intake"] == {"Current medication": ANSWER}
    assert ANSWER in table
