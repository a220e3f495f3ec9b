"""Free slots (DESIGN §11): one consultant over 60 days with five years of bookings
and several rules, and 50 consultants over 31 days (the admin calendar's load). Each
is compared with replaying the raw SQL it runs."""

import functools
from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone

from booking.core.models import Consultant, Service
from booking.core.states import BookingStatus
from booking.scheduling import hours, slots
from tests.availability_factories import bulk_bookings, daily_starts, weekly_hours
from tests.benchmarks.harness import (
    Result,
    benchmark,
    recorded_queries,
    replay,
    timed,
)

CONSULTANTS = 50
HISTORY_YEARS = 5
ZONES = ("Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo")
# The budget for one consultant (DESIGN §11): p50 within 3x of the raw SQL.
ONE_CONSULTANT_BUDGET = 3.0


@functools.cache
def practice() -> tuple[list[Consultant], Service]:
    """50 consultants with weekly hours, a Saturday clinic, time off, and five years
    of sessions behind them plus the coming weeks' bookings."""
    today = timezone.localdate()
    service = Service.objects.create(
        title="Individual counselling",
        slug="individual-counselling",
        duration_minutes=50,
        buffer_after_minutes=10,
        minimum_notice_minutes=24 * 60,
        booking_window_days=90,
        price=Decimal("85.00"),
    )
    consultants = Consultant.objects.bulk_create(
        Consultant(
            name=f"Consultant {number:02d}",
            email=f"consultant{number}@haven.test",
            time_zone=ZONES[number % len(ZONES)],
        )
        for number in range(CONSULTANTS)
    )
    service.consultants.set(consultants)
    for number, consultant in enumerate(consultants):
        _availability(consultant, number, today)
        _history(consultant, service, today)
    return consultants, service


def _availability(consultant, number, today) -> None:
    starts_on = today - timedelta(days=365 * HISTORY_YEARS)
    mornings = [day for day in range(5) if day != number % 5]
    weekly_hours(consultant, mornings, "09:00", "13:00", starts_on)
    afternoons = [number % 5, (number + 2) % 5]
    weekly_hours(consultant, afternoons, "14:00", "18:00", starts_on)
    weekly_hours(consultant, [3], "18:00", "20:00", starts_on, today + timedelta(40))
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7)
    hours.add_date_hours(
        consultant=consultant, day=saturday, start_time=time(10), end_time=time(13)
    )
    for first, days in ((10 + number % 7, 3), (45, 7)):
        start = hours.local_moment(
            today + timedelta(days=first), time(0), consultant.zone
        )
        hours.add_time_off(
            consultant=consultant, start=start, end=start + timedelta(days=days)
        )


def _history(consultant, service, today) -> None:
    """Four sessions a weekday for five years (completed), two a weekday ahead."""
    first = today - timedelta(days=365 * HISTORY_YEARS)
    past = daily_starts(consultant, first, (today - first).days, [9, 11, 14, 16])
    ahead = daily_starts(consultant, today + timedelta(days=2), 60, [10, 15])
    bulk_bookings(consultant=consultant, service=service, starts=past)
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=ahead,
        status=BookingStatus.CONFIRMED,
    )


def _compare(compute, *, rounds: int, budget: float | None = None) -> Result:
    queries = recorded_queries(compute)
    return Result(
        figure=timed(compute, rounds=rounds),
        baseline=timed(replay(queries), rounds=rounds),
        queries=len(queries),
        budget=budget,
    )


@benchmark("slots: 1 consultant x 60 days, 5 years of history")
def one_consultant() -> Result:
    consultants, service = practice()
    consultant, now = consultants[0], timezone.now()

    def compute():
        return slots.free_slots(
            consultant=consultant,
            service=service,
            start=now,
            end=now + timedelta(days=60),
            now=now,
        )

    assert compute(), "the benchmark consultant should have free slots"
    return _compare(compute, rounds=200, budget=ONE_CONSULTANT_BUDGET)


@benchmark("slots: 50 consultants x 31 days (admin calendar)")
def many_consultants() -> Result:
    consultants, service = practice()
    now = timezone.now()
    start = hours.local_moment(date.today(), time(0), consultants[0].zone)

    def compute():
        return slots.free_slots_by_consultant(
            consultants=consultants,
            service=service,
            start=start,
            end=start + timedelta(days=31),
            now=now,
        )

    assert all(compute().values()), "every consultant should have free slots"
    return _compare(compute, rounds=30)
