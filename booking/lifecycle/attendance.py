"""Attendance: after a meeting has begun, the booking's consultant (for their own
bookings) or a booking admin marks the client and each named participant present
or absent. It is a record of who came; the booking's state does not change (a
no-show and completing stay their own actions, with their own rules)."""

from django.db import transaction
from django.utils import timezone

from booking.core.errors import InvalidBookingData, InvalidTransition, NotPermitted
from booking.core.models import Booking, is_own_session
from booking.core.states import Attendance, BookingStatus
from booking.lifecycle.steps import locked, log_change, save
from booking.participants.models import BookingParticipant

S = BookingStatus

# Sessions that took place, or were kept for the client: those whose party came
# or did not.
MARKABLE = (S.CONFIRMED, S.COMPLETED, S.NO_SHOW)
CLIENT = "client"


def may_mark(booking: Booking, user) -> bool:
    """The booking's own consultant, or whoever may complete bookings."""
    return user.has_perm("booking.complete_booking") or is_own_session(booking, user)


def refusal(booking: Booking, user, now=None) -> str:
    """Why `user` may not mark this booking's attendance now; empty when they
    may."""
    if not may_mark(booking, user):
        return "Only the booking's consultant or a booking admin marks attendance."
    if booking.status not in MARKABLE:
        return (
            f"Booking {booking.reference} is {booking.status_label.lower()}; "
            "attendance is marked for confirmed and held sessions."
        )
    if booking.start > (now or timezone.now()):
        return (
            f"Booking {booking.reference} has not begun yet; mark attendance once "
            "the meeting has started."
        )
    return ""


def can_mark(booking: Booking, user) -> bool:
    return not refusal(booking, user)


@transaction.atomic
def mark(*, booking: Booking, actor, marks: dict[str, str]) -> Booking:
    """Record attendance: `marks` maps "client" or a participant's id to
    "present", "absent" or "" (not marked). People left out keep their mark."""
    booking = locked(booking)
    problem = refusal(booking, actor)
    if problem:
        raise (NotPermitted if not may_mark(booking, actor) else InvalidTransition)(
            problem
        )
    allowed = {*Attendance.values, ""}
    if any(value not in allowed for value in marks.values()):
        raise InvalidBookingData("Mark each person present, absent or not marked.")
    named = {str(p.pk): p for p in booking.participants.all()}
    unknown = set(marks) - set(named) - {CLIENT}
    if unknown:
        raise InvalidBookingData(
            f"Booking {booking.reference} has no participant "
            f"{', '.join(sorted(unknown))}; reload the page and mark again."
        )
    if CLIENT in marks:
        booking.attendance = marks[CLIENT]
        save(booking, ["attendance"])
    changed = [p for key, p in named.items() if key in marks]
    for participant in changed:
        participant.attendance = marks[str(participant.pk)]
    BookingParticipant.objects.bulk_update(changed, ["attendance"])
    everyone = [booking.attendance, *(p.attendance for p in named.values())]
    log_change(
        booking,
        "booking.attendance",
        actor=actor,
        from_state=booking.status,
        to_state=booking.status,
        # Counts, not names: the log outlives an erasure of the party's names.
        data={mark: everyone.count(mark) for mark in Attendance.values},
    )
    return booking
