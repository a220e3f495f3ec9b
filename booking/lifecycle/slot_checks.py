"""Whether a booking may stand where it is: a free slot of the consultant's
hours (or, for a workshop or course, one of its dates), no overlapping booking
and no waitlist offer holding the time, and for a group enough seats for the
party. Run under the consultant's lock (`steps.lock_schedule`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.utils import timezone

from booking.core.errors import InvalidBookingData, SlotTaken
from booking.core.models import Booking, Service
from booking.core.states import SLOT_HOLDING
from booking.courses.models import CourseMeeting
from booking.scheduling import slots
from booking.waitlist import holds


def ensure_bookable(
    booking: Booking, *, override_reason: str = "", now: datetime | None = None
) -> None:
    """The start must be a free slot of the consultant's hours (unless a booking
    admin overrides that with a reason), and never overlap another booking."""
    if booking.service.kind != Service.Kind.SESSION:
        # Workshops and courses meet at the dates the practice set, not on the
        # consultant's slot grid.
        ensure_meeting(booking, now=now)
        ensure_slot_free(booking)
    elif override_reason:
        ensure_slot_free(booking)
    else:
        # The slot engine read every slot-holding booking of the consultant (and
        # counts group seats) under the same lock: a free slot overlaps nothing,
        # so `ensure_slot_free` would repeat its answer with a query of its own,
        # unless a waitlist offer (which the engine does not read) holds the time.
        slots.ensure_bookable(booking=booking, now=now)
        if holds.overlapping_offers(
            consultant_id=booking.consultant_id, start=booking.start, end=booking.end
        ):
            ensure_slot_free(booking)


def ensure_meeting(booking: Booking, *, now: datetime | None = None) -> None:
    meeting = CourseMeeting.objects.filter(
        service_id=booking.service_id, start=booking.start
    ).first()
    if meeting is None:
        raise InvalidBookingData(
            f"“{booking.service}” does not meet at that time; choose one of its dates."
        )
    if meeting.start <= (now or timezone.now()):
        raise InvalidBookingData(
            f"The meeting of “{booking.service}” at "
            f"{local_start(booking):%A %d %B, %H:%M} has already begun."
        )


def ensure_slot_free(booking: Booking) -> None:
    """Under the consultant's lock: no slot-holding booking overlaps this one, except
    other seats of the same group session while seats remain."""
    overlapping = Booking.objects.filter(
        consultant_id=booking.consultant_id,
        status__in=SLOT_HOLDING,
        start__lt=booking.end,
        end__gt=booking.start,
    ).exclude(pk=booking.pk)
    service = booking.service
    held = holds.held_against(
        service_id=service.pk,
        start=booking.start,
        consultant_id=booking.consultant_id,
        email=booking.client_email,
        # A one-to-one booking is held off by any offer overlapping its time.
        end=None if service.is_group else booking.end,
    )
    if not service.is_group:
        if overlapping.exists() or held:
            raise slot_taken(booking)
        return
    same_session = Q(service_id=service.pk, start=booking.start)
    if overlapping.exclude(same_session).exists():
        raise slot_taken(booking)
    taken = overlapping.filter(same_session).aggregate(n=Sum("seats"))["n"] or 0
    left = service.capacity - taken - held
    if booking.seats > left:
        raise SlotTaken(
            f"The group session at {local_start(booking):%A %d %B, %H:%M} is full. "
            "Please choose another time."
            if left <= 0
            else f"The group session at {local_start(booking):%A %d %B, %H:%M} "
            f"has {left} seat{'s' * (left != 1)} left, for a party of "
            f"{booking.seats}. Please choose another time or bring fewer people."
        )


def slot_taken(booking: Booking) -> SlotTaken:
    return SlotTaken(
        f"Sorry, {booking.consultant} is no longer free at "
        f"{local_start(booking):%A %d %B, %H:%M} ({booking.client_time_zone}). Please "
        "choose another time."
    )


def local_start(booking: Booking) -> datetime:
    return booking.start.astimezone(ZoneInfo(booking.client_time_zone))
