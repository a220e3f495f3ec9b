"""Spreadsheet imports in the admin: a dry-run preview that names each bad row and
why and writes nothing; a confirmed import that writes everything or nothing;
weekly hours written as the Availability screen writes them; historical bookings
in their final status in one logged step; and who may import what."""

import io
from datetime import time
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import ModelLogEntry

from booking.core.models import Booking, Consultant, Service
from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.core.states import BookingStatus as S
from booking.payments.models import Payment
from booking.privacy.models import AccessLogEntry
from booking.scheduling import hours
from booking.spreadsheets import imports
from booking.spreadsheets.models import SpreadsheetImport
from tests.factories import ConsultantFactory, ServiceFactory, UserFactory, member

pytestmark = pytest.mark.django_db

INDEX = "/admin/import/"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"


@pytest.fixture
def staff(client):
    user = member(STAFF)
    client.force_login(user)
    return user


@pytest.fixture
def booking_admin(client):
    user = member(BOOKING_ADMINS)
    client.force_login(user)
    return user


def upload(client, kind: str, text: str, name: str = "data.csv"):
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(INDEX, {"kind": kind, "file": file})


def confirm(client, record=None):
    record = record or SpreadsheetImport.objects.latest("pk")
    return client.post(reverse("booking_imports:confirm", args=(record.pk,)))


def page(response) -> str:
    return response.content.decode()


CONSULTANTS = """Name,Email,Time zone,Active
Maya Stone,maya@haven.test,Europe/Berlin,yes
Noah Park,noah@haven.test,Mars/Olympus,yes
,nameless@haven.test,Europe/London,yes
Ida Bell,not-an-email,Europe/London,maybe
"""


def test_the_preview_names_each_bad_row_and_why_and_writes_nothing(client, staff):
    response = upload(client, "consultants", CONSULTANTS)

    html = page(response)
    assert response.status_code == 200
    assert "1 new, 0 changed, 0 unchanged, 3 with errors" in html
    assert "Time zone: “Mars/Olympus” is not a time zone name" in html
    assert "Name: This field cannot be blank." in html
    assert "Email: Enter a valid email address." in html
    assert "Active: “maybe” is neither yes nor no." in html
    assert "Import these" not in html  # nothing to confirm
    assert not Consultant.objects.exists()
    assert confirm(client).status_code == 409
    assert not Consultant.objects.exists()


def test_a_confirmed_import_creates_and_changes_what_the_preview_showed(client, staff):
    known = ConsultantFactory(name="M. Stone", email="MAYA@haven.test")
    text = (
        "Name,Email,Time zone\n"
        "Maya Stone,maya@haven.test,Europe/Berlin\n"
        "Noah Park,noah@haven.test,America/New_York\n"
    )

    html = page(upload(client, "consultants", text))
    response = confirm(client)

    assert "1 new, 1 changed, 0 unchanged, 0 with errors" in html
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.name == "Maya Stone"
    noah = Consultant.objects.get(email="noah@haven.test")
    assert noah.time_zone == "America/New_York"
    record = SpreadsheetImport.objects.get()
    assert record.status == "imported"
    assert not (imports.import_root() / record.file_name).exists()
    entry = AccessLogEntry.objects.get()
    assert entry.action == "imported"
    assert entry.target == "Consultants: 1 new, 1 changed, 0 unchanged"


def test_a_confirmed_import_writes_nothing_when_one_row_fails(client, staff):
    maya = ConsultantFactory(email="maya@haven.test")
    noah = ConsultantFactory(email="noah@haven.test")
    text = (
        "Slug,Title,Price,Consultants\n"
        "intro,Introduction,0,maya@haven.test\n"
        "couples,Couples,120.00,noah@haven.test\n"
    )
    assert "2 new" in page(upload(client, "services", text))
    noah.delete()  # the file was fine when previewed; row 3 fails now

    response = confirm(client)

    html = page(response)
    assert response.status_code == 409
    assert "Nothing was imported." in html
    assert "No consultant has the email noah@haven.test." in html
    assert not Service.objects.exists()
    assert SpreadsheetImport.objects.get().status == "refused"
    assert maya.services.count() == 0


def test_an_xlsx_file_imports_services_with_their_consultants(client, staff):
    maya = ConsultantFactory(email="maya@haven.test")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Slug", "Title", "Duration (minutes)", "Price", "Consultants"])
    sheet.append(["walk", "Walk and talk", 60, 95.5, "Maya@haven.test"])
    sheet.append([None, None, None, None, None])
    content = io.BytesIO()
    workbook.save(content)
    file = SimpleUploadedFile("services.xlsx", content.getvalue())

    html = page(client.post(INDEX, {"kind": "services", "file": file}))
    confirm(client)

    assert "1 new" in html
    service = Service.objects.get(slug="walk")
    assert (service.duration_minutes, service.price) == (60, Decimal("95.50"))
    assert list(service.consultants.all()) == [maya]


def test_weekly_hours_are_written_as_the_availability_screen_writes_them(client, staff):
    maya = ConsultantFactory(email="maya@haven.test", open_hours=False)
    text = (
        "Consultant email,Weekdays,Start,End,From,Until\n"
        'maya@haven.test,"Mon, Wed",09:00,13:00,2026-12-01,2027-03-31\n'
    )
    upload(client, "availability", text)

    confirm(client)

    maya.refresh_from_db()
    [entry] = hours.availability_entries(consultant=maya)
    assert entry.kind == hours.Kind.WEEKLY_HOURS
    assert entry.weekdays == (0, 2)
    assert (entry.start.time(), entry.end.time()) == (time(9), time(13))
    assert str(entry.until) == "2027-03-31"
    assert ModelLogEntry.objects.filter(action="booking.availability").count() == 1


def test_bad_weekly_hours_are_reported_with_the_reason(client, staff):
    ConsultantFactory(email="maya@haven.test", open_hours=False)
    text = (
        "Consultant email,Weekdays,Start,End,From\n"
        "nobody@haven.test,Mon,09:00,13:00,2026-12-01\n"
        "maya@haven.test,Funday,09:00,13:00,2026-12-01\n"
        "maya@haven.test,Tue,13:00,09:00,2026-12-01\n"
        "maya@haven.test,Tue,9am,13:00,1 Dec\n"
    )

    html = page(upload(client, "availability", text))

    assert "Consultant email: No consultant has the email “nobody@haven.test”." in html
    assert "Weekdays: “Funday” is not a list of weekdays" in html
    assert "The hours must end after they start on the same day" in html
    assert "Start: “9am” is not a time of day" in html
    assert "From: “1 Dec” is not a date" in html
    assert "0 new" in html
    assert not ModelLogEntry.objects.filter(action="booking.availability").exists()


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(client, staff):
    html = page(upload(client, "consultants", "Full name,Mail\nMaya,maya@x.test\n"))

    assert "The file has no column “Name”, “Email”." in html
    assert not Consultant.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(client, staff):
    response = upload(client, "consultants", "hello", name="notes.txt")
    broken = client.post(
        INDEX,
        {"kind": "services", "file": SimpleUploadedFile("x.xlsx", b"not a zip")},
    )

    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in page(response)
    assert "cannot be read as an Excel workbook" in page(broken)
    assert not SpreadsheetImport.objects.exists()


def test_the_confirmed_import_reads_only_the_file_that_was_previewed(client, staff):
    upload(client, "consultants", "Name,Email\nMaya,maya@haven.test\n")
    record = SpreadsheetImport.objects.get()
    (imports.import_root() / record.file_name).write_text(
        "Name,Email\nEve,eve@evil.test\n"
    )

    response = confirm(client)

    assert response.status_code == 302
    assert not Consultant.objects.exists()
    assert SpreadsheetImport.objects.get().status == "previewed"


def test_someone_elses_import_is_not_found(client, staff):
    upload(client, "consultants", "Name,Email\nMaya,maya@haven.test\n")
    record = SpreadsheetImport.objects.get()
    client.force_login(member(STAFF, username="colleague"))

    assert confirm(client, record).status_code == 404
    assert (
        client.get(reverse("booking_imports:preview", args=(record.pk,))).status_code
        == 404
    )
    assert not Consultant.objects.exists()


# --- historical bookings ---------------------------------------------------------


@pytest.fixture
def practice():
    maya = ConsultantFactory(email="maya@haven.test", time_zone="Europe/Berlin")
    service = ServiceFactory(slug="counselling", consultants=[maya], price=80)
    return maya, service


BOOKINGS = (
    "Reference,Status,Client,Email,Consultant email,Service,Start,Paid,Note\n"
    "OLD-1,completed,Ada Client,ada@example.com,maya@haven.test,counselling,"
    "2025-03-03 10:00,80,\n"
    "OLD-2,Cancelled,Bo Client,bo@example.com,maya@haven.test,counselling,"
    "2025-03-04 10:00,0,Client moved away\n"
)


def test_historical_bookings_are_imported_in_their_status_in_one_logged_step(
    client, booking_admin, practice
):
    maya, service = practice

    html = page(upload(client, "bookings", BOOKINGS))
    confirm(client)

    assert "2 new" in html
    done = Booking.objects.get(reference="OLD-1")
    assert (done.status, done.source, done.amount_paid) == (
        S.COMPLETED,
        "import",
        Decimal("80.00"),
    )
    assert done.start.astimezone(maya.zone).hour == 10
    assert Payment.objects.get(booking=done).method == "Imported"
    cancelled = Booking.objects.get(reference="OLD-2")
    assert (cancelled.status, cancelled.cancel_reason) == (
        S.CANCELLED,
        "Client moved away",
    )
    entries = ModelLogEntry.objects.filter(action="booking.import")
    assert entries.count() == 2
    assert entries.first().data["to"] in (S.COMPLETED, S.CANCELLED)


def test_historical_bookings_keep_the_rules_of_every_booking(
    client, booking_admin, practice
):
    text = (
        "Status,Client,Email,Consultant email,Service,Start,Paid\n"
        "confirmed,Ada,ada@example.com,maya@haven.test,counselling,"
        "2030-03-04 10:00,80\n"
        "confirmed,Ada,ADA@example.com,maya@haven.test,counselling,"
        "2030-03-05 10:00,80\n"
        "confirmed,Bo,bo@example.com,maya@haven.test,counselling,2030-03-04 10:30,80\n"
        "confirmed,Cy,cy@example.com,maya@haven.test,counselling,2030-03-06 10:00,10\n"
        "draft,Di,di@example.com,maya@haven.test,counselling,2030-03-07 10:00,0\n"
        "completed,Ed,ed@example.com,maya@haven.test,counselling,2030-03-08 10:00,80\n"
    )

    html = page(upload(client, "bookings", text))

    assert "1 new, 0 changed, 0 unchanged, 5 with errors" in html
    assert "This email address already has an active booking." in html
    assert "is no longer free" in html
    assert "must be paid in full: Paid is 10" in html
    assert "“draft” is not a status a booking can be imported in" in html
    assert "A completed session must have ended already." in html
    assert not Booking.objects.exists()


def test_staff_may_not_import_bookings(client, staff, practice):
    response = upload(client, "bookings", BOOKINGS)
    record = SpreadsheetImport.objects.create(
        owner=staff, kind="bookings", original_name="x.csv", file_name="x.csv"
    )

    assert response.status_code == 400
    assert 'value="bookings"' not in page(client.get(INDEX))
    assert 'value="consultants"' in page(client.get(INDEX))
    assert confirm(client, record).status_code == 403
    assert not Booking.objects.exists()


def test_people_without_an_import_role_are_refused(client):
    client.force_login(UserFactory(is_superuser=False))
    assert client.get(INDEX).status_code in (302, 403)


def test_the_current_data_downloads_and_imports_back_unchanged(client, staff):
    maya = ConsultantFactory(name="Maya Stone", email="maya@haven.test")
    ServiceFactory(slug="walk", consultants=[maya])
    for kind in ("consultants", "services", "availability"):
        url = reverse("booking_imports:columns", args=(kind,))
        text = client.get(url).content.decode()

        html = page(upload(client, kind, text))

        if kind == "availability":  # weekly hours are only ever added
            assert "1 new, 0 changed" in html
        else:
            assert "0 new, 0 changed, 1 unchanged, 0 with errors" in html
