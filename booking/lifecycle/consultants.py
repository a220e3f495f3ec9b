"""A consultant's standing with the practice (applied, verified, suspended, left)
and what a change to it does to their bookings.

Only a verified consultant takes bookings. Suspending one, or recording that they
left, is refused while they still have sessions ahead (the refusal names them),
unless the caller asks to cancel those sessions: each is then cancelled through
`services.cancel` as a booking admin's cancellation (refund by the staff rules,
the client emailed), in the same transaction as the status change."""

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from booking.core.errors import InvalidBookingData
from booking.core.models import Booking, Consultant
from booking.core.states import ACTIVE
from booking.lifecycle import services

Status = Consultant.Status
INACTIVE = (Status.SUSPENDED, Status.LEFT)
STATUS_CHANGED = "booking.consultant.status"


class HasBookingsAhead(InvalidBookingData):
    """The consultant still has sessions ahead; `bookings` lists them."""

    def __init__(self, message: str, bookings: list[Booking]):
        super().__init__(message)
        self.bookings = bookings


def bookings_ahead(consultant: Consultant) -> list[Booking]:
    """Their requested, approved and confirmed sessions that have not started."""
    return list(
        Booking.objects.filter(
            consultant=consultant, status__in=ACTIVE, start__gt=timezone.now()
        )
        .select_related("service")
        .order_by("start")
    )


def describe(booking: Booking, consultant: Consultant) -> str:
    """“MS-ABC234 on Mon 7 Dec 2026, 10:00 CET with Ada”: the client by first
    name only, in the consultant's time zone."""
    local = booking.start.astimezone(consultant.zone)
    first_name = (booking.client_name.split() or ["a client"])[0]
    return (
        f"{booking.reference} on {local:%a} {local.day} {local:%b %Y, %H:%M %Z} "
        f"with {first_name}"
    )


def refusal(consultant: Consultant, bookings: list[Booking], status: str) -> str:
    listed = "; ".join(describe(booking, consultant) for booking in bookings)
    return (
        f"{consultant} still has {len(bookings)} session"
        f"{'s' * (len(bookings) != 1)} ahead: {listed}. Move or cancel "
        f"{'them' if len(bookings) != 1 else 'it'} first, or tick “Cancel them and "
        f"tell the clients” to mark them {Status(status).label.lower()}."
    )


def change_status(
    *, consultant: Consultant, status: str, actor, cancel_bookings: bool = False
) -> list[Booking]:
    """Set the consultant's status, with who and when, in their History. Returns
    the bookings it cancelled; raises `HasBookingsAhead` (changing nothing) when
    a suspended or departed consultant would keep sessions and `cancel_bookings`
    is not set."""
    status = Status(status)
    with transaction.atomic():
        locked = Consultant.objects.select_for_update().get(pk=consultant.pk)
        before = locked.status
        if before == status:
            return []
        ahead = bookings_ahead(locked) if status in INACTIVE else []
        if ahead and not cancel_bookings:
            raise HasBookingsAhead(refusal(locked, ahead, status), ahead)
        reason = (
            f"{locked} is no longer available ({status.label.lower()}); the "
            "practice cancelled this session."
        )
        cancelled = [
            services.cancel(booking=booking, reason=reason, actor=actor)
            for booking in ahead
        ]
        consultant.status = status
        consultant.status_changed_at = timezone.now()
        consultant.status_changed_by = actor
        consultant.save(
            update_fields=["status", "status_changed_at", "status_changed_by"]
        )
        log(
            instance=consultant,
            action=STATUS_CHANGED,
            user=actor,
            data={
                "from": before,
                "to": status.value,
                "cancelled": [booking.reference for booking in cancelled],
            },
        )
    return cancelled
