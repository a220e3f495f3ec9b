"""Demo availability: each consultant gets their own week, a Saturday clinic or a
short day, and some time off, all relative to today so the demo never goes stale.

Every pattern covers weekday mornings at 10:00, where the demo bookings are made."""

from collections.abc import Iterable
from datetime import date, time, timedelta

from django.utils import timezone

from booking.core.models import Consultant
from booking.scheduling import hours

MON, TUE, WED, THU, FRI, SAT = range(6)

# Per consultant, in turn: weekly hours as (weekdays, from, until, weeks they last).
WEEKS = [
    [
        ((MON, TUE, WED, THU, FRI), "09:00", "13:00", None),
        ((TUE, THU), "14:00", "18:00", None),
    ],
    [
        ((MON, TUE, WED, THU, FRI), "08:30", "12:30", None),
        ((MON, WED), "13:30", "17:00", 12),
    ],
    [
        ((MON, TUE, WED, THU, FRI), "10:00", "14:00", None),
        ((SAT,), "09:00", "12:00", None),
    ],
    [
        ((MON, TUE, WED, THU, FRI), "09:30", "12:30", None),
        ((MON, THU), "16:00", "20:00", None),
    ],
]


def load_demo_availability(consultants: Iterable[Consultant]) -> None:
    """Give each consultant without availability a believable week. Safe to run
    again: consultants who already have entries are left alone."""
    today = timezone.localdate()
    for number, consultant in enumerate(consultants):
        if hours.availability_entries(consultant=consultant):
            continue
        for weekdays, start, end, weeks in WEEKS[number % len(WEEKS)]:
            hours.add_working_hours(
                consultant=consultant,
                weekdays=weekdays,
                start_time=time.fromisoformat(start),
                end_time=time.fromisoformat(end),
                starts_on=today - timedelta(days=7),
                ends_on=weeks and today + timedelta(weeks=weeks),
            )
        _short_day(consultant, today + timedelta(days=14 + number))
        _week_off(consultant, today + timedelta(weeks=4 + 2 * number))


def _short_day(consultant: Consultant, day: date) -> None:
    while day.weekday() >= SAT:
        day += timedelta(days=1)
    hours.add_date_hours(
        consultant=consultant,
        day=day,
        start_time=time(10),
        end_time=time(12),
        note="Training in the afternoon",
    )


def _week_off(consultant: Consultant, around: date) -> None:
    monday = around - timedelta(days=around.weekday())
    hours.add_time_off(
        consultant=consultant,
        start=hours.local_moment(monday, time(0), consultant.zone),
        end=hours.local_moment(monday + timedelta(days=5), time(0), consultant.zone),
        note="Annual leave",
    )
