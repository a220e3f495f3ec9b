"""The calendar in the Wagtail admin: month, week and day views, for one consultant
or everyone, with working hours, time off and bookings coloured by status and
linked; who sees whose calendar; and a query count that does not grow with the
calendar's contents."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.users.models import UserProfile

from booking.core.models import Service
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, STAFF, ensure_roles
from booking.core.states import BookingStatus as S
from booking.scheduling import hours
from tests.availability_factories import bulk_bookings, local, weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

CALENDAR = "/admin/calendar/"
MONDAY = date(2030, 1, 7)


def member(group: str):
    ensure_roles()
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group))
    return type(user).objects.get(pk=user.pk)


def consultant_working(name, time_zone, start, end):
    """A consultant working only these hours, on weekdays."""
    consultant = ConsultantFactory(name=name, time_zone=time_zone, open_hours=False)
    weekly_hours(consultant, weekdays=range(5), start=start, end=end)
    return consultant


@pytest.fixture
def maya():
    consultant = consultant_working("Maya Stone", "Europe/Berlin", "09:00", "13:00")
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, MONDAY + timedelta(days=2), "00:00"),
        end=local(consultant, MONDAY + timedelta(days=3), "00:00"),
        note="Training",
    )
    consultant.refresh_from_db()
    return consultant


@pytest.fixture
def noah():
    return consultant_working("Noah Park", "America/New_York", "14:00", "18:00")


@pytest.fixture
def service(maya, noah):
    return ServiceFactory(title="Counselling", consultants=[maya, noah])


def booking_at(consultant, service, day, at, status=S.CONFIRMED):
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=[local(consultant, day, at)],
        status=status,
    )
    return consultant.bookings.latest("pk")


def inspect_url(booking):
    return reverse("bookings:inspect", args=(booking.pk,))


def in_zone(user, name: str):
    """The user's Wagtail account preference for their time zone."""
    profile = UserProfile.get_for_user(user)
    profile.current_time_zone = name
    profile.save()
    return user


@pytest.fixture
def as_admin(client):
    client.force_login(in_zone(member(BOOKING_ADMINS), "Europe/Berlin"))
    return client


def test_a_week_shows_hours_time_off_and_bookings_coloured_and_linked(
    as_admin, maya, service
):
    confirmed = booking_at(maya, service, MONDAY, "10:00")
    pending = booking_at(maya, service, MONDAY + timedelta(days=1), "11:00", S.PENDING)

    html = as_admin.get(
        CALENDAR, {"view": "week", "date": "2030-01-09", "consultant": maya.pk}
    ).content.decode()

    assert "7 Jan – 13 Jan 2030" in html
    assert "Times are Europe/Berlin" in html
    assert html.count("cal-block--hours") == 4  # Mon, Tue, Thu, Fri (Wed is off)
    assert "Working hours 09:00–13:00" in html
    assert "cal-block--time-off" in html and "Training" in html
    for booking in (confirmed, pending):
        entry = html[html.index(f"cal-entry booking-status--{booking.status}") :]
        assert entry.index(f'href="{inspect_url(booking)}"') < 600
    assert '10:00–10:50</span><span class="cal-entry__line">History Client' in html
    # The grid runs 09:00–13:00, her working hours: the block fills it.
    assert "top: 0.0%; height: 100.0%" in html
    assert "<span>08:00</span>" not in html and "<span>12:00</span>" in html


def test_a_month_lists_each_days_bookings_and_links_to_the_day(as_admin, maya, service):
    first = booking_at(maya, service, MONDAY, "09:00")
    for hour in ("10:00", "11:00", "12:00", "12:50"):
        booking_at(maya, service, MONDAY + timedelta(days=1), hour)

    html = as_admin.get(
        CALENDAR, {"view": "month", "date": "2030-01-20", "consultant": maya.pk}
    ).content.decode()

    assert "January 2030" in html
    assert inspect_url(first) in html
    assert "09:00–13:00" in html  # the day's hours
    assert "Training" in html
    assert "view=day&amp;date=2030-01-08" in html
    assert "1 more" not in html  # four fit in a cell
    assert html.count('class="cal-cell') == 35  # 30 Dec 2029 … 2 Feb 2030 is 5 weeks


def test_a_day_for_everyone_has_a_column_per_consultant(as_admin, maya, noah, service):
    hers = booking_at(maya, service, MONDAY, "10:00")
    his = booking_at(noah, service, MONDAY, "15:00")

    html = as_admin.get(
        CALENDAR, {"view": "day", "date": "2030-01-07"}
    ).content.decode()

    assert "Monday 7 January 2030" in html
    assert 'aria-label="Maya Stone"' in html and 'aria-label="Noah Park"' in html
    assert inspect_url(hers) in html and inspect_url(his) in html


def test_overlapping_bookings_share_the_column(as_admin, maya, noah, service):
    booking_at(maya, service, MONDAY, "10:00")
    booking_at(noah, service, MONDAY, "04:00")  # 10:00 in Berlin

    html = as_admin.get(
        CALENDAR, {"view": "week", "date": "2030-01-07"}
    ).content.decode()

    assert html.count("left: 0.0%; width: 50.0%") == 1
    assert html.count("left: 50.0%; width: 50.0%") == 1
    # One person's time off is named, not hatched over everyone's day.
    assert "Maya Stone: Training" in html and "cal-block--time-off" not in html


def test_a_workshop_is_one_block_with_its_seats_and_type(as_admin, maya, service):
    workshop = ServiceFactory(
        title="Clay", consultants=[maya], kind=Service.Kind.WORKSHOP, capacity=12
    )
    start = local(maya, MONDAY, "10:00")
    bulk_bookings(consultant=maya, service=workshop, starts=[start] * 11)
    bulk_bookings(consultant=maya, service=workshop, starts=[start], status=S.CANCELLED)
    single = booking_at(maya, service, MONDAY, "12:00")
    seats = workshop.bookings.all()

    week = {"view": "week", "date": "2030-01-07", "consultant": maya.pk}
    html = as_admin.get(CALENDAR, {**week, "cancelled": "1"}).content.decode()

    assert html.count("cal-entry--meeting") == 1
    assert html.count('class="cal-entry ') == 2  # the workshop and the session
    assert "11/12 seats" in html and "Workshop · Clay" in html
    assert "Workshop: 11 of 12 seats taken" in html  # in its popover
    assert "See the participants" in html
    assert f"service={workshop.pk}&amp;start_from=2030-01-07" in html
    assert not any(inspect_url(seat) in html for seat in seats)
    assert inspect_url(single) in html  # one-to-one as before
    month = as_admin.get(CALENDAR, {**week, "view": "month"}).content.decode()
    assert "10:00 Clay · 11/12" in month
    assert "Workshop: Clay, 11 of 12 seats taken" in month


def test_the_calendar_moves_by_its_period(as_admin, maya):
    week = as_admin.get(
        CALENDAR, {"view": "week", "date": "2030-01-09"}
    ).content.decode()
    month = as_admin.get(
        CALENDAR, {"view": "month", "date": "2030-01-31"}
    ).content.decode()

    assert "date=2029-12-31" in week and "date=2030-01-14" in week
    assert "date=2029-12-01" in month and "date=2030-02-01" in month


def test_the_calendar_is_keyboard_navigable_and_loads_nothing_from_elsewhere(
    as_admin, maya
):
    html = as_admin.get(CALENDAR).content.decode()

    for key in ("left", "right", "t", "m", "w", "d"):
        assert f'data-w-kbd-key-value="{key}"' in html
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css)[^"]*)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources


def test_a_consultant_sees_only_their_own_calendar(client, maya, noah, service):
    hers = booking_at(maya, service, MONDAY, "10:00")
    his = booking_at(noah, service, MONDAY, "15:00")
    maya.user = member(CONSULTANTS)
    maya.save()
    client.force_login(maya.user)

    own = client.get(CALENDAR, {"view": "week", "date": "2030-01-07"})
    other = client.get(CALENDAR, {"consultant": noah.pk})

    html = own.content.decode()
    assert own.status_code == 200
    assert inspect_url(hers) in html and inspect_url(his) not in html
    assert "Whose calendar" not in html
    assert other.status_code == 403
    assert "You may only see your own calendar" in other.content.decode()


def test_staff_see_everyones_calendar_and_others_none(client, maya, service):
    booking = booking_at(maya, service, MONDAY, "10:00")
    client.force_login(member(STAFF))

    html = client.get(CALENDAR, {"date": "2030-01-07"}).content.decode()

    assert inspect_url(booking) in html and "Whose calendar" in html
    assert "New phone booking" not in html
    client.force_login(member("Editors"))
    assert client.get(CALENDAR).status_code == 403


def test_the_calendar_costs_the_same_queries_however_full(
    as_admin, maya, noah, service
):
    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            assert as_admin.get(CALENDAR, params).status_code == 200
        return len(captured)

    month = {"view": "month", "date": "2030-01-07"}
    queries(**month)  # the first request fills Wagtail's cache of site root paths
    empty = queries(**month)
    starts = [
        datetime(2030, 1, day, hour, tzinfo=UTC)
        for day in range(1, 31)
        for hour in range(8, 16)
    ]
    for consultant in (maya, noah):
        bulk_bookings(consultant=consultant, service=service, starts=starts)
    for n in range(5):
        weekly_hours(ConsultantFactory(name=f"Extra {n}"), weekdays=[n])

    assert queries(**month) == empty
    assert queries(view="week", date="2030-01-07") == empty
    assert queries(view="day", date="2030-01-07") == empty
