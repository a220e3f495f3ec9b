"""Busy times from consultants' own calendars (booking.scheduling.feeds): read from
a real HTTP server in the test, they take exactly their times out of the slots a
client is offered; a read that fails keeps the busy times read before."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from booking.core.errors import InvalidBookingData
from booking.scheduling import feed_http, feeds
from booking.scheduling.models import BusyBlock, OutsideCalendar
from booking.scheduling.slots import free_slots
from tests.availability_factories import weekly_hours
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    user_with_perms,
)
from tests.feed_server import all_day, calendar, event, feed_server, stamp, weekly

__all__ = ["feed_server"]  # the fixture, used by name

pytestmark = pytest.mark.django_db

ZONE = "Europe/Berlin"
EVERY_START = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]


@pytest.fixture
def consultant():
    consultant = ConsultantFactory(open_hours=False, time_zone=ZONE, name="Anna Berg")
    weekly_hours(consultant, weekdays=range(5), start="09:00", end="13:00")
    return consultant


@pytest.fixture
def service(consultant):
    return ServiceFactory(
        consultants=[consultant],
        duration_minutes=60,
        buffer_after_minutes=0,
        minimum_notice_minutes=0,
        booking_window_days=60,
    )


@pytest.fixture
def monday(consultant) -> date:
    today = timezone.now().astimezone(consultant.zone).date()
    return today + timedelta(days=7 - today.weekday())


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock))


def starts_on(consultant, service, day: date) -> list[str]:
    zone = consultant.zone
    slots = free_slots(
        consultant=consultant,
        service=service,
        start=datetime.combine(day, time(0), zone),
        end=datetime.combine(day + timedelta(days=1), time(0), zone),
    )
    return [f"{slot.start.astimezone(zone):%H:%M}" for slot in slots]


def add(consultant, url) -> OutsideCalendar:
    return feeds.add_calendar(consultant=consultant, url=url, label="Private")


def test_a_feed_blocks_exactly_its_busy_times(feed_server, consultant, service, monday):
    """Mondays 10–11 every week, except the second Monday (EXDATE), the third
    (that instance cancelled) and the fourth (moved to 12–13); all of the first
    Wednesday; a Thursday event marked free blocks nothing."""
    feed_server.body = calendar(
        weekly(
            "therapy-group",
            at(monday, "10:00"),
            60,
            ZONE,
            f"EXDATE;TZID={ZONE}:{stamp(at(monday + timedelta(7), '10:00'))}",
        ),
        event(
            "therapy-group",
            f"RECURRENCE-ID;TZID={ZONE}:{stamp(at(monday + timedelta(14), '10:00'))}",
            f"DTSTART;TZID={ZONE}:{stamp(at(monday + timedelta(14), '10:00'))}",
            f"DTEND;TZID={ZONE}:{stamp(at(monday + timedelta(14), '11:00'))}",
            "STATUS:CANCELLED",
        ),
        event(
            "therapy-group",
            f"RECURRENCE-ID;TZID={ZONE}:{stamp(at(monday + timedelta(21), '10:00'))}",
            f"DTSTART;TZID={ZONE}:{stamp(at(monday + timedelta(21), '12:00'))}",
            f"DTEND;TZID={ZONE}:{stamp(at(monday + timedelta(21), '13:00'))}",
        ),
        all_day("conference", monday + timedelta(2)),
        event(
            "lunch-maybe",
            f"DTSTART;TZID={ZONE}:{stamp(at(monday + timedelta(3), '10:00'))}",
            f"DTEND;TZID={ZONE}:{stamp(at(monday + timedelta(3), '11:00'))}",
            "TRANSP:TRANSPARENT",
        ),
    )
    assert starts_on(consultant, service, monday) == EVERY_START

    outcome = feeds.refresh(add(consultant, feed_server.url))

    assert outcome.endswith("busy times read.")
    without_ten = ["09:00", "11:00", "11:30", "12:00"]
    assert starts_on(consultant, service, monday) == without_ten
    assert starts_on(consultant, service, monday + timedelta(1)) == EVERY_START
    assert starts_on(consultant, service, monday + timedelta(2)) == []
    assert starts_on(consultant, service, monday + timedelta(3)) == EVERY_START
    assert starts_on(consultant, service, monday + timedelta(7)) == EVERY_START
    assert starts_on(consultant, service, monday + timedelta(14)) == EVERY_START
    assert starts_on(consultant, service, monday + timedelta(21)) == EVERY_START[:5]
    assert starts_on(consultant, service, monday + timedelta(28)) == without_ten


def test_a_busy_time_in_utc_lands_at_its_real_moment(
    feed_server, consultant, service, monday
):
    """09:00Z is 10:00 in Berlin in winter, 11:00 in summer."""
    utc_start = datetime.combine(monday, time(9), UTC)
    feed_server.body = calendar(
        event(
            "utc",
            f"DTSTART:{stamp(utc_start)}Z",
            f"DTEND:{stamp(utc_start + timedelta(minutes=30))}Z",
        )
    )
    feeds.refresh(add(consultant, feed_server.url))

    local = utc_start.astimezone(consultant.zone)
    starts = starts_on(consultant, service, monday)
    hour_before = (local - timedelta(minutes=30)).strftime("%H:%M")
    assert f"{local:%H:%M}" not in starts
    assert hour_before not in starts
    assert len(starts) == len(EVERY_START) - 2


def test_a_failed_read_keeps_the_busy_times_and_records_the_error(
    feed_server, settings, consultant, service, monday
):
    feed_server.body = calendar(weekly("weekly", at(monday, "10:00"), 60, ZONE))
    outside = add(consultant, feed_server.url)
    feeds.refresh(outside)
    read_at = outside.last_ok_at
    blocked = starts_on(consultant, service, monday)
    assert "10:00" not in blocked

    settings.CALENDAR_FEEDS_TIMEOUT_SECONDS = 0.3
    feed_server.delay = 1
    feeds.refresh(outside, now=read_at + timedelta(minutes=5))
    outside.refresh_from_db()
    assert outside.last_error == "The server did not answer within 0.3 seconds."
    assert outside.last_ok_at == read_at
    assert starts_on(consultant, service, monday) == blocked

    feed_server.delay = 0
    for body, status, error in [
        (b"<html><body>Sign in</body></html>", 200, "did not return a calendar"),
        (b"BEGIN:VCALENDAR\r\nnot ical\r\n", 200, "could not be read"),
        (
            calendar(event("bad", "DTSTART:soon", "DTEND:later")),
            200,
            "could not be read",
        ),
        (b"oops", 500, "The server answered 500 Internal Server Error."),
    ]:
        feed_server.body, feed_server.status = body, status
        feeds.refresh(outside)
        outside.refresh_from_db()
        assert error in outside.last_error
        assert outside.last_ok_at == read_at
        assert starts_on(consultant, service, monday) == blocked

    feed_server.body, feed_server.status = calendar(), 200
    assert feeds.refresh(outside) == "0 busy times read."
    outside.refresh_from_db()
    assert outside.last_error == ""
    assert outside.last_ok_at > read_at
    assert starts_on(consultant, service, monday) == EVERY_START


def test_a_calendar_larger_than_the_limit_is_not_read(
    feed_server, settings, consultant
):
    settings.CALENDAR_FEEDS_MAX_BYTES = 2048
    feed_server.body = calendar(*(event(f"e{n}", "SUMMARY:x" * 20) for n in range(20)))
    outside = add(consultant, feed_server.url)

    assert feeds.refresh(outside) == "The calendar is larger than 2 KB."
    assert not BusyBlock.objects.exists()


def test_an_unchanged_calendar_is_asked_for_with_its_etag(
    feed_server, consultant, service, monday
):
    feed_server.body = calendar(weekly("weekly", at(monday, "10:00"), 60, ZONE))
    feed_server.headers = {"ETag": '"v1"'}
    outside = add(consultant, feed_server.url)
    feeds.refresh(outside)
    first_ok = outside.last_ok_at

    later = first_ok + timedelta(minutes=5)
    assert feeds.refresh(outside, now=later) == "Not changed since the last read."

    assert feed_server.requests[-1]["If-None-Match"] == '"v1"'
    assert "If-None-Match" not in feed_server.requests[0]
    outside.refresh_from_db()
    assert outside.last_ok_at == later
    assert "10:00" not in starts_on(consultant, service, monday)


def test_a_loopback_address_is_refused_outside_debug(feed_server, settings, consultant):
    settings.CALENDAR_FEEDS_ALLOW_PRIVATE = False
    settings.DEBUG = False

    with pytest.raises(InvalidBookingData, match="private or local address"):
        add(consultant, feed_server.url)
    assert not OutsideCalendar.objects.exists()

    # A name that resolves to loopback is caught when it is read, before any request.
    port = feed_server.httpd.server_port
    sneaky = OutsideCalendar.objects.create(
        consultant=consultant, url=f"http://localhost:{port}/cal.ics"
    )
    feeds.refresh(sneaky)
    assert "is on a private or local network (127.0.0.1)" in sneaky.last_error
    assert feed_server.requests == []

    settings.DEBUG = True
    feed_server.body = calendar()
    assert feeds.refresh(sneaky) == "0 busy times read."


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1"]
    + ["::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1"],
)
def test_private_and_local_addresses_are_not_public(address):
    assert not feed_http.is_public(address)


def test_public_addresses_are(settings):
    assert feed_http.is_public("8.8.8.8")
    assert feed_http.is_public("2001:4860:4860::8888")


@pytest.mark.parametrize(
    "url, error",
    [
        ("ftp://example.com/cal.ics", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("calendar.google.com/basic.ics", "Only http:// and https://"),
        ("https:///basic.ics", "no host name"),
        ("http://[::1/cal.ics", "not a valid web address"),
    ],
)
def test_addresses_that_cannot_be_read_are_refused_on_adding(consultant, url, error):
    with pytest.raises(InvalidBookingData, match=error):
        add(consultant, url)
    assert not OutsideCalendar.objects.exists()


def test_webcal_addresses_are_read_over_https_and_never_shown_in_full(consultant):
    outside = add(consultant, "webcal://p12-caldav.icloud.com/published/2/SECRET")

    assert outside.url == "https://p12-caldav.icloud.com/published/2/SECRET"
    assert outside.masked_url == "p12-caldav.icloud.com/…"
    assert "SECRET" not in str(OutsideCalendar(url=outside.url))
    with pytest.raises(InvalidBookingData, match="already has this calendar"):
        add(consultant, "https://p12-caldav.icloud.com/published/2/SECRET")


def test_busy_times_keep_slots_at_two_queries(
    consultant, service, monday, django_assert_num_queries
):
    outside = OutsideCalendar.objects.create(consultant=consultant, url="https://x/")
    zone = consultant.zone
    BusyBlock.objects.create(
        consultant=consultant,
        calendar=outside,
        start=datetime.combine(monday, time(9), zone),
        end=datetime.combine(monday, time(12), zone),
    )
    start = datetime.combine(monday, time(0), zone)

    with django_assert_num_queries(2):
        slots = free_slots(
            consultant=consultant,
            service=service,
            start=start,
            end=start + timedelta(30),
        )

    assert [f"{s.start.astimezone(zone):%H:%M}" for s in slots[:2]] == [
        "12:00",
        "09:00",
    ]


def test_failing_feeds_are_shown_to_who_looks_after_them(consultant):
    other = ConsultantFactory(open_hours=False, name="Ben Other")
    consultant.user = UserFactory()
    consultant.save()
    mine = OutsideCalendar.objects.create(
        consultant=consultant, url="https://a/", last_error="The server answered 500."
    )
    theirs = OutsideCalendar.objects.create(
        consultant=other, url="https://b/", last_error="Too slow."
    )
    OutsideCalendar.objects.create(consultant=other, url="https://c/")

    booking_admin = user_with_perms("change_consultant")
    assert list(feeds.failing_feeds(booking_admin)) == [mine, theirs]
    assert list(feeds.failing_feeds(consultant.user)) == [mine]
    assert list(feeds.failing_feeds(UserFactory())) == []


def test_the_schedule_reads_each_calendar_every_five_minutes(feed_server, consultant):
    schedule = Schedule.objects.get(func="booking.tasks.refresh_outside_calendars")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 5)
    feed_server.body = calendar()
    outside = OutsideCalendar.objects.create(consultant=consultant, url=feed_server.url)

    from booking import tasks

    assert tasks.refresh_outside_calendars() == 1  # jobs run inline in tests
    outside.refresh_from_db()
    assert outside.last_ok_at is not None
    assert tasks.refresh_outside_calendars() == 0  # just read
