"""What the booking steps ask of the waitlist: the seats that live offers hold,
and the signal that a seat may have freed (sent by `booking.lifecycle.steps`
after the change commits; `booking.lifecycle.waitlist` offers it)."""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from booking.core.states import SLOT_HOLDING
from booking.waitlist.models import WaitlistEntry

# Sent with service_id, consultant_id, start after a change that may free a seat.
seat_freed = Signal()


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


def held_against(*, service_id: int, start, consultant_id: int, email: str) -> int:
    """Seats that live offers hold against a booking by `email`: all of them,
    unless `email` holds an offer itself; then it competes only with real
    bookings (the consultant's lock decides between offered clients)."""
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
    transaction.on_commit(
        partial(
            seat_freed.send,
            WaitlistEntry,
            service_id=booking.service_id,
            consultant_id=booking.consultant_id,
            start=freed,
        )
    )
