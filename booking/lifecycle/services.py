"""Every change to a booking goes through here (DESIGN §2, §3).

Each service runs in one transaction, locks what it must (the consultant's row for
anything that takes a slot, then the booking's), runs the transition, saves, writes
the audit log and queues side effects with `transaction.on_commit`. A refused
action raises a `BookingError` and leaves the database as it was. The steps they
share are in `booking.lifecycle.steps`."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from booking.core import practice, tokens
from booking.core.errors import InvalidBookingData, InvalidTransition, NotPermitted
from booking.core.models import (
    Booking,
    BookingToken,
    Consultant,
    Service,
)
from booking.core.states import OPEN, BookingSource, BookingStatus
from booking.lifecycle import paying, series
from booking.lifecycle.slot_checks import ensure_bookable, ensure_slot_free
from booking.lifecycle.steps import (
    allowed_override_reason,
    aware_utc,
    check,
    client_cutoff,
    insert,
    lock_schedule,
    locked,
    log_change,
    move,
    new_booking,
    override_data,
    required_reason,
    save,
    take_place,
    transition,
)
from booking.notifications import outbox
from booking.participants import party
from booking.payments import earnings
from booking.privacy.consent import consent_fields

S = BookingStatus


Purpose = BookingToken.Purpose


def create_draft(
    *,
    consultant: Consultant,
    service: Service,
    start: datetime,
    client_name: str,
    client_email: str,
    client_time_zone: str,
    consent: bool,
    client_phone: str = "",
    client_notes: str = "",
    intake: dict | None = None,
    source: str = BookingSource.CLIENT,
    participants: list[str] | None = None,
) -> tuple[Booking, str]:
    """A client's request for a slot. It holds nothing until the client follows
    the emailed link (`verify_email`). Returns the booking and the raw verification
    token, which is also emailed after commit. `participants`: the names of the
    people the client brings (`party.clean_names`), each holding a seat."""
    if not consent:
        raise InvalidBookingData(
            "Please accept the privacy policy so that we can handle your booking."
        )
    names = party.clean_names(service, participants)
    with transaction.atomic():
        offered = lock_schedule(consultant, offering=service)
        booking = new_booking(
            consultant=consultant,
            service=service,
            offered=offered,
            start=start,
            status=S.DRAFT,
            source=source,
            client_name=client_name,
            client_email=client_email,
            client_phone=client_phone,
            client_time_zone=client_time_zone,
            client_notes=client_notes,
            intake=intake or {},
            seats=1 + len(names),
            **consent_fields(),
        )
        ensure_bookable(booking)
        insert(booking)
        party.add(booking, names)
        log_change(booking, "booking.create", actor=None, to_state=S.DRAFT)
        token = tokens.issue_token(booking=booking, purpose=Purpose.VERIFY)
        outbox.queue(booking, "verify_email", token=token)
    return booking, token


def create_admin_booking(
    *,
    actor,
    consultant: Consultant,
    service: Service,
    start: datetime,
    client_name: str,
    client_email: str,
    client_time_zone: str = "",
    client_phone: str = "",
    client_notes: str = "",
    intake: dict | None = None,
    override_reason: str = "",
    participants: list[str] | None = None,
) -> Booking:
    """A booking taken by phone: no email verification. It starts APPROVED when the
    actor may approve bookings (or the service needs no approval), else PENDING.
    With `override_reason`, a booking admin may book outside working hours, notice
    or window (never over another booking); the reason is logged."""
    if not actor.has_perm("booking.add_booking"):
        raise NotPermitted("You do not have permission to create bookings.")
    override_reason = allowed_override_reason(actor, override_reason)
    names = party.clean_names(service, participants)
    approved = actor.has_perm("booking.approve_booking") or not (
        service.requires_approval
    )
    status = S.APPROVED if approved else S.PENDING
    with transaction.atomic():
        lock_schedule(consultant)
        booking = new_booking(
            consultant=consultant,
            service=service,
            start=start,
            status=status,
            source=BookingSource.ADMIN,
            created_by=actor,
            client_name=client_name,
            client_email=client_email,
            client_phone=client_phone,
            client_time_zone=client_time_zone or consultant.time_zone,
            client_notes=client_notes,
            intake=intake or {},
            verified_at=timezone.now(),
            approved_at=timezone.now() if approved else None,
            seats=1 + len(names),
        )
        ensure_bookable(booking, override_reason=override_reason)
        insert(booking)
        party.add(booking, names)
        log_change(
            booking,
            "booking.create",
            actor=actor,
            to_state=status,
            data=override_data(override_reason),
        )
        if approved:
            _after_approval(booking)
        else:
            outbox.queue(booking, "received")
    return booking


@transaction.atomic
def verify_email(*, token: str) -> Booking:
    """The client followed the emailed link: the draft becomes a request that holds
    its slot. Without required approval it is approved at once."""
    draft = tokens.consume_token(token, purpose=Purpose.VERIFY)
    booking = locked(draft, lock_consultant=True)
    check(booking, "verify_email", actor=None)
    if booking.start <= timezone.now():
        raise InvalidTransition(
            f"The time of booking {booking.reference} has already passed. Please "
            "choose a new time."
        )
    # Notice and window are judged as when the client asked; hours, time off and
    # other bookings as they are now.
    ensure_bookable(booking, now=booking.created_at)
    series.recheck_children(booking, now=booking.created_at)
    fields = ["verified_at", take_place(booking)]
    transition(booking, "verify_email", actor=None, fields=fields)
    if booking.service.requires_approval:
        outbox.queue(booking, "received")
        outbox.queue(booking, "staff_new_request")
    else:
        transition(booking, "approve", actor=None, fields=["approved_at"])
        _after_approval(booking)
    return booking


@transaction.atomic
def approve(
    *,
    booking: Booking,
    actor,
    start: datetime | None = None,
    override_reason: str = "",
) -> Booking:
    """A booking admin accepts the request, optionally moving it to another start
    (which must be free, unless `override_reason` says why not to check hours)."""
    booking = locked(booking, lock_consultant=True)
    check(booking, "approve", actor=actor)
    override_reason = allowed_override_reason(actor, override_reason)
    moved_from = None
    if start is not None and aware_utc(start) != booking.start:
        moved_from = booking.start
        move(booking, start)
        ensure_bookable(booking, override_reason=override_reason)
    else:
        ensure_slot_free(booking)
    extra = {"moved_from": moved_from.isoformat()} if moved_from else {}
    extra.update(override_data(override_reason))
    transition(
        booking,
        "approve",
        actor=actor,
        fields=["approved_at", "start", "end", "slot_key"],
        data=extra,
    )
    _after_approval(booking)
    return booking


def _after_approval(booking: Booking) -> None:
    """A free session needs no payment: confirm it straight away."""
    if booking.amount == 0:
        _confirm_free(booking)
    else:
        outbox.queue(booking, "approved")


@transaction.atomic
def confirm_free(*, booking: Booking) -> Booking:
    """Confirm an approved session that costs nothing (normally done on approval)."""
    booking = locked(booking)
    check(booking, "confirm_free", actor=None)
    _confirm_free(booking)
    return booking


def _confirm_free(booking: Booking) -> None:
    transition(booking, "confirm_free", actor=None, fields=["confirmed_at"])
    outbox.queue(booking, "confirmed")


@transaction.atomic
def reject(*, booking: Booking, actor, reason: str) -> Booking:
    booking = locked(booking)
    check(booking, "reject", actor=actor)
    reason = required_reason(reason, "rejecting")
    transition(
        booking,
        "reject",
        actor=actor,
        args=(reason,),
        fields=["reject_reason", "rejected_at"],
        reason=reason,
    )
    outbox.queue(booking, "rejected")
    return booking


@transaction.atomic
def cancel(*, booking: Booking, reason: str, actor=None) -> Booking:
    """Cancel an open booking: by the client through their link (`actor=None`) or
    by a booking admin. Refunds follow the policy (payments). The first booking of a
    series or course cancels all of it; a later one, only itself
    (`series.cancel`, which also cancels "this one and the rest")."""
    if series.is_series(booking):
        rest = booking.parent_id is None
        return series.cancel(booking=booking, reason=reason, actor=actor, rest=rest)[0]
    booking = locked(booking)
    check(booking, "cancel", actor=actor)
    reason = required_reason(reason, "cancelling")
    transition(
        booking,
        "cancel",
        actor=actor,
        args=(reason,),
        fields=["cancel_reason", "cancelled_at"],
        reason=reason,
    )
    paying.after_cancel(booking, by_client=actor is None)
    outbox.queue(booking, "cancelled")
    return booking


@transaction.atomic
def complete(*, booking: Booking, actor) -> Booking:
    booking = locked(booking)
    check(booking, "complete", actor=actor)
    transition(booking, "complete", actor=actor, fields=["completed_at"])
    earnings.release_earnings(booking)
    outbox.queue(booking, "completed")
    return booking


@transaction.atomic
def reschedule(
    *,
    booking: Booking,
    start: datetime,
    actor=None,
    reason: str = "",
    override_reason: str = "",
) -> Booking:
    """Move a slot-holding booking to another free start, by the client through
    their link (`actor=None`) or by a booking admin (who may override hours with
    `override_reason`). The state does not change, except that a client's move of
    an approved booking that needs approval sends it back for approval
    (`needs_approval_again`); the History says so."""
    booking = locked(booking, lock_consultant=True)
    movable = (S.PENDING, S.APPROVED, S.CONFIRMED)
    if booking.status not in movable:
        raise InvalidTransition(
            f"Booking {booking.reference} is {booking.status_label.lower()}, so it "
            "cannot be rescheduled."
        )
    if actor is not None and not actor.has_perm("booking.reschedule_booking"):
        raise NotPermitted("You do not have permission to reschedule bookings.")
    if booking.service.kind != Service.Kind.SESSION:
        raise InvalidTransition(
            f"“{booking.service}” meets at the dates the practice set; a meeting "
            "is moved for everyone under Bookings → Course meetings."
        )
    if actor is None and booking.start - timezone.now() < client_cutoff():
        raise InvalidTransition(
            f"Booking {booking.reference} starts in less than "
            f"{settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS} hours, so it can no longer "
            "be moved online. Please contact the practice."
        )
    override_reason = allowed_override_reason(actor, override_reason)
    moved_from = booking.start
    move(booking, start)
    if booking.start == moved_from:
        raise InvalidBookingData("The booking already starts at that time.")
    ensure_bookable(booking, override_reason=override_reason)
    save(booking, ["start", "end", "slot_key"])
    log_change(
        booking,
        "booking.reschedule",
        actor=actor,
        to_state=booking.status,
        data={
            "moved_from": moved_from.isoformat(),
            "moved_to": booking.start.isoformat(),
        },
        reason=reason,
    )
    if needs_approval_again(booking, actor):
        transition(
            booking,
            "request_approval_again",
            actor=None,
            fields=["approved_at"],
            reason="Moved by the client to a new time, which needs approval.",
        )
        outbox.queue(booking, "rescheduled")
        outbox.queue(booking, "staff_new_request")
        return booking
    outbox.queue(booking, "rescheduled")
    return booking


def needs_approval_again(booking: Booking, actor) -> bool:
    """A client's move of an approved (not yet paid) booking whose service needs
    approval is a new request, unless the practice lets clients move within the
    consultant's free times without it. Paid bookings keep their state: their
    payment stands for the session, wherever it moves."""
    return (
        actor is None
        and booking.status == S.APPROVED
        and booking.service.requires_approval
        and practice.policy().client_moves_need_approval
    )


def request_manage_links(*, email: str) -> None:
    """ "Find my booking": queue the lookup as a job, whatever the address. The
    request then does the same work, and takes the same time, for an address with
    bookings and one without, so its timing tells nobody who books here. The
    finished job's record keeps no arguments (`save=False`): the address lives in
    the queue only until the job runs."""
    async_task(
        "booking.tasks.send_manage_links",
        email,
        task_name="Email manage links",
        save=False,
    )


def send_manage_links(*, email: str) -> int:
    """Email a link to each open or recent booking of this address; returns how many
    were sent. Callers answer the same whatever the count, so nobody learns from
    them whether an address has bookings."""
    recent = timezone.now() - timedelta(days=90)
    bookings = Booking.objects.filter(client_email__iexact=email.strip()).filter(
        Q(status__in=OPEN) | Q(status=S.COMPLETED, end__gte=recent)
    )
    with transaction.atomic():
        for booking in bookings[:5]:
            token = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)
            outbox.queue(booking, "manage_link", token=token)
    return min(bookings.count(), 5)
