"""Free slots: what a client is offered, computed from working hours, time off and
bookings (DESIGN §4)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from schedule.models import Calendar, Event

from booking.core.errors import InvalidBookingData, SlotTaken
from booking.core.models import Booking
from booking.demo.availability import load_demo_availability
from booking.lifecycle import services
from booking.scheduling import hours, slots
from tests.availability_factories import (
    bulk_bookings,
    daily_starts,
    local,
    weekly_hours,
)
from tests.factories import ConsultantFactory, ServiceFactory, user_with_perms

MONDAY = date(2026, 6, 1)
DAY = timedelta(days=1)
MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"]


@pytest.fixture
def consultant(db):
    return ConsultantFactory(open_hours=False, time_zone="Europe/Berlin")


@pytest.fixture
def service(consultant):
    return ServiceFactory(
        consultants=[consultant],
        duration_minutes=50,
        buffer_before_minutes=0,
        buffer_after_minutes=10,
        minimum_notice_minutes=0,
        booking_window_days=365,
    )


def slots_between(consultant, service, first, last, *, now=None):
    """Slots from the start of local day `first` to the end of local day `last`."""
    start = local(consultant, first, "00:00")
    return slots.free_slots(
        consultant=consultant,
        service=service,
        start=start,
        end=local(consultant, last + DAY, "00:00"),
        now=now or start - DAY,
    )


def on(day, slots, consultant) -> list[str]:
    """Local start times of the slots on `day`."""
    starts = [slot.start.astimezone(consultant.zone) for slot in slots]
    return [f"{start:%H:%M}" for start in starts if start.date() == day]


def days_with_slots(slots, consultant) -> set[date]:
    return {slot.start.astimezone(consultant.zone).date() for slot in slots}


def soon_monday(consultant) -> date:
    """A Monday two to three weeks from today, for bookings made through services."""
    today = timezone.now().astimezone(consultant.zone).date()
    return today + timedelta(days=14 + (7 - today.weekday()) % 7)


def book(consultant, service, start, *, approve=True, **client):
    perms = ("add_booking", "approve_booking") if approve else ("add_booking",)
    return services.create_admin_booking(
        actor=user_with_perms(*perms),
        consultant=consultant,
        service=service,
        start=start,
        client_name="Ada Client",
        client_email=client.pop("client_email", f"ada{start:%d%H%M}@example.com"),
        **client,
    )


# --- working hours, dates and time off ---------------------------------------------


def test_weekly_hours_give_slots_on_the_chosen_days_only(consultant, service):
    weekly_hours(consultant, weekdays=[0, 2], start="09:00", end="13:00")
    weekly_hours(consultant, weekdays=[2], start="14:00", end="16:00")

    slots = slots_between(consultant, service, MONDAY, MONDAY + 6 * DAY)

    assert days_with_slots(slots, consultant) == {MONDAY, MONDAY + 2 * DAY}
    assert on(MONDAY, slots, consultant) == MORNING
    assert on(MONDAY + 2 * DAY, slots, consultant) == [
        *MORNING,
        "14:00",
        "14:30",
        "15:00",
    ]
    assert all(slot.end - slot.start == timedelta(minutes=50) for slot in slots)
    assert all(slot.start.utcoffset() == timedelta(0) for slot in slots)
    assert {slot.seats_left for slot in slots} == {1}


def test_weekly_hours_start_and_end_on_their_dates(consultant, service):
    weekly_hours(
        consultant, weekdays=[0], starts_on=MONDAY + DAY, ends_on=MONDAY + 14 * DAY
    )

    slots = slots_between(consultant, service, MONDAY, MONDAY + 27 * DAY)

    assert days_with_slots(slots, consultant) == {MONDAY + 7 * DAY, MONDAY + 14 * DAY}


def test_weekly_hours_need_a_weekday_in_their_dates(consultant):
    with pytest.raises(InvalidBookingData, match="None of the chosen weekdays"):
        weekly_hours(
            consultant, weekdays=[0], starts_on=MONDAY + DAY, ends_on=MONDAY + 5 * DAY
        )


def test_hours_must_end_after_they_start(consultant):
    with pytest.raises(InvalidBookingData, match="end after they start"):
        weekly_hours(consultant, start="13:00", end="09:00")


def test_time_off_removes_whole_days_and_hours(consultant, service):
    weekly_hours(consultant)
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, MONDAY, "00:00"),
        end=local(consultant, MONDAY + 2 * DAY, "00:00"),
        note="Conference",
    )
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, MONDAY + 3 * DAY, "10:00"),
        end=local(consultant, MONDAY + 3 * DAY, "11:00"),
    )

    slots = slots_between(consultant, service, MONDAY, MONDAY + 4 * DAY)

    assert days_with_slots(slots, consultant) == {
        MONDAY + 2 * DAY,
        MONDAY + 3 * DAY,
        MONDAY + 4 * DAY,
    }
    assert on(MONDAY + 3 * DAY, slots, consultant) == [
        "09:00",
        "11:00",
        "11:30",
        "12:00",
    ]


def test_hours_on_a_date_replace_that_days_weekly_hours(consultant, service):
    weekly_hours(consultant, weekdays=range(5))
    wednesday, saturday = MONDAY + 2 * DAY, MONDAY + 5 * DAY
    for day, start, end in [
        (wednesday, "14:00", "15:00"),
        (saturday, "10:00", "12:00"),
    ]:
        hours.add_date_hours(
            consultant=consultant,
            day=day,
            start_time=datetime.strptime(start, "%H:%M").time(),
            end_time=datetime.strptime(end, "%H:%M").time(),
        )

    slots = slots_between(consultant, service, MONDAY, MONDAY + 6 * DAY)

    assert on(MONDAY + DAY, slots, consultant) == MORNING
    assert on(wednesday, slots, consultant) == ["14:00"]
    assert on(saturday, slots, consultant) == ["10:00", "10:30", "11:00"]


def test_a_cancelled_occurrence_is_dropped_and_a_moved_one_moves(consultant, service):
    entry = weekly_hours(consultant, weekdays=[0])
    event = Event.objects.get(pk=entry.id)
    event.get_occurrence(local(consultant, MONDAY, "09:00")).cancel()
    event.get_occurrence(local(consultant, MONDAY + 7 * DAY, "09:00")).move(
        local(consultant, MONDAY + 8 * DAY, "15:00"),
        local(consultant, MONDAY + 8 * DAY, "16:00"),
    )

    slots = slots_between(consultant, service, MONDAY, MONDAY + 20 * DAY)

    assert days_with_slots(slots, consultant) == {MONDAY + 8 * DAY, MONDAY + 14 * DAY}
    assert on(MONDAY + 8 * DAY, slots, consultant) == ["15:00"]


def test_each_consultant_gets_one_calendar(consultant):
    calendar = hours.consultant_calendar(consultant)
    weekly_hours(consultant)
    consultant.refresh_from_db()

    assert consultant.calendar == calendar
    assert Calendar.objects.get_calendar_for_object(consultant) == calendar
    assert hours.consultant_calendar(consultant) == calendar
    assert Calendar.objects.count() == 1


def test_entries_read_as_a_person_wrote_them(consultant):
    weekly_hours(
        consultant,
        weekdays=[0, 2],
        start="09:00",
        end="13:00",
        starts_on=date(2025, 12, 1),
        ends_on=date(2026, 3, 31),
    )
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, date(2025, 12, 24), "00:00"),
        end=local(consultant, date(2025, 12, 27), "00:00"),
        note="Holidays",
    )

    entries = hours.availability_entries(consultant=consultant)

    assert [str(entry) for entry in entries] == [
        "Mon, Wed 09:00–13:00, from Mon 1 Dec 2025 until Tue 31 Mar 2026",
        "Wed 24 Dec 2025 – Fri 26 Dec 2025 (whole days)",
    ]
    assert entries[1].note == "Holidays"


def test_changing_and_removing_an_entry(consultant, service):
    entry = weekly_hours(consultant, weekdays=[0])
    hours.add_working_hours(
        consultant=consultant,
        weekdays=[1],
        start_time=entry.start.time(),
        end_time=entry.end.time(),
        starts_on=entry.start.date(),
        entry_id=entry.id,
    )

    slots = slots_between(consultant, service, MONDAY, MONDAY + 6 * DAY)
    assert days_with_slots(slots, consultant) == {MONDAY + DAY}
    with pytest.raises(InvalidBookingData, match="is weekly hours, not time off"):
        hours.add_time_off(
            consultant=consultant,
            start=local(consultant, MONDAY, "09:00"),
            end=local(consultant, MONDAY, "10:00"),
            entry_id=entry.id,
        )

    hours.remove_entry(consultant=consultant, entry_id=entry.id)
    assert slots_between(consultant, service, MONDAY, MONDAY + 6 * DAY) == []


# --- rules of the service and the consultant ---------------------------------------


def test_minimum_notice_hides_slots_that_start_too_soon(consultant, service):
    weekly_hours(consultant)
    service.minimum_notice_minutes = 120

    slots = slots_between(
        consultant, service, MONDAY, MONDAY, now=local(consultant, MONDAY, "08:00")
    )

    assert on(MONDAY, slots, consultant) == MORNING[2:]


def test_booking_window_hides_slots_too_far_ahead(consultant, service):
    weekly_hours(consultant)
    service.booking_window_days = 7

    slots = slots_between(
        consultant,
        service,
        MONDAY,
        MONDAY + 20 * DAY,
        now=local(consultant, MONDAY, "08:00"),
    )

    assert days_with_slots(slots, consultant) == {MONDAY + n * DAY for n in range(5)}


def test_buffers_keep_time_free_around_bookings(consultant, service):
    weekly_hours(consultant)
    monday = soon_monday(consultant)
    book(consultant, service, local(consultant, monday, "10:00"))
    intake = ServiceFactory(
        consultants=[consultant],
        duration_minutes=50,
        buffer_before_minutes=15,
        minimum_notice_minutes=0,
    )

    assert on(
        monday, slots_between(consultant, service, monday, monday), consultant
    ) == [
        "09:00",
        "11:00",
        "11:30",
        "12:00",
    ]
    assert on(
        monday, slots_between(consultant, intake, monday, monday), consultant
    ) == [
        "09:00",
        "11:30",
        "12:00",
    ]


def test_a_full_day_offers_nothing_more(consultant, service):
    weekly_hours(consultant)
    consultant.max_bookings_per_day = 2
    consultant.save()
    monday = soon_monday(consultant)
    book(consultant, service, local(consultant, monday, "09:00"))

    assert (
        len(on(monday, slots_between(consultant, service, monday, monday), consultant))
        > 1
    )

    book(consultant, service, local(consultant, monday, "12:00"))

    slots = slots_between(consultant, service, monday, monday + DAY)
    assert on(monday, slots, consultant) == []
    assert on(monday + DAY, slots, consultant) == MORNING


@pytest.fixture
def group(consultant):
    """A one-hour group session with three seats."""
    return ServiceFactory(
        consultants=[consultant],
        duration_minutes=60,
        buffer_after_minutes=0,
        capacity=3,
        minimum_notice_minutes=0,
    )


def test_a_group_slot_stays_open_until_its_seats_are_taken(consultant, group):
    weekly_hours(consultant)
    consultant.max_bookings_per_day = 1
    consultant.save()
    monday = soon_monday(consultant)
    ten = local(consultant, monday, "10:00")

    book(consultant, group, ten, client_email="one@example.com")
    book(consultant, group, ten, client_email="two@example.com")

    slots = slots_between(consultant, group, monday, monday)
    assert [(s.start, s.seats_left) for s in slots] == [(ten.astimezone(UTC), 1)]

    book(consultant, group, ten, client_email="three@example.com")

    assert slots_between(consultant, group, monday, monday) == []


def test_group_seats_are_counted_per_session(consultant, group):
    weekly_hours(consultant)
    monday = soon_monday(consultant)
    book(consultant, group, local(consultant, monday, "10:00"))

    slots = slots_between(consultant, group, monday, monday)

    seats = {
        f"{s.start.astimezone(consultant.zone):%H:%M}": s.seats_left for s in slots
    }
    assert seats == {"09:00": 3, "10:00": 2, "11:00": 3, "11:30": 3, "12:00": 3}


def test_a_pending_booking_takes_its_slot_until_cancelled_or_rejected(
    consultant, service
):
    weekly_hours(consultant)
    monday = soon_monday(consultant)
    ten = local(consultant, monday, "10:00")

    def offered():
        slots = slots_between(consultant, service, monday, monday)
        return "10:00" in on(monday, slots, consultant)

    assert offered()
    first = book(consultant, service, ten, approve=False)
    assert first.status == "pending"
    assert not offered()

    services.cancel(booking=first, reason="Client changed plans")
    assert offered()

    second = book(consultant, service, ten, approve=False, client_email="b@example.com")
    assert not offered()

    services.reject(
        booking=second, actor=user_with_perms("reject_booking"), reason="Not a fit"
    )
    assert offered()


def test_an_inactive_consultant_or_service_has_no_slots(consultant, service):
    weekly_hours(consultant)
    consultant.is_active = False

    assert slots_between(consultant, service, MONDAY, MONDAY) == []


# --- daylight saving time -----------------------------------------------------------


@pytest.mark.parametrize(
    "zone, before, after, utc_before, utc_after",
    [
        ("Europe/Berlin", date(2026, 3, 23), date(2026, 3, 30), "09:00", "08:00"),
        ("Europe/Berlin", date(2025, 10, 20), date(2025, 10, 27), "08:00", "09:00"),
        ("America/New_York", date(2026, 3, 2), date(2026, 3, 9), "15:00", "14:00"),
        ("America/New_York", date(2025, 10, 27), date(2025, 11, 3), "14:00", "15:00"),
    ],
)
def test_a_weekly_10_oclock_stays_10_oclock_across_a_dst_change(
    service, zone, before, after, utc_before, utc_after
):
    consultant = ConsultantFactory(open_hours=False, time_zone=zone)
    service.consultants.add(consultant)
    weekly_hours(
        consultant, weekdays=[0], start="10:00", end="11:00", starts_on=date(2025, 1, 1)
    )

    slots = slots_between(consultant, service, before, after)

    assert [f"{s.start.astimezone(consultant.zone):%Y-%m-%d %H:%M}" for s in slots] == [
        f"{before} 10:00",
        f"{after} 10:00",
    ]
    assert [f"{s.start:%H:%M}" for s in slots] == [utc_before, utc_after]


@pytest.fixture
def half_hour(service):
    service.duration_minutes = 30
    service.buffer_after_minutes = 0
    return service


def local_labels(slots, consultant, day) -> list[str]:
    starts = [slot.start.astimezone(consultant.zone) for slot in slots]
    return [f"{s:%H:%M%z}" for s in starts if s.date() == day]


@pytest.mark.parametrize(
    "zone, gap_day, offsets",
    [
        ("Europe/Berlin", date(2026, 3, 29), ("+0100", "+0200")),
        ("America/New_York", date(2026, 3, 8), ("-0500", "-0400")),
    ],
)
def test_the_skipped_hour_has_no_slots_and_a_skipped_start_moves_an_hour_on(
    half_hour, zone, gap_day, offsets
):
    """02:30 does not exist that night: hours from 02:30 start at 03:30, as
    iCalendar reads a skipped time; hours from midnight lose the skipped hour."""
    consultant = ConsultantFactory(open_hours=False, time_zone=zone)
    half_hour.consultants.add(consultant)
    weekly_hours(consultant, weekdays=[6], start="02:30", end="05:00")
    week_before = gap_day - 7 * DAY

    slots = slots_between(consultant, half_hour, week_before, gap_day)

    winter, summer = offsets
    assert local_labels(slots, consultant, week_before) == [
        f"{at}{winter}" for at in ("02:30", "03:00", "03:30", "04:00", "04:30")
    ]
    assert local_labels(slots, consultant, gap_day) == [
        f"{at}{summer}" for at in ("03:30", "04:00", "04:30")
    ]

    hours.remove_entry(
        consultant=consultant,
        entry_id=hours.availability_entries(consultant=consultant)[0].id,
    )
    weekly_hours(consultant, weekdays=[6], start="00:00", end="04:00")
    slots = slots_between(consultant, half_hour, gap_day, gap_day)
    assert [label[:5] for label in local_labels(slots, consultant, gap_day)] == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]


@pytest.mark.parametrize(
    "zone, fold_day, repeated, offsets",
    [
        ("Europe/Berlin", date(2025, 10, 26), "02:30", ("+0200", "+0100")),
        ("America/New_York", date(2025, 11, 2), "01:30", ("-0400", "-0500")),
    ],
)
def test_the_repeated_hour_is_offered_twice_and_a_repeated_start_is_the_first(
    half_hour, zone, fold_day, repeated, offsets
):
    """The clock shows the repeated hour twice; both are real, distinct times, each
    labelled with its offset. Hours that start at a repeated time start at its
    first occurrence, as iCalendar reads it."""
    consultant = ConsultantFactory(open_hours=False, time_zone=zone)
    half_hour.consultants.add(consultant)
    weekly_hours(consultant, weekdays=[6], start="00:00", end="04:00")

    labels = local_labels(
        slots_between(consultant, half_hour, fold_day, fold_day), consultant, fold_day
    )

    summer, winter = offsets
    assert (
        labels.count(f"{repeated}{summer}") == labels.count(f"{repeated}{winter}") == 1
    )
    assert len(labels) == 10  # four hours on the clock, five in real time

    hours.remove_entry(
        consultant=consultant,
        entry_id=hours.availability_entries(consultant=consultant)[0].id,
    )
    weekly_hours(consultant, weekdays=[6], start=repeated, end="04:00")
    labels = local_labels(
        slots_between(consultant, half_hour, fold_day, fold_day), consultant, fold_day
    )
    assert labels[0] == f"{repeated}{summer}"


# --- queries -----------------------------------------------------------------------


@pytest.mark.parametrize("history", [10, 10_000])
def test_slots_cost_two_queries_whatever_the_history(
    consultant, service, django_assert_num_queries, history
):
    weekly_hours(consultant, weekdays=[0, 2, 4], start="09:00", end="13:00")
    weekly_hours(consultant, weekdays=[1, 3], start="13:00", end="18:00")
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, MONDAY + 10 * DAY, "00:00"),
        end=local(consultant, MONDAY + 12 * DAY, "00:00"),
    )
    past = daily_starts(consultant, MONDAY - 4000 * DAY, 4000, [9, 10, 11, 14])
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=past[len(past) - (history - 10) :],
    )
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=daily_starts(consultant, MONDAY, 14, [9, 11])[:10],
        status="confirmed",
    )
    assert Booking.objects.count() == history

    with django_assert_num_queries(2):
        slots = slots_between(consultant, service, MONDAY, MONDAY + 59 * DAY)

    assert "09:00" not in on(MONDAY, slots, consultant)
    assert (
        len(days_with_slots(slots, consultant)) == 8 * 5 + 4 - 2
    )  # weekdays - time off


def test_many_consultants_cost_the_same_two_queries(service, django_assert_num_queries):
    team = ConsultantFactory.create_batch(
        5, open_hours=False, time_zone="America/New_York"
    )
    for number, member in enumerate(team):
        weekly_hours(member, weekdays=[number % 5], start="09:00", end="13:00")
    service.consultants.add(*team)
    start = local(team[0], MONDAY, "00:00")

    with django_assert_num_queries(2):
        by_consultant = slots.free_slots_by_consultant(
            consultants=team,
            service=service,
            start=start,
            end=start + 31 * DAY,
            now=start,
        )

    for number, member in enumerate(team):
        assert by_consultant[member.pk] == slots_between(
            member, service, MONDAY, MONDAY + 30 * DAY
        )
        assert days_with_slots(by_consultant[member.pk], member) == {
            MONDAY + (number + 7 * week) * DAY
            for week in range(5)
            if number + 7 * week < 31
        }


def test_open_hours_show_working_time_without_bookings(consultant, service):
    weekly_hours(consultant, weekdays=[0])
    hours.add_time_off(
        consultant=consultant,
        start=local(consultant, MONDAY, "10:00"),
        end=local(consultant, MONDAY, "11:00"),
    )
    start = local(consultant, MONDAY, "00:00")

    spans = slots.open_hours(consultants=[consultant], start=start, end=start + DAY)

    assert [
        (
            f"{s.start.astimezone(consultant.zone):%H:%M}",
            f"{s.end.astimezone(consultant.zone):%H:%M}",
        )
        for s in spans[consultant.pk]
    ] == [("09:00", "10:00"), ("11:00", "13:00")]


# --- ensure_bookable ---------------------------------------------------------------


def new_booking(consultant, service, start, **fields):
    return Booking(
        consultant=consultant,
        service=service,
        start=start.astimezone(UTC),
        end=start + service.duration,
        client_time_zone=fields.pop("client_time_zone", "America/New_York"),
        **fields,
    )


def test_ensure_bookable_accepts_a_free_slot_and_names_the_time_when_taken(
    consultant, service, django_assert_num_queries
):
    weekly_hours(consultant)
    monday = soon_monday(consultant)
    book(consultant, service, local(consultant, monday, "10:00"))

    with django_assert_num_queries(2):
        slots.ensure_bookable(
            booking=new_booking(consultant, service, local(consultant, monday, "11:00"))
        )
    with pytest.raises(SlotTaken) as taken:
        slots.ensure_bookable(
            booking=new_booking(consultant, service, local(consultant, monday, "10:30"))
        )

    def in_new_york(at):
        moment = local(consultant, monday, at).astimezone(ZoneInfo("America/New_York"))
        return f"{moment:%H:%M}"

    message = taken.value.message
    assert f"{monday:%A}" in message
    assert f"{in_new_york('10:30')} (America/New_York)" in message
    free = ", ".join(in_new_york(at) for at in ("09:00", "11:00", "11:30", "12:00"))
    assert f"Free times that day: {free}." in message


def test_ensure_bookable_ignores_the_booking_being_moved(consultant, service):
    weekly_hours(consultant)
    monday = soon_monday(consultant)
    booking = book(consultant, service, local(consultant, monday, "10:00"))

    slots.ensure_bookable(booking=booking)
    booking.start = local(consultant, monday, "10:30").astimezone(UTC)
    slots.ensure_bookable(booking=booking)


def test_ensure_bookable_refuses_a_start_off_the_grid_or_outside_hours(
    consultant, service
):
    weekly_hours(consultant)
    monday = soon_monday(consultant)

    for at in ("10:10", "12:30", "18:00"):
        with pytest.raises(SlotTaken):
            slots.ensure_bookable(
                booking=new_booking(consultant, service, local(consultant, monday, at))
            )


def test_ensure_bookable_explains_notice_and_window(consultant, service):
    weekly_hours(consultant)
    service.minimum_notice_minutes = 24 * 60
    service.booking_window_days = 30
    now = local(consultant, MONDAY, "08:00")

    with pytest.raises(InvalidBookingData, match="at least 1 day ahead"):
        slots.ensure_bookable(
            booking=new_booking(
                consultant, service, local(consultant, MONDAY, "10:00")
            ),
            now=now,
        )
    with pytest.raises(InvalidBookingData, match="up to 30 days ahead"):
        slots.ensure_bookable(
            booking=new_booking(
                consultant, service, local(consultant, MONDAY + 35 * DAY, "10:00")
            ),
            now=now,
        )


# --- demo data ---------------------------------------------------------------------


def test_demo_availability_gives_each_consultant_their_own_week(service):
    team = ConsultantFactory.create_batch(4, open_hours=False)
    service.consultants.add(*team)

    load_demo_availability(team)
    load_demo_availability(team)  # a second run changes nothing

    weeks = set()
    for member in team:
        member.refresh_from_db()
        entries = hours.availability_entries(consultant=member)
        kinds = {entry.kind for entry in entries}
        assert kinds == set(hours.Kind), member
        weeks.add(tuple(str(e) for e in entries if e.kind == "weekly_hours"))
        today = timezone.now().astimezone(member.zone).date()
        slots = slots_between(member, service, today + DAY, today + 10 * DAY)
        weekdays = {
            today + n * DAY for n in range(1, 11) if (today + n * DAY).weekday() < 5
        }
        # The demo bookings are made at 10:00 on weekdays in the coming days.
        assert weekdays <= {
            s.start.astimezone(member.zone).date()
            for s in slots
            if f"{s.start.astimezone(member.zone):%H:%M}" == "10:00"
        }
    assert len(weeks) == 4
