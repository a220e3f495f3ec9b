"""Recurring one-to-one series and courses: one parent booking with a child booking
per later occurrence or meeting.

The parent is the first occurrence. It carries the whole price, the payment and
the client's one active place (`counts_toward_limit`); the children are saved with
`counts_toward_limit=False` and follow the parent's state (`steps.follow_parent`):
verified, approved, paid and confirmed once for all. Cancelling is per occurrence:
one occurrence, or an occurrence and every later one; the refund is the
cancellation policy (`refunds.refund_due`) applied to each cancelled occurrence's
share of the price, so meetings already held are never refunded."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booking.core import tokens
from booking.core.errors import (
    BookingError,
    InvalidBookingData,
    InvalidTransition,
    SlotTaken,
)
from booking.core.models import Booking, BookingToken, Service
from booking.core.states import OPEN, BookingSource, BookingStatus
from booking.courses.models import CourseMeeting
from booking.lifecycle.slot_checks import ensure_bookable
from booking.lifecycle.steps import (
    aware_utc,
    check,
    insert,
    lock_schedule,
    locked,
    log_change,
    new_booking,
    override_data,
    required_reason,
    transition,
)
from booking.notifications import outbox
from booking.participants import party
from booking.payments import refunds
from booking.payments.checkout import close_open_checkouts
from booking.payments.models import Payment
from booking.privacy.consent import consent_fields
from booking.scheduling.hours import local_moment, wall_clock
from booking.scheduling.slots import free_slots

S = BookingStatus
EVERY = {1: "weekly", 2: "fortnightly"}


class SeriesConflict(SlotTaken):
    """Some occurrences cannot be booked; `plan` lists every occurrence, each with
    its problem and the nearest free alternative."""

    def __init__(self, plan: list["Occurrence"]):
        self.plan = plan
        clashes = [o for o in plan if o.problem]
        super().__init__(
            f"{len(clashes)} of the {len(plan)} times are not free: "
            + "; ".join(o.problem for o in clashes)
        )


@dataclass
class Occurrence:
    start: datetime
    problem: str = ""
    alternative: datetime | None = None


def occurrence_starts(start: datetime, *, every_weeks: int, count: int, zone):
    """The same wall-clock time every `every_weeks` weeks in the consultant's
    zone (so a series keeps its hour across a change of summer time)."""
    if every_weeks not in EVERY:
        raise InvalidBookingData("A series repeats weekly or fortnightly.")
    if not 2 <= count <= settings.BOOKING_SERIES_MAX_OCCURRENCES:
        raise InvalidBookingData(
            "A series has between 2 and "
            f"{settings.BOOKING_SERIES_MAX_OCCURRENCES} occurrences."
        )
    local = wall_clock(aware_utc(start), zone)
    return [
        local_moment(
            local.date() + timedelta(weeks=every_weeks * k), local.time(), zone
        )
        for k in range(count)
    ]


def plan(
    *,
    consultant,
    service,
    starts,
    client_time_zone,
    override_reason="",
    now=None,
    seats=1,
):
    """Check every occurrence as it would be booked now. Each later occurrence is
    judged as if booked as far ahead as the first (its notice and booking window
    move with it), so a series of 6 fortnights is not refused for reaching past
    the booking window."""
    now = now or timezone.now()
    first = aware_utc(starts[0])
    result = []
    for start in starts:
        start = aware_utc(start)
        shifted = now + (start - first)
        probe = new_booking(
            consultant=consultant,
            service=service,
            start=start,
            client_time_zone=client_time_zone,
            client_name="-",
            client_email="probe@example.com",
            seats=seats,
        )
        try:
            ensure_bookable(probe, override_reason=override_reason, now=shifted)
        except BookingError as error:
            taken = {o.start for o in result} | {aware_utc(s) for s in starts}
            result.append(
                Occurrence(
                    start,
                    error.message,
                    nearest_free(consultant, service, start, shifted, taken),
                )
            )
            continue
        result.append(Occurrence(start))
    return result


def nearest_free(consultant, service, start, now, taken=()) -> datetime | None:
    """The free start nearest to `start`, within three days either side."""
    slots = free_slots(
        consultant=consultant,
        service=service,
        start=start - timedelta(days=3),
        end=start + timedelta(days=3),
        now=now,
    )
    free = [slot.start for slot in slots if slot.start not in taken]
    return min(free, key=lambda s: abs(s - start), default=None)


def create_series_draft(*, consultant, service, starts, consent, **client):
    """A client's request for a series (or a course: `starts` are its meetings):
    drafts for every occurrence and one verification email for the parent.
    Refused whole, with `SeriesConflict`, when any occurrence is not free."""
    if not consent:
        raise InvalidBookingData(
            "Please accept the privacy policy so that we can handle your booking."
        )
    with transaction.atomic():
        lock_schedule(consultant)
        parent = _book(
            consultant,
            service,
            starts,
            status=S.DRAFT,
            source=client.pop("source", BookingSource.CLIENT),
            **client,
            **consent_fields(),
        )
        log_change(parent, "booking.create", actor=None, to_state=S.DRAFT)
        token = tokens.issue_token(booking=parent, purpose=BookingToken.Purpose.VERIFY)
        outbox.queue(parent, "verify_email", token=token)
    return parent, token


def create_admin_series(
    *, actor, consultant, service, starts, override_reason="", **client
):
    """A series taken by phone: approved (or pending where the actor may not
    approve) like `services.create_admin_booking`."""
    approved = (
        actor.has_perm("booking.approve_booking") or not service.requires_approval
    )
    status = S.APPROVED if approved else S.PENDING
    now = timezone.now()
    with transaction.atomic():
        lock_schedule(consultant)
        parent = _book(
            consultant,
            service,
            starts,
            status=status,
            source=BookingSource.ADMIN,
            created_by=actor,
            verified_at=now,
            approved_at=now if approved else None,
            override_reason=override_reason,
            **client,
        )
        log_change(
            parent,
            "booking.create",
            actor=actor,
            to_state=status,
            data={"occurrences": len(starts), **override_data(override_reason)},
        )
        if not approved:
            outbox.queue(parent, "received")
        elif parent.amount == 0:
            transition(parent, "confirm_free", actor=None, fields=["confirmed_at"])
            outbox.queue(parent, "confirmed")
        else:
            outbox.queue(parent, "approved")
    return parent


def _book(
    consultant, service, starts, *, override_reason="", participants=(), **fields
):
    """Every occurrence, each holding the seats of the client's party (the
    named participants are saved with each, for attendance per meeting)."""
    if not starts:
        raise InvalidBookingData("Choose at least one time.")
    names = party.clean_names(service, participants)
    fields["seats"] = 1 + len(names)
    fields["client_time_zone"] = fields.get("client_time_zone") or consultant.time_zone
    starts = sorted(aware_utc(s) for s in starts)
    if len(set(starts)) != len(starts):
        raise InvalidBookingData("Two occurrences of the series are at the same time.")
    checked = plan(
        consultant=consultant,
        service=service,
        starts=starts,
        client_time_zone=fields["client_time_zone"],
        override_reason=override_reason,
        seats=fields["seats"],
    )
    if any(o.problem for o in checked):
        raise SeriesConflict(checked)
    parent = None
    for start in starts:
        booking = new_booking(
            consultant=consultant, service=service, start=start, **fields
        )
        if parent is None:
            if service.kind != Service.Kind.COURSE:
                booking.amount = service.price * len(starts)
        else:
            booking.parent = parent
            booking.amount = Decimal("0.00")
            booking.counts_toward_limit = False
        insert(booking)
        party.add(booking, names)
        parent = parent or booking
    return parent


def course_starts(service: Service) -> list[datetime]:
    """A course's meetings, to be booked whole: once it has begun, it can no
    longer be booked."""
    meetings = list(CourseMeeting.objects.filter(service=service).order_by("start"))
    if not meetings:
        raise InvalidBookingData(f"“{service}” has no meetings yet.")
    if meetings[0].start <= timezone.now():
        raise InvalidBookingData(f"“{service}” has already begun.")
    return [m.start for m in meetings]


def recheck_children(parent: Booking, *, now) -> None:
    """On verification: every later occurrence must still be free."""
    for child in parent.children.exclude(status__in=(S.CANCELLED, S.REJECTED)):
        ensure_bookable(child, now=now + (child.start - parent.start))


def occurrences(parent: Booking) -> list[Booking]:
    return [parent, *parent.children.order_by("start")]


def shares(parent: Booking, count: int) -> list[Decimal]:
    """The price split over the occurrences; the first takes the cents left."""
    each = (parent.amount / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [parent.amount - each * (count - 1), *[each] * (count - 1)]


def is_series(booking: Booking) -> bool:
    return booking.parent_id is not None or booking.children.exists()


@transaction.atomic
def cancel(*, booking: Booking, reason: str, actor=None, rest: bool = True):
    """Cancel this occurrence alone (`rest=False`) or with every later one not
    yet begun. The first occurrence holds the series, so it is cancelled only
    with the rest; once it has been held, the series stays the client's booking
    until its last meeting (`Booking.series_end`)."""
    booking = locked(booking, lock_consultant=True)
    parent = locked(booking.parent) if booking.parent_id else booking
    every = occurrences(parent)
    if (
        not rest
        and booking.pk == parent.pk
        and any(o.status in OPEN for o in every[1:])
    ):
        raise InvalidTransition(
            f"Booking {booking.reference} is the first of its series; cancel the "
            "whole series, or the later occurrences one by one."
        )
    chosen = _chosen(every, booking, rest)
    if not chosen:
        raise InvalidTransition(
            f"Booking {booking.reference} has nothing left to cancel."
        )
    reason = required_reason(reason, "cancelling")
    for occurrence in chosen:
        check(occurrence, "cancel", actor=actor)
    portion = dict(zip((o.pk for o in every), shares(parent, len(every)), strict=True))
    due = sum(
        (refunds.refund_due(o, portion[o.pk], by_client=actor is None) for o in chosen),
        Decimal("0.00"),
    )
    for occurrence in chosen:
        transition(
            occurrence,
            "cancel",
            actor=actor,
            args=(reason,),
            fields=["cancel_reason", "cancelled_at"],
            reason=reason,
            data={"series": parent.reference},
        )
    _refund(parent, due, key=f"series-cancel:{booking.pk}")
    if parent in chosen:
        close_open_checkouts(parent)
    outbox.queue(chosen[0], "cancelled")
    return chosen


def refund_quote(booking: Booking, *, rest: bool | None = None) -> Decimal:
    """What the client would get back for cancelling now (before they confirm);
    by default, what `services.cancel` cancels: all from the first occurrence,
    or a later one alone."""
    if rest is None:
        rest = booking.parent_id is None
    parent = booking.parent or booking
    every = occurrences(parent)
    portion = dict(zip((o.pk for o in every), shares(parent, len(every)), strict=True))
    due = sum(
        (
            refunds.refund_due(o, portion[o.pk], by_client=True)
            for o in _chosen(every, booking, rest)
        ),
        Decimal("0.00"),
    )
    return min(due, parent.amount_paid)


def _chosen(every: list[Booking], booking: Booking, rest: bool) -> list[Booking]:
    """The occurrences a cancellation takes: this one alone, or this one and every
    later one that has not begun (meetings already held stay as they are)."""
    if not rest:
        return [o for o in every if o.pk == booking.pk and o.status in OPEN]
    since = max(booking.start, timezone.now())
    return [o for o in every if o.status in OPEN and o.start >= since]


def _refund(parent: Booking, due: Decimal, *, key: str) -> None:
    for payment in parent.payments.filter(status=Payment.Status.PAID).order_by("pk"):
        left = payment.paid_amount - payment.refunded_amount
        amount = min(due, left)
        if amount > 0:
            refunds.request_refund(
                payment, amount, reason="Series cancelled", key=f"{key}:{payment.pk}"
            )
            due -= amount
