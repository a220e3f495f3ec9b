"""What the booking steps ask of the waitlist: the seats that live offers hold,
and the signal that a seat may have freed (sent by `booking.lifecycle.steps`
after the change commits; `booking.lifecycle.waitlist` offers it)."""

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from booking.core.states import SLOT_HOLDING
from booking.waitlist.models import WaitlistEntry

# Sent with service_id, consultant_id, start and end after a change that may
# free a seat (and, for one-to-one waitlists, the time from start to end).
seat_freed = Signal()

# A session lasts at most this long: offers that start earlier cannot overlap.
LONGEST = timedelta(hours=8)


def live_offers(*, service_id: int, start, consultant_id=None):
    offers = WaitlistEntry.objects.filter(
        service_id=service_id,
        start=start,
        status=WaitlistEntry.Status.OFFERED,
        offer_expires_at__gt=timezone.now(),
    )
    if consultant_id is not None:
        offers = offers.filter(consultant_id=consultant_id)
    return offers


def overlapping_offers(*, consultant_id: int, start, end) -> list[WaitlistEntry]:
    """The consultant's live offers, of any service, whose time overlaps
    [start, end): a one-to-one slot offered to a waiting client is held."""
    offers = WaitlistEntry.objects.filter(
        consultant_id=consultant_id,
        status=WaitlistEntry.Status.OFFERED,
        offer_expires_at__gt=timezone.now(),
        start__lt=end,
        start__gt=start - LONGEST,
    ).select_related("service")
    return [o for o in offers if o.start + o.service.duration > start]


def held_against(
    *, service_id: int, start, consultant_id: int, email: str, end=None
) -> int:
    """Seats that live offers hold against a booking by `email`: all of them,
    unless `email` holds an offer itself; then it competes only with real
    bookings (the consultant's lock decides between offered clients). With
    `end` (a one-to-one booking), every offer overlapping its time counts."""
    if end is not None:
        offers = overlapping_offers(consultant_id=consultant_id, start=start, end=end)
        mine = [o for o in offers if o.client_email.lower() == email.lower()]
        return 0 if mine else len(offers)
    offers = live_offers(
        service_id=service_id, start=start, consultant_id=consultant_id
    )
    if offers.filter(client_email__iexact=email).exists():
        return 0
    return offers.count()


def after_change(booking, from_state, to_state, data) -> None:
    """Called by every logged booking change: once it commits, announce the seat
    it freed, if any: the booking's own when it stops holding its slot, the old
    start when it moved."""
    if from_state in SLOT_HOLDING and to_state not in SLOT_HOLDING:
        freed = booking.start
    elif data and data.get("moved_from"):
        freed = datetime.fromisoformat(data["moved_from"])
    else:
        return
    end = freed + (booking.end - booking.start)
    transaction.on_commit(
        partial(
            seat_freed.send,
            WaitlistEntry,
            service_id=booking.service_id,
            consultant_id=booking.consultant_id,
            start=freed,
            end=end,
        )
    )
