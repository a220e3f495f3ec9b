"""Calendar files attached to emails, and the consultant's private feed: both must
open as valid calendars with the right times, zones and stable UIDs."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from booking.scheduling import calendar_files
from booking.scheduling.models import CalendarFeed
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
)

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind


@pytest.fixture
def consultant():
    return ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")


def parse(ics) -> Calendar:
    calendar = Calendar.from_ical(ics)
    assert calendar.get("VERSION") == "2.0"
    return calendar


def test_confirmation_ics_opens_with_start_end_zone_and_uid(consultant):
    start = next_monday_at(9)
    booking = confirmed_booking(
        service=free_service(consultant, duration_minutes=50),
        start=start,
        client_time_zone="America/New_York",
    )

    calendar = parse(booking.emails.get(kind=Kind.CONFIRMED).ics)

    [event] = calendar.events
    assert event.start == start and event.end == start + timedelta(minutes=50)
    assert event.start.tzinfo == ZoneInfo("America/New_York")
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert event.uid == f"{booking.reference.lower()}@127.0.0.1"
    assert event.get("STATUS") == "CONFIRMED" and event.sequence == 0
    assert booking.reference in event.description
    assert event.location.startswith("https://meet.jit.si/")


def test_the_consultants_copy_is_in_the_consultants_zone(consultant):
    booking = confirmed_booking(
        service=free_service(consultant), client_time_zone="Asia/Tokyo"
    )

    calendar = parse(booking.emails.get(kind=Kind.CONSULTANT_CONFIRMED).ics)

    [event] = calendar.events
    assert event.start.tzinfo == ZoneInfo("Europe/Berlin")
    assert event.uid == calendar_files.booking_uid(booking)


def test_a_reschedule_updates_the_same_calendar_entry(consultant):
    booking = confirmed_booking(service=free_service(consultant))
    moved_to = booking.start + timedelta(days=1, hours=2)

    services.reschedule(booking=booking, start=moved_to)

    confirmed = parse(booking.emails.get(kind=Kind.CONFIRMED).ics).events[0]
    moved = parse(booking.emails.get(kind=Kind.RESCHEDULED).ics).events[0]
    assert moved.uid == confirmed.uid
    assert moved.sequence == confirmed.sequence + 1
    assert moved.start == moved_to


def test_a_cancellation_marks_the_same_entry_cancelled(consultant):
    booking = confirmed_booking(service=free_service(consultant))

    services.cancel(booking=booking, reason="Ill.")

    [event] = parse(booking.emails.get(kind=Kind.CANCELLED).ics).events
    assert event.uid == calendar_files.booking_uid(booking)
    assert event.get("STATUS") == "CANCELLED" and event.sequence == 1


def test_only_confirmed_sessions_carry_a_calendar_file(consultant):
    service = ServiceFactory(consultants=[consultant], requires_approval=False)
    _, token = make_draft(service=service)
    booking = services.verify_email(token=token)  # approved, not paid yet

    assert not booking.emails.exclude(ics="").exists()


# --- the consultant's feed ------------------------------------------------------------


def test_feed_lists_the_consultants_confirmed_sessions(client, consultant):
    service = free_service(consultant, title="Counselling")
    group = free_service(consultant, title="Circle", capacity=4)
    one = confirmed_booking(service=service, start=next_monday_at(8))
    seats = [
        confirmed_booking(service=group, start=next_monday_at(12)) for _ in range(2)
    ]
    cancelled = confirmed_booking(service=service, start=next_monday_at(15))
    services.cancel(booking=cancelled, reason="Ill.")
    make_draft(service=service, start=next_monday_at(17))
    confirmed_booking(service=free_service())  # another consultant's
    token = calendar_files.issue_feed(consultant)

    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    calendar = parse(response.content)
    events = sorted(calendar.events, key=lambda event: event.start)
    assert [event.summary for event in events] == [
        f"Counselling – {one.reference}",
        "Circle – group, 2 of 4",
    ]
    assert events[0].uid == calendar_files.booking_uid(one)
    assert all(event.start.tzinfo == ZoneInfo("Europe/Berlin") for event in events)
    assert events[1].start == seats[0].start
    body = response.content.decode()
    assert "Ada Client" not in body and "@example.com" not in body


def test_feed_link_is_revocable_and_replaceable(client, consultant):
    first = calendar_files.issue_feed(consultant)
    second = calendar_files.issue_feed(consultant)

    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert CalendarFeed.objects.count() == 1

    calendar_files.revoke_feed(consultant)

    assert client.get(f"/calendar/{second}.ics").status_code == 404


@pytest.mark.parametrize("token", ["", "nokey.secret", "onlykey", "a.b.c"])
def test_feed_refuses_made_up_tokens(client, consultant, token):
    real = calendar_files.issue_feed(consultant)
    key = real.split(".")[0]

    assert client.get(f"/calendar/{token or key}.ics").status_code == 404
    assert client.get(f"/calendar/{key}.wrong.ics").status_code == 404


def test_feed_url_is_absolute(consultant, settings):
    settings.SITE_URL = "https://haven.example.org"

    url = calendar_files.feed_url(calendar_files.issue_feed(consultant))

    assert url.startswith("https://haven.example.org/calendar/")
    assert url.endswith(".ics")
