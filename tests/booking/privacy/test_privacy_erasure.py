"""Clients' data requests and retention (issue 12): the export bundle holds one
client's data and nobody else's; erasure leaves no trace of the person anywhere in
the database while the accounts add up as before; retention runs twice safely."""

import csv
import importlib
import io
import json
import zipfile
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django_q.models import Schedule, Task
from wagtail.models import ModelLogEntry

from booking.core.errors import BookingError
from booking.core.models import Booking, BookingToken
from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.notifications import reminders
from booking.notifications.models import OutboxEmail
from booking.payments.models import Earning, Payment, Refund
from booking.privacy import audit, erasure, lookup, retention
from booking.privacy.models import AccessLogEntry
from booking.reviews import services as review_services
from booking.reviews.models import Review
from booking.spreadsheets.models import ExportJob
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db

ZELDA = {
    "client_name": "Zelda Quillfeather",
    "client_email": "Zelda.Quillfeather@Example.com",
    "client_phone": "+44 7700 900123",
    "client_notes": "Nightmares since the flood in Aberfeldy.",
}
BORIS = {
    "client_name": "Boris Ottoway",
    "client_email": "boris.ottoway@example.org",
    "client_phone": "+49 30 5550172",
    "client_notes": "Prefers evening sessions near Kreuzberg.",
}
# What must not survive erasure, searched case-insensitively in every column.
ZELDA_TRACES = (
    "zelda",
    "quillfeather",
    "7700 900123",
    "aberfeldy",
    "zelda.quillfeather@example.com",
)


@pytest.fixture
def admin():
    return member(BOOKING_ADMINS, username="bea")


@pytest.fixture
def service():
    return ServiceFactory(
        consultants=[ConsultantFactory(name="Maya Stone")], booking_window_days=3650
    )


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Emails really go through the outbox and the (inline) send task."""
    with django_capture_on_commit_callbacks(execute=True):
        yield


def approved(service, admin, week, **client):
    booking, token = make_draft(
        service=service, start=next_monday_at(9, weeks=week), **client
    )
    services.verify_email(token=token)
    return services.approve(booking=booking, actor=admin)


def paid(service, admin, week, **client):
    booking = approved(service, admin, week, **client)
    return paying.record_offline_payment(
        booking=booking,
        actor=admin,
        amount=booking.amount,
        method="Bank transfer",
        reference=f"Transfer from {client['client_name']}",
    )


def completed(service, admin, week, **client):
    booking = paid(service, admin, week, **client)
    ended = timezone.now() - timedelta(days=week)
    Booking.objects.filter(pk=booking.pk).update(
        start=ended - timedelta(hours=1), end=ended
    )
    return services.complete(booking=booking, actor=admin)


def history_of(service, admin, person, *, weeks=(1, 2, 3)):
    """A client's history: a completed, paid and reviewed session; a paid one
    cancelled by the practice (refunded by hand); a rejected request."""
    first, second, third = weeks
    done = completed(service, admin, first, **person)
    review_services.submit_review(
        booking=done,
        rating=5,
        comment=f"{person['client_name']} says: very helpful.",
    )
    cancelled = paid(service, admin, second, **person)
    services.cancel(
        booking=cancelled,
        actor=admin,
        reason=f"{person['client_name']} rang to cancel",
    )
    rejected, token = make_draft(
        service=service, start=next_monday_at(9, weeks=third), **person
    )
    services.verify_email(token=token)
    services.reject(
        booking=rejected, actor=admin, reason=f"Sorry {person['client_name']}"
    )
    return [done, cancelled, rejected]


@pytest.fixture
def two_clients(service, admin, sent):
    zelda = history_of(service, admin, ZELDA, weeks=(1, 2, 3))
    boris = history_of(service, admin, BORIS, weeks=(4, 5, 6))
    audit.record_access(user=admin, action="viewed", target=zelda[0])
    return zelda, boris


def accounts() -> dict:
    """The figures the accounts rely on."""
    return {
        "paid": Payment.objects.aggregate(total=Sum("paid_amount"))["total"],
        "refunded": Refund.objects.aggregate(total=Sum("amount"))["total"],
        "earned": Earning.objects.aggregate(total=Sum("net"))["total"],
        "payments": Payment.objects.count(),
        "bookings": Booking.objects.count(),
    }


def traces(*needles: str) -> set[str]:
    """Every table.column, in every table of the database (Django's, Wagtail's,
    django-q2's, sessions …), whose text holds one of `needles`, ignoring case;
    plus django-q2 tasks whose pickled arguments or results hold one."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                sql = (
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "
                    f"WHERE LOWER(CAST({name} AS TEXT)) LIKE %s"
                )
                for needle in needles:
                    cursor.execute(sql, [f"%{needle.lower()}%"])
                    if cursor.fetchone()[0]:
                        found.add(f"{table}.{column.name}")
    for task in Task.objects.all():
        pickled = repr((task.args, task.kwargs, task.result)).lower()
        found |= {f"django_q_task {task.pk}" for n in needles if n in pickled}
    return found


# --- export -------------------------------------------------------------------------


def read_bundle(content: bytes) -> tuple[dict, dict[str, list[dict]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        data = json.loads(bundle.read("data.json"))
        tables = {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(bundle.read(name).decode()))
            )
            for name in bundle.namelist()
            if name.endswith(".csv")
        }
    return data, tables


def test_the_bundle_holds_everything_about_one_client_and_nothing_of_another(
    two_clients, admin
):
    zelda, boris = two_clients

    content = lookup.export_bundle(email="zelda.quillfeather@example.COM", user=admin)

    data, tables = read_bundle(content)
    assert set(tables) == {
        "bookings",
        "emails",
        "payments",
        "refunds",
        "reviews",
        "applications",
        "packages",
        "package_lines",
        "memberships",
        "credit",
        "credit_lines",
        "messages",
        "waitlist",
        "stream_activity",
    }
    references = {b.reference for b in zelda}
    assert {row["reference"] for row in tables["bookings"]} == references
    assert {row["reference"] for row in data["bookings"]} == references
    assert tables["bookings"][0]["client_notes"] == ZELDA["client_notes"]
    assert {row["booking"] for row in tables["emails"]} == references
    assert (
        len(tables["emails"])
        == OutboxEmail.objects.filter(recipient__iexact=ZELDA["client_email"]).count()
    )
    assert len(tables["payments"]) == 2 and len(tables["refunds"]) == 1
    assert tables["reviews"][0]["comment"].startswith("Zelda Quillfeather says")
    everything = content + zipfile.ZipFile(io.BytesIO(content)).read("data.json")
    for other in (BORIS["client_name"], BORIS["client_email"], boris[0].reference):
        assert other.encode() not in everything
        assert other not in json.dumps(data)
    entry = AccessLogEntry.objects.get(action="data_exported")
    assert zelda[0].reference in entry.target
    assert "zelda" not in entry.target.lower()


def test_the_admin_screen_downloads_the_bundle_without_the_address_in_any_url(
    client, two_clients, admin
):
    client.force_login(admin)
    email = ZELDA["client_email"]

    looked_up = client.post(
        "/admin/client-data/", {"email": email, "action": "look_up"}
    )
    download = client.post("/admin/client-data/", {"email": email, "action": "export"})

    assert looked_up.status_code == 200
    page = looked_up.content.decode()
    assert "What is held for this address" in page and "Erase…" in page
    assert download["Content-Type"] == "application/zip"
    assert "quillfeather" not in download["Content-Disposition"].lower()
    _, tables = read_bundle(download.content)
    assert len(tables["bookings"]) == 3
    assert list(
        AccessLogEntry.objects.order_by("pk").values_list("action", flat=True)
    ) == ["viewed", "data_looked_up", "data_exported"]


def test_staff_cannot_reach_data_requests(client, two_clients):
    client.force_login(member(STAFF))
    email = ZELDA["client_email"]
    assert client.get("/admin/client-data/").status_code == 403
    response = client.post("/admin/client-data/", {"email": email, "action": "erase"})
    assert response.status_code == 403
    assert Booking.objects.filter(client_email=email).count() == 3


# --- erasure ------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_person_and_the_accounts_unchanged(
    client, two_clients, admin
):
    zelda, boris = two_clients
    email = ZELDA["client_email"]
    # Staff searched the bookings list for each client and exported the result.
    for searched in (email, BORIS["client_email"]):
        ExportJob.objects.create(
            owner=admin,
            format="csv",
            query=urlencode({"q": searched}),
            expires_at=timezone.now() + timedelta(hours=1),
        )
    assert traces(*ZELDA_TRACES), "the search must find her before erasure"
    before = accounts()
    client.force_login(admin)

    confirm = client.post(
        "/admin/client-data/", {"email": email, "action": "confirm_erase"}
    )
    assert "Erase this client" in confirm.content.decode()
    erased = client.post(
        "/admin/client-data/", {"email": email, "action": "erase", "confirm": "on"}
    )

    assert erased.status_code == 302 and erased["Location"] == "/admin/client-data/"
    assert traces(*ZELDA_TRACES) == set()
    assert accounts() == before
    kept = Booking.objects.get(pk=zelda[0].pk)
    assert (kept.reference, kept.amount_paid, kept.status) == (
        zelda[0].reference,
        zelda[0].amount_paid,
        S.COMPLETED,
    )
    assert kept.client_name == "Anonymised client" and kept.anonymised_at
    assert not BookingToken.objects.filter(booking__in=[b.pk for b in zelda]).exists()
    assert Review.objects.get(booking=kept).rating == 5
    assert ModelLogEntry.objects.filter(action="booking.erase").count() == 3
    assert AccessLogEntry.objects.filter(action="erased", user=admin).exists()
    assert ExportJob.objects.get().query == urlencode({"q": BORIS["client_email"]})


def test_erasure_leaves_the_other_client_intact(two_clients, admin):
    _, boris = two_clients
    before = {
        (b.client_name, b.client_email, b.client_phone, b.client_notes)
        for b in Booking.objects.filter(client_email=BORIS["client_email"])
    }
    boris_bodies = list(
        OutboxEmail.objects.filter(booking__in=boris).values_list(
            "text_body", flat=True
        )
    )

    erasure.erase_client(email=ZELDA["client_email"], user=admin)

    assert {
        (b.client_name, b.client_email, b.client_phone, b.client_notes)
        for b in Booking.objects.filter(client_email=BORIS["client_email"])
    } == before
    assert (
        list(
            OutboxEmail.objects.filter(booking__in=boris).values_list(
                "text_body", flat=True
            )
        )
        == boris_bodies
    )
    assert Review.objects.get(booking=boris[0]).comment.startswith("Boris")
    assert traces("ottoway")


def test_erasure_reaches_the_consultants_emails_about_a_group_session(admin, sent):
    """Emails about a group session list every participant but belong to one
    seat's booking: here Boris's, which names Zelda too. It goes to the booking
    admins (the consultant has no login), whose address stays."""
    group = ServiceFactory(
        consultants=[ConsultantFactory()], capacity=4, booking_window_days=3650
    )
    seats = [paid(group, admin, 1, **BORIS), paid(group, admin, 1, **ZELDA)]
    ended = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk__in=[s.pk for s in seats]).update(
        start=ended - timedelta(hours=1), end=ended
    )
    reminders.queue_session_ended_notices()
    notice = OutboxEmail.objects.get(kind="session_ended")
    assert notice.booking_id == seats[0].pk and "Quillfeather" in notice.text_body
    for seat in seats:
        services.complete(booking=seat, actor=admin)

    erasure.erase_client(email=ZELDA["client_email"], user=admin)

    assert traces(*ZELDA_TRACES) == set()
    assert OutboxEmail.objects.get(pk=notice.pk).recipient == notice.recipient
    assert Booking.objects.get(pk=seats[0].pk).client_name == BORIS["client_name"]


def test_erasure_is_refused_while_a_booking_is_open(service, admin):
    done = completed(service, admin, 1, **ZELDA)
    upcoming = approved(service, admin, 2, **ZELDA)

    with pytest.raises(BookingError, match=f"{upcoming.reference} \\(approved"):
        erasure.erase_client(email=ZELDA["client_email"], user=admin)

    assert Booking.objects.get(pk=done.pk).client_name == ZELDA["client_name"]
    assert not AccessLogEntry.objects.filter(action="erased").exists()


def test_the_screen_explains_why_erasure_is_refused(client, service, admin):
    upcoming = approved(service, admin, 2, **ZELDA)
    client.force_login(admin)

    page = client.post(
        "/admin/client-data/",
        {"email": ZELDA["client_email"], "action": "erase", "confirm": "on"},
    ).content.decode()

    assert f"open bookings: {upcoming.reference} (approved" in page
    assert Booking.objects.get(pk=upcoming.pk).client_name == ZELDA["client_name"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "not an address", "action": "erase"}, "Enter a valid email"),
        (
            {"email": "nobody@example.com", "action": "erase", "confirm": "on"},
            "Nothing is held",
        ),
        ({"email": ZELDA["client_email"], "action": "erase"}, "Tick the box"),
    ],
)
def test_bad_erasure_requests_get_a_clear_reason_and_change_nothing(
    client, service, admin, data, message
):
    done = completed(service, admin, 1, **ZELDA)
    client.force_login(admin)

    response = client.post("/admin/client-data/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Booking.objects.get(pk=done.pk).client_name == ZELDA["client_name"]


def test_many_anonymised_bookings_break_no_unique_rule(service, admin):
    for week in (1, 2, 3):
        completed(service, admin, week, **ZELDA)
    erasure.erase_client(email=ZELDA["client_email"], user=admin)

    emails = set(Booking.objects.values_list("client_email", flat=True))

    assert len(emails) == 3
    approved(service, admin, 5, **ZELDA)  # the address may book again


# --- retention ----------------------------------------------------------------------


def test_retention_anonymises_old_finished_bookings_and_deletes_unverified_drafts(
    service, admin, settings, sent
):
    settings.BOOKING_RETENTION_MONTHS = 24
    old = completed(service, admin, 1, **ZELDA)
    recent = completed(service, admin, 2, **BORIS)
    Booking.objects.filter(pk=old.pk).update(
        end=timezone.now() - timedelta(days=800),
        start=timezone.now() - timedelta(days=801),
    )
    stale_draft, _ = make_draft(service=service, client_email="typo@example.com")
    fresh_draft, _ = make_draft(service=service, start=next_monday_at(14))
    Booking.objects.filter(pk=stale_draft.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    phone = services.create_admin_booking(
        actor=admin,
        consultant=service.consultants.get(),
        service=service,
        start=next_monday_at(16),
        client_name="Phone Client",
        client_email="phone@example.com",
    )
    Booking.objects.filter(pk=phone.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    before = accounts()

    first = retention.apply_retention()
    second = retention.apply_retention()

    assert first.startswith("1 booking(s) anonymised, 1 unverified draft(s) deleted")
    assert second.startswith("0 booking(s) anonymised, 0 unverified draft(s) deleted")
    old.refresh_from_db()
    assert old.client_name == "Anonymised client" and old.client_notes == ""
    assert not old.emails.exclude(text_body=erasure.REMOVED).exists()
    assert Booking.objects.get(pk=recent.pk).client_name == BORIS["client_name"]
    assert not Booking.objects.filter(pk=stale_draft.pk).exists()
    assert not OutboxEmail.objects.filter(recipient="typo@example.com").exists()
    assert Booking.objects.filter(pk__in=[fresh_draft.pk, phone.pk]).count() == 2
    assert {k: v for k, v in accounts().items() if k != "bookings"} == {
        k: v for k, v in before.items() if k != "bookings"
    }
    assert traces("quillfeather", "typo@example.com") == set()


def test_retention_cancelled_drafts_are_deleted_too(service, settings):
    draft, _ = make_draft(service=service)
    Booking.objects.filter(pk=draft.pk).update(
        created_at=timezone.now() - timedelta(hours=30)
    )
    from booking import tasks

    assert tasks.expire_stale_bookings() == 1
    assert Booking.objects.get(pk=draft.pk).status == S.CANCELLED

    assert "1 unverified draft(s) deleted" in tasks.apply_retention()
    assert not Booking.objects.filter(pk=draft.pk).exists()
    assert ModelLogEntry.objects.filter(
        action="booking.delete_unverified", object_id=str(draft.pk)
    ).exists()


def test_migrate_creates_the_retention_schedule_once():
    migration = importlib.import_module("booking.migrations.0011_privacy")
    Schedule.objects.filter(name=migration.RETENTION).update(minutes=120)

    migration.create_retention_schedule(apps, None)

    schedule = Schedule.objects.get(func="booking.tasks.apply_retention")
    assert (schedule.name, schedule.minutes) == (migration.RETENTION, 120)
