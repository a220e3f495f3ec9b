"""A course's meetings: made from a rule ("8 Tuesdays from 12 January, 18:00–19:30,
not 26 January"), and moved by the practice for every participant at once."""

from datetime import date, datetime, time, timedelta

from django.db import transaction

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.core.models import Booking, Consultant, Service
from booking.core.states import MOVABLE, BookingStatus
from booking.courses.models import CourseMeeting
from booking.lifecycle.slot_checks import ensure_slot_free
from booking.lifecycle.steps import (
    aware_utc,
    lock_schedule,
    log_change,
    save,
    slot_key,
)
from booking.notifications import outbox
from booking.scheduling.hours import local_moment

S = BookingStatus
MOVED_WITH_MEETING = (S.DRAFT, *MOVABLE)


def meeting_dates(
    *,
    first_day: date,
    count: int,
    start_time: time,
    end_time: time,
    zone,
    every_weeks: int = 1,
    exceptions=(),
) -> list[tuple[datetime, datetime]]:
    """`count` meetings on `first_day`'s weekday, every `every_weeks` weeks,
    skipping the `exceptions` (a skipped date does not count)."""
    if not 1 <= count <= 52:
        raise InvalidBookingData("A course has between 1 and 52 meetings.")
    if end_time <= start_time:
        raise InvalidBookingData("A meeting must end after it starts.")
    skipped = set(exceptions)
    found, day = [], first_day
    while len(found) < count:
        if day not in skipped:
            found.append(
                (
                    local_moment(day, start_time, zone),
                    local_moment(day, end_time, zone),
                )
            )
        day += timedelta(weeks=every_weeks)
        if day > first_day + timedelta(weeks=every_weeks * (count + len(skipped))):
            break
    return found


@transaction.atomic
def set_meetings(*, service: Service, actor, dates) -> list[CourseMeeting]:
    """Replace a course's (or workshop's) meetings, while nobody has booked it."""
    if not actor.has_perm("booking.change_service"):
        raise NotPermitted("You do not have permission to change services.")
    if service.kind == Service.Kind.SESSION:
        raise InvalidBookingData(
            f"“{service}” is a session; set its type to workshop or course first."
        )
    if service.kind == Service.Kind.WORKSHOP and len(dates) != 1:
        raise InvalidBookingData("A workshop meets once; give it one date.")
    if Booking.objects.filter(service=service).exists():
        raise InvalidBookingData(
            f"“{service}” has bookings already; move its meetings one by one."
        )
    CourseMeeting.objects.filter(service=service).delete()
    return [
        CourseMeeting.objects.create(service=service, start=start, end=end)
        for start, end in dates
    ]


@transaction.atomic
def move_meeting(
    *, meeting: CourseMeeting, start: datetime, actor, reason: str = ""
) -> list[Booking]:
    """Move a meeting and every participant's booking of it; each client is
    emailed once. Refused whole when a consultant is not free at the new time."""
    if not actor.has_perm("booking.reschedule_booking"):
        raise NotPermitted("You do not have permission to reschedule bookings.")
    start = aware_utc(start)
    meeting = CourseMeeting.objects.select_for_update().get(pk=meeting.pk)
    if start == meeting.start:
        raise InvalidBookingData("The meeting already starts at that time.")
    if CourseMeeting.objects.filter(service=meeting.service, start=start).exists():
        raise InvalidBookingData("Another meeting of this course starts then.")
    length = meeting.end - meeting.start
    seats = Booking.objects.filter(
        service=meeting.service, start=meeting.start, status__in=MOVED_WITH_MEETING
    )
    for consultant in Consultant.objects.filter(
        pk__in=seats.values("consultant")
    ).order_by("pk"):
        lock_schedule(consultant)
    moved_from = meeting.start
    meeting.start, meeting.end = start, start + length
    meeting.save(update_fields=["start", "end"])
    moved = list(seats.select_related("consultant", "service").order_by("pk"))
    for booking in moved:
        booking.start, booking.end = meeting.start, meeting.end
        booking.slot_key = slot_key(booking)
        ensure_slot_free(booking)
        save(booking, ["start", "end", "slot_key"])
        log_change(
            booking,
            "booking.reschedule",
            actor=actor,
            to_state=booking.status,
            data={
                "moved_from": moved_from.isoformat(),
                "moved_to": booking.start.isoformat(),
                "meeting": meeting.pk,
            },
            reason=reason,
        )
        if booking.verified_at is not None:
            outbox.queue(booking, "rescheduled")
    return moved
