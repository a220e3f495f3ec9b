"""A group session, a desk that books by phone, and bookings moved to the past so
that their attendance may be marked."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS
from booking.lifecycle import services
from tests.factories import ConsultantFactory, ServiceFactory, member


def group_practice(capacity=4, extra=2, zone="Europe/Berlin"):
    """A consultant with a login, a free group session of `capacity` seats whose
    clients may bring `extra` people, and a booking admin."""
    desk = member(BOOKING_ADMINS, username="desk")
    login = member(CONSULTANTS, username="dr-a")
    consultant = ConsultantFactory(name="Dr A", user=login, time_zone=zone)
    group = ServiceFactory(
        consultants=[consultant],
        title="Couples group",
        capacity=capacity,
        extra_participants=extra,
        price=Decimal("0.00"),
    )
    return consultant, group, desk, login


def phone_booking(desk, consultant, service, start, *, name, participants=()):
    return services.create_admin_booking(
        actor=desk,
        consultant=consultant,
        service=service,
        start=start,
        client_name=name,
        client_email=f"{name.split()[0].lower()}@example.com",
        participants=list(participants),
    )


def began(booking, minutes=30) -> Booking:
    """The booking moved to have begun `minutes` ago (with its series' meetings
    left alone)."""
    start = timezone.now() - timedelta(minutes=minutes)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + booking.service.duration
    )
    return Booking.objects.get(pk=booking.pk)


def local_start(consultant, hour: int):
    """`hour` o'clock in the consultant's own zone a week from today, inside
    their working hours whatever zone the test picked."""
    day = timezone.now().astimezone(consultant.zone).date() + timedelta(days=7)
    return datetime.combine(day, time(hour), tzinfo=consultant.zone)
