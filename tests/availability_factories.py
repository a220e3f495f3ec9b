"""Helpers for availability tests and benchmarks: hours through the real API, and
booking history made fast with `bulk_create` (history is data, not a flow under test;
bookings a test acts on go through `booking.lifecycle.services`)."""

import itertools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission

from booking.core.models import Booking, Consultant, Service
from booking.core.states import BookingStatus
from booking.scheduling import hours
from tests.factories import UserFactory

_numbers = itertools.count(1)


def weekly_hours(
    consultant: Consultant,
    weekdays: Iterable[int] = range(5),
    start: str = "09:00",
    end: str = "13:00",
    starts_on: date = date(2020, 1, 1),
    ends_on: date | None = None,
) -> hours.Entry:
    return hours.add_working_hours(
        consultant=consultant,
        weekdays=weekdays,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        starts_on=starts_on,
        ends_on=ends_on,
    )


def local(consultant: Consultant, day: date, at: str) -> datetime:
    """An aware datetime: `at` o'clock on `day` in the consultant's zone."""
    return datetime.combine(day, time.fromisoformat(at), consultant.zone)


def bulk_bookings(
    *,
    consultant: Consultant,
    service: Service,
    starts: Iterable[datetime],
    status: str = BookingStatus.COMPLETED,
    batch_size: int = 2000,
) -> int:
    """Insert one booking per start in a few statements; returns how many."""
    objects = (_booking(consultant, service, start, status) for start in starts)
    total = 0
    while batch := list(itertools.islice(objects, batch_size)):
        Booking.objects.bulk_create(batch)
        total += len(batch)
    return total


def _booking(consultant, service, start, status) -> Booking:
    number = next(_numbers)
    return Booking(
        reference=f"HX-{number:09d}",
        consultant=consultant,
        service=service,
        status=status,
        start=start,
        end=start + service.duration,
        # Seats of one group session share its key, as the booking services
        # give them (PostgreSQL's no-overlap constraint allows only those).
        slot_key=(
            f"group:{service.pk}:{start.isoformat()}"
            if service.is_group
            else f"own:history{number}"
        ),
        client_name="History Client",
        client_email=f"history{number}@example.test",
        client_time_zone=consultant.time_zone,
        amount=service.price,
        currency=service.currency,
    )


def daily_starts(
    consultant: Consultant, first_day: date, days: int, hours: Iterable[int]
) -> list[datetime]:
    """Sessions at each of `hours` (local) on every weekday of `days` days."""
    hours = list(hours)
    return [
        datetime.combine(day, time(hour), consultant.zone)
        for day in (first_day + timedelta(days=n) for n in range(days))
        if day.weekday() < 5
        for hour in hours
    ]


def admin_user(*codenames: str, **fields):
    """A user who may enter the Wagtail admin and holds these `booking` perms."""
    user = UserFactory(**fields)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="booking", codename__in=codenames
        )
        | Permission.objects.filter(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return type(user).objects.get(pk=user.pk)
