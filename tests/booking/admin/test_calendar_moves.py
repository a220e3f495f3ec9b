"""The admin calendar as a booking admin works from it (issue 19): times in the
signed-in user's own zone, cropped to working hours, cancelled bookings hidden
until asked for, a popover with what the user may do, and moving a booking
(dragged, or from its "Move" page) through the reschedule service, with Undo."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from booking.admin.calendar import UNDO_KEY
from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.core.states import BookingStatus as S
from tests.availability_factories import bulk_bookings, weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, member, next_monday_at

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/calendar/"
JSON = {"HTTP_ACCEPT": "application/json"}


def in_zone(user, name):
    profile = UserProfile.get_for_user(user)
    profile.current_time_zone = name
    profile.save()
    return user


@pytest.fixture
def maya():
    return ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")


@pytest.fixture
def service(maya):
    return ServiceFactory(title="Counselling", consultants=[maya])


def booking_at(consultant, service, start, status=S.CONFIRMED):
    bulk_bookings(consultant=consultant, service=service, starts=[start], status=status)
    return consultant.bookings.latest("pk")


def week_of(moment, zone="UTC"):
    return {"view": "week", "date": moment.astimezone(ZoneInfo(zone)).date()}


@pytest.fixture
def admin(client):
    user = in_zone(member(BOOKING_ADMINS), "UTC")
    client.force_login(user)
    return client


def move_url(booking):
    return reverse("booking_calendar_move", args=(booking.pk,))


def test_tokyo_and_new_york_see_the_same_booking_at_their_own_hour(
    client, maya, service
):
    start = next_monday_at(9)  # 09:00 UTC: 18:00 in Tokyo, 04:00 or 05:00 in NY
    booking_at(maya, service, start)
    for zone in ("Asia/Tokyo", "America/New_York"):
        client.force_login(in_zone(member(BOOKING_ADMINS), zone))
        local = start.astimezone(ZoneInfo(zone))
        shown = f"{local:%H:%M}–{local + timedelta(minutes=50):%H:%M}"
        if zone == "Asia/Tokyo":
            assert shown == "18:00–18:50"
        for whose in ({}, {"consultant": maya.pk}):  # everyone, then hers
            html = client.get(CALENDAR, {**week_of(start, zone), **whose}).content
            html = html.decode()
            assert f"Times are {zone}" in html
            assert shown in html, (zone, whose)


def test_the_grid_runs_over_working_hours_unless_the_full_day_is_asked_for(
    admin, service
):
    nora = ConsultantFactory(name="Nora", time_zone="UTC", open_hours=False)
    weekly_hours(nora, weekdays=range(5), start="10:00", end="15:00")
    service.consultants.add(nora)
    early = booking_at(nora, service, next_monday_at(7))  # before her hours
    week = {**week_of(early.start), "consultant": nora.pk}

    cropped = admin.get(CALENDAR, week).content.decode()
    full = admin.get(CALENDAR, {**week, "full": "1"}).content.decode()

    # From the early booking (never cut off) to the end of her hours.
    assert "<span>07:00</span>" in cropped and "<span>14:00</span>" in cropped
    assert "<span>06:00</span>" not in cropped and "<span>15:00</span>" not in cropped
    assert "<span>00:00</span>" in full and "<span>23:00</span>" in full
    assert 'aria-pressed="true" role="button">✓ Full day' in full


def test_cancelled_and_rejected_show_only_when_asked_for(admin, maya, service):
    kept = booking_at(maya, service, next_monday_at(9))
    cancelled = booking_at(maya, service, next_monday_at(11), S.CANCELLED)
    rejected = booking_at(maya, service, next_monday_at(13), S.REJECTED)
    week = week_of(kept.start)

    usual = admin.get(CALENDAR, week).content.decode()
    everything = admin.get(CALENDAR, {**week, "cancelled": "1"}).content.decode()

    assert kept.reference in usual
    assert cancelled.reference not in usual and rejected.reference not in usual
    assert "Cancelled</li>" not in usual  # nor in the legend
    assert cancelled.reference in everything and rejected.reference in everything
    assert "⊘</span> Cancelled</li>" in everything  # the legend's mark, not colour


def test_each_booking_has_a_popover_with_what_this_user_may_do(
    admin, client, maya, service
):
    pending = booking_at(maya, service, next_monday_at(9), S.PENDING)
    week = week_of(pending.start)

    html = admin.get(CALENDAR, week).content.decode()

    assert f'popovertarget="cal-pop-{pending.pk}"' in html
    assert f'id="cal-pop-{pending.pk}" popover' in html
    assert ">Approve</a>" in html and "Reject…</a>" in html and ">Move…</a>" in html
    assert 'draggable="true"' in html and "calendar-move.js" in html

    client.force_login(member(STAFF))  # sees everyone, may change nothing
    staff = client.get(CALENDAR, week).content.decode()
    assert pending.reference in staff and ">Open booking</a>" in staff
    assert ">Approve</a>" not in staff and ">Move…</a>" not in staff
    assert 'draggable="true"' not in staff and "calendar-move.js" not in staff


def test_a_dropped_booking_moves_and_can_be_undone_within_ten_seconds(
    admin, maya, service
):
    booking = booking_at(maya, service, next_monday_at(9))
    before = booking.start
    day = before.date().isoformat()

    answer = admin.post(move_url(booking), {"start": f"{day}T14:00"}, **JSON)

    assert answer.status_code == 200 and answer.json()["ok"]
    booking.refresh_from_db()
    assert booking.start == before.replace(hour=14)
    calendar = admin.get(answer.json()["redirect"]).content.decode()
    assert f"Moved {booking.reference} to" in calendar and ">Undo</button>" in calendar

    undo = admin.post(reverse("booking_calendar_undo", args=(booking.pk,)))

    assert undo.status_code == 302
    booking.refresh_from_db()
    assert booking.start == before
    assert ">Undo</button>" not in admin.get(undo.url).content.decode()


def test_undo_is_refused_after_ten_seconds(admin, maya, service):
    booking = booking_at(maya, service, next_monday_at(9))
    day = booking.start.date().isoformat()
    admin.post(move_url(booking), {"start": f"{day}T14:00"}, **JSON)
    session = admin.session
    session[UNDO_KEY]["moved"] = timezone.now().timestamp() - 11
    session.save()

    undo = admin.post(reverse("booking_calendar_undo", args=(booking.pk,)), **JSON)

    assert undo.status_code == 409 and "Too late to undo" in undo.json()["message"]
    booking.refresh_from_db()
    assert booking.start.hour == 14


def test_a_drop_on_a_taken_time_is_refused_with_the_services_message(
    admin, maya, service
):
    booking = booking_at(maya, service, next_monday_at(9))
    other = booking_at(maya, service, next_monday_at(12))
    day = booking.start.date().isoformat()

    answer = admin.post(move_url(booking), {"start": f"{day}T12:00"}, **JSON)
    no_js = admin.post(move_url(booking), {"start": f"{day}T12:00"}, follow=True)

    assert answer.status_code == 409
    assert "Maya Stone is not free for “Counselling”" in answer.json()["message"]
    assert "Maya Stone is not free for “Counselling”" in no_js.content.decode()
    booking.refresh_from_db()
    assert booking.start == next_monday_at(9) and other.start == next_monday_at(12)


def test_bad_starts_are_refused_and_change_nothing(admin, maya, service):
    booking = booking_at(maya, service, next_monday_at(9))
    for bad in ("", "tomorrow", "1900-01-01T10:00", "2030-13-01T10:00"):
        answer = admin.post(move_url(booking), {"start": bad}, **JSON)
        assert answer.status_code == 400, bad
        assert answer.json()["message"].startswith("Give"), bad
    booking.refresh_from_db()
    assert booking.start == next_monday_at(9)


def test_only_those_who_may_reschedule_move(client, maya, service):
    booking = booking_at(maya, service, next_monday_at(9))
    client.force_login(member(STAFF))
    day = booking.start.date().isoformat()

    assert client.get(move_url(booking)).status_code == 403
    assert client.post(move_url(booking), {"start": f"{day}T14:00"}).status_code == 403
    booking.refresh_from_db()
    assert booking.start == next_monday_at(9)


def test_the_move_page_lists_free_times_including_those_overlapping_itself(
    admin, maya, service
):
    booking = booking_at(maya, service, next_monday_at(9))
    booking_at(maya, service, next_monday_at(12))  # someone else's, at 12:00 UTC
    day = booking.start.date().isoformat()

    page = admin.get(move_url(booking), {"day": day}).content.decode()

    assert "09:00 (now)" in page
    assert f'value="{day}T09:30:00+00:00"' in page  # overlaps only itself
    assert f'value="{day}T12:00:00+00:00"' not in page  # the other booking's
    moved = admin.post(
        move_url(booking), {"start": f"{day}T09:30:00+00:00", "next": CALENDAR}
    )
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == next_monday_at(9, 30)
