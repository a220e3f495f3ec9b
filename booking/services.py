"""Every change to a booking goes through here (DESIGN §2, §3).

Each service runs in one transaction, locks what it must (the consultant's row for
anything that takes a slot, then the booking's), runs the transition, saves, writes
the audit log and queues side effects with `transaction.on_commit`. A refused
action raises a `BookingError` and leaves the database as it was."""

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from booking import availability, notifications, payments, privacy, tokens
from booking.errors import (
    ActiveBookingExists,
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
    SlotTaken,
)
from booking.models import (
    CONDITION_MESSAGES,
    Booking,
    BookingToken,
    Consultant,
    Review,
    Service,
    validate_time_zone,
)
from booking.states import OPEN, SLOT_HOLDING, BookingSource, BookingStatus

S = BookingStatus
Purpose = BookingToken.Purpose

# No 0/O or 1/I/L, so a reference read out on the phone cannot be misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6
REFERENCE_ATTEMPTS = 8


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{settings.BOOKING_REFERENCE_PREFIX}-{code}"


# --- creating bookings ---------------------------------------------------------


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
) -> tuple[Booking, str]:
    """A client's request for a slot. It holds nothing until the client follows
    the emailed link (`verify_email`). Returns the booking and the raw verification
    token, which is also emailed after commit."""
    if not consent:
        raise InvalidBookingData(
            "Please accept the privacy policy so that we can handle your booking."
        )
    with transaction.atomic():
        _lock_consultant(consultant)
        booking = _new_booking(
            consultant=consultant,
            service=service,
            start=start,
            status=S.DRAFT,
            source=source,
            client_name=client_name,
            client_email=client_email,
            client_phone=client_phone,
            client_time_zone=client_time_zone,
            client_notes=client_notes,
            intake=intake or {},
            **privacy.consent_fields(),
        )
        _ensure_bookable(booking)
        _insert(booking)
        _log(booking, "booking.create", actor=None, to_state=S.DRAFT)
        token = tokens.issue_token(booking=booking, purpose=Purpose.VERIFY)
        notifications.queue(booking, "verify_email", token=token)
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
) -> Booking:
    """A booking taken by phone: no email verification. It starts APPROVED when the
    actor may approve bookings (or the service needs no approval), else PENDING.
    With `override_reason`, a booking admin may book outside working hours, notice
    or window (never over another booking); the reason is logged."""
    if not actor.has_perm("booking.add_booking"):
        raise NotPermitted("You do not have permission to create bookings.")
    override_reason = _override_reason(actor, override_reason)
    approved = actor.has_perm("booking.approve_booking") or not (
        service.requires_approval
    )
    status = S.APPROVED if approved else S.PENDING
    with transaction.atomic():
        _lock_consultant(consultant)
        booking = _new_booking(
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
        )
        _ensure_bookable(booking, override_reason=override_reason)
        _insert(booking)
        _log(
            booking,
            "booking.create",
            actor=actor,
            to_state=status,
            data=_override_data(override_reason),
        )
        if approved:
            _after_approval(booking)
        else:
            notifications.queue(booking, "received")
    return booking


def _new_booking(*, consultant, service, start, client_time_zone, **fields):
    if not consultant.is_active:
        raise InvalidBookingData(f"{consultant} is not taking bookings at the moment.")
    if not service.is_active:
        raise InvalidBookingData(f"“{service}” is not offered at the moment.")
    if not service.consultants.filter(pk=consultant.pk).exists():
        raise InvalidBookingData(f"{consultant} does not offer “{service}”.")
    try:
        validate_time_zone(client_time_zone)
    except ValidationError as exc:
        raise InvalidBookingData(exc.messages[0]) from exc
    start = _aware_utc(start)
    booking = Booking(
        consultant=consultant,
        service=service,
        start=start,
        end=start + service.duration,
        client_time_zone=client_time_zone,
        amount=service.price,
        currency=service.currency,
        **fields,
    )
    booking.slot_key = _slot_key(booking)
    _validate_fields(booking)
    return booking


def _validate_fields(booking: Booking) -> None:
    """Field-level rules (lengths, email format) before anything is written."""
    try:
        booking.full_clean(
            exclude=["reference", "slot_key", "status"], validate_constraints=False
        )
    except ValidationError as exc:
        errors = "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
        raise InvalidBookingData(
            f"Please check the booking details ({errors})."
        ) from exc


def _aware_utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise InvalidBookingData(
            "A booking time must carry its time zone; naive times are ambiguous."
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidBookingData("That date is out of range.") from exc


def _insert(booking: Booking) -> None:
    """Save a new booking under a fresh random reference, drawing again on the rare
    collision. Constraint violations become domain errors."""
    for _ in range(REFERENCE_ATTEMPTS):
        booking.reference = new_reference()
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
            return
        except IntegrityError as exc:
            if Booking.objects.filter(reference=booking.reference).exists():
                continue
            raise _constraint_error(exc, booking) from exc
    raise RuntimeError(
        f"No free booking reference after {REFERENCE_ATTEMPTS} attempts; "
        "the reference space may be nearly full."
    )


def _save(booking: Booking, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            booking.save(update_fields=[*fields, "status", "updated_at"])
    except IntegrityError as exc:
        raise _constraint_error(exc, booking) from exc


def _constraint_error(exc: IntegrityError, booking: Booking) -> Exception:
    text = str(exc)
    if "booking_one_active_per_email" in text:
        # No address in the message: it may end up in a log or a payment note.
        return ActiveBookingExists(
            "This email address already has an active booking. Cancel or finish it "
            "before booking another session, or contact the practice."
        )
    if "booking_no_overlap" in text:
        return _slot_taken(booking)
    return exc


# --- the transitions -------------------------------------------------------------


@transaction.atomic
def verify_email(*, token: str) -> Booking:
    """The client followed the emailed link: the draft becomes a request that holds
    its slot. Without required approval it is approved at once."""
    draft = tokens.consume_token(token, purpose=Purpose.VERIFY)
    booking = _locked(draft, lock_consultant=True)
    _check(booking, "verify_email", actor=None)
    if booking.start <= timezone.now():
        raise InvalidTransition(
            f"The time of booking {booking.reference} has already passed. Please "
            "choose a new time."
        )
    # Notice and window are judged as when the client asked; hours, time off and
    # other bookings as they are now.
    _ensure_bookable(booking, now=booking.created_at)
    _transition(booking, "verify_email", actor=None, fields=["verified_at"])
    if booking.service.requires_approval:
        notifications.queue(booking, "received")
        notifications.queue(booking, "staff_new_request")
    else:
        _transition(booking, "approve", actor=None, fields=["approved_at"])
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
    booking = _locked(booking, lock_consultant=True)
    _check(booking, "approve", actor=actor)
    override_reason = _override_reason(actor, override_reason)
    moved_from = None
    if start is not None and _aware_utc(start) != booking.start:
        moved_from = booking.start
        _move(booking, start)
        _ensure_bookable(booking, override_reason=override_reason)
    else:
        _ensure_slot_free(booking)
    extra = {"moved_from": moved_from.isoformat()} if moved_from else {}
    extra.update(_override_data(override_reason))
    _transition(
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
        notifications.queue(booking, "approved")


@transaction.atomic
def confirm_free(*, booking: Booking) -> Booking:
    """Confirm an approved session that costs nothing (normally done on approval)."""
    booking = _locked(booking)
    _check(booking, "confirm_free", actor=None)
    _confirm_free(booking)
    return booking


def _confirm_free(booking: Booking) -> None:
    _transition(booking, "confirm_free", actor=None, fields=["confirmed_at"])
    notifications.queue(booking, "confirmed")


@transaction.atomic
def reject(*, booking: Booking, actor, reason: str) -> Booking:
    booking = _locked(booking)
    _check(booking, "reject", actor=actor)
    reason = _required_reason(reason, "rejecting")
    _transition(
        booking,
        "reject",
        actor=actor,
        args=(reason,),
        fields=["reject_reason", "rejected_at"],
        reason=reason,
    )
    notifications.queue(booking, "rejected")
    return booking


@transaction.atomic
def cancel(*, booking: Booking, reason: str, actor=None) -> Booking:
    """Cancel an open booking: by the client through their link (`actor=None`) or
    by a booking admin. Refunds follow the policy (payments)."""
    booking = _locked(booking)
    _check(booking, "cancel", actor=actor)
    reason = _required_reason(reason, "cancelling")
    _transition(
        booking,
        "cancel",
        actor=actor,
        args=(reason,),
        fields=["cancel_reason", "cancelled_at"],
        reason=reason,
    )
    payments.after_cancel(booking, by_client=actor is None)
    notifications.queue(booking, "cancelled")
    return booking


@transaction.atomic
def complete(*, booking: Booking, actor) -> Booking:
    booking = _locked(booking)
    _check(booking, "complete", actor=actor)
    _transition(booking, "complete", actor=actor, fields=["completed_at"])
    notifications.queue(booking, "completed")
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
    `override_reason`). The state does not change."""
    booking = _locked(booking, lock_consultant=True)
    movable = (S.PENDING, S.APPROVED, S.CONFIRMED)
    if booking.status not in movable:
        raise InvalidTransition(
            f"Booking {booking.reference} is {booking.status_label.lower()}, so it "
            "cannot be rescheduled."
        )
    if actor is not None and not actor.has_perm("booking.reschedule_booking"):
        raise NotPermitted("You do not have permission to reschedule bookings.")
    if actor is None and booking.start - timezone.now() < _client_cutoff():
        raise InvalidTransition(
            f"Booking {booking.reference} starts in less than "
            f"{settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS} hours, so it can no longer "
            "be moved online. Please contact the practice."
        )
    override_reason = _override_reason(actor, override_reason)
    moved_from = booking.start
    _move(booking, start)
    if booking.start == moved_from:
        raise InvalidBookingData("The booking already starts at that time.")
    _ensure_bookable(booking, override_reason=override_reason)
    _save(booking, ["start", "end", "slot_key"])
    _log(
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
    notifications.queue(booking, "rescheduled")
    return booking


@transaction.atomic
def start_payment(*, booking: Booking, manage_token: str = "") -> Booking:
    """The client chose to pay. With Stripe configured this makes the Checkout
    Session (`payments.create_checkout`; its return URLs lead back to the manage
    link `manage_token`); a Stripe failure undoes the whole step."""
    booking = _locked(booking)
    _check(booking, "start_payment", actor=None)
    _transition(booking, "start_payment", actor=None, fields=["payment_started_at"])
    if payments.stripe_enabled():
        payments.create_checkout(booking, manage_token=manage_token)
    return booking


@transaction.atomic
def payment_expired(*, booking: Booking) -> Booking:
    """The Checkout Session expired or its payment failed: the client may pay
    again. `payments.checkout_ended` never calls this for a paid booking."""
    booking = _locked(booking)
    _check(booking, "payment_expired", actor=None)
    _transition(booking, "payment_expired", actor=None, fields=["payment_started_at"])
    return booking


@transaction.atomic
def confirm_payment(*, booking: Booking, amount: Decimal, payment=None) -> Booking:
    """The payment provider reports the booking paid. `payment` is the recorded
    `Payment` (without one, a row is written here: never confirmed without a
    recorded payment)."""
    booking = _locked(booking)
    _check(booking, "confirm", actor=None, conditions=False)
    if payment is None:
        payments.record_provider_payment(booking, amount)
    booking.amount_paid += amount
    _check(booking, "confirm", actor=None)
    _transition(
        booking,
        "confirm",
        actor=None,
        fields=["confirmed_at", "amount_paid"],
        data={"amount": str(amount)},
    )
    payments.record_earning(booking)
    notifications.queue(booking, "confirmed")
    return booking


@transaction.atomic
def record_offline_payment(
    *, booking: Booking, actor, amount: Decimal, method: str, reference: str = ""
) -> Booking:
    """A booking admin records money received outside Stripe (bank transfer, cash,
    card in the room): who, how much, how."""
    booking = _locked(booking)
    _check(booking, "record_offline_payment", actor=actor, conditions=False)
    if amount <= 0:
        raise InvalidBookingData("The amount received must be more than zero.")
    if not method.strip():
        raise InvalidBookingData("Say how the payment was made (e.g. bank transfer).")
    booking.amount_paid += amount
    _check(booking, "record_offline_payment", actor=actor)
    payments.record_offline(
        booking, actor=actor, amount=amount, method=method, reference=reference
    )
    _transition(
        booking,
        "record_offline_payment",
        actor=actor,
        fields=["confirmed_at", "amount_paid"],
        data={"amount": str(amount), "method": method, "payment_reference": reference},
    )
    payments.record_earning(booking)
    payments.close_open_checkouts(booking)
    notifications.queue(booking, "confirmed")
    return booking


@transaction.atomic
def submit_review(
    *, booking: Booking, rating: int, comment: str = "", display_name: str = ""
) -> Review:
    """The client's one review of a completed session, held for moderation."""
    booking = _locked(booking)
    if booking.status != S.COMPLETED:
        raise InvalidTransition(
            f"Booking {booking.reference} is {booking.status_label.lower()}; you can "
            "leave a review once the session has taken place."
        )
    if Review.objects.filter(booking=booking).exists():
        raise InvalidBookingData("You have already reviewed this session. Thank you!")
    if rating not in range(1, 6):
        raise InvalidBookingData("Please give a rating from 1 to 5.")
    review = Review(
        booking=booking,
        consultant=booking.consultant,
        rating=rating,
        comment=(comment or "").strip(),
        display_name=(display_name or "").strip() or _signature(booking.client_name),
    )
    try:
        review.full_clean()
    except ValidationError as exc:
        raise InvalidBookingData(" ".join(exc.messages)) from exc
    review.save()
    _log(booking, "booking.review", actor=None, to_state=booking.status)
    return review


def _signature(name: str) -> str:
    """“Ada Lovelace” signs as “Ada L.”: enough to be human, not to identify."""
    first, _, rest = name.strip().partition(" ")
    return f"{first} {rest.strip()[0]}." if rest.strip() else first


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
            notifications.queue(booking, "manage_link", token=token)
    return min(bookings.count(), 5)


def _client_cutoff() -> timedelta:
    return timedelta(hours=settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS)


# --- shared steps ---------------------------------------------------------------


def _lock_consultant(consultant: Consultant) -> None:
    """Serialise everything that takes one consultant's slots. PostgreSQL locks the
    row; SQLite's IMMEDIATE transactions already serialise writers."""
    Consultant.objects.select_for_update().filter(pk=consultant.pk).exists()


def _locked(booking: Booking, *, lock_consultant: bool = False) -> Booking:
    """A fresh copy of the booking, locked; the consultant first, when slots are
    involved, so that locks are always taken in the same order."""
    if lock_consultant:
        _lock_consultant(booking.consultant)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("consultant", "service")
        .get(pk=booking.pk)
    )


def _check(booking: Booking, name: str, *, actor, conditions: bool = True) -> None:
    """Refuse, with the reason, a transition the state, the actor's permissions or
    the transition's conditions do not allow."""
    meta = getattr(Booking, name)._django_fsm
    label = meta.transitions[next(iter(meta.transitions))].custom["label"]
    if not meta.has_transition(booking.status):
        raise InvalidTransition(
            f"Cannot {label.lower()} booking {booking.reference}: it is "
            f"{booking.status_label.lower()}."
        )
    transition = meta.get_transition(booking.status)
    if actor is not None and not transition.has_perm(booking, actor):
        raise NotPermitted(f"You do not have permission to {label.lower()} bookings.")
    if conditions:
        for condition in transition.conditions:
            if not condition(booking):
                raise InvalidTransition(
                    f"Cannot {label.lower()} booking {booking.reference}: "
                    f"{CONDITION_MESSAGES[condition]}."
                )


def _transition(
    booking: Booking,
    name: str,
    *,
    actor,
    fields: list[str],
    args: tuple = (),
    reason: str = "",
    data: dict | None = None,
) -> None:
    from_state = booking.status
    getattr(booking, name)(*args)
    _save(booking, fields)
    _log(
        booking,
        f"booking.{name}",
        actor=actor,
        from_state=from_state,
        to_state=booking.status,
        reason=reason,
        data=data,
    )


def _log(booking, action, *, actor, to_state, from_state=None, reason="", data=None):
    """Every change shows in the booking's History and Wagtail's site history."""
    log(
        instance=booking,
        action=action,
        user=actor,
        data={
            "from": from_state,
            "to": to_state,
            "reason": reason,
            "by": actor.get_username() if actor else "client or system",
            **(data or {}),
        },
    )


def _required_reason(reason: str, doing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidBookingData(f"Please give a reason for {doing} the booking.")
    if len(reason) > 2000:
        raise InvalidBookingData("Please keep the reason under 2,000 characters.")
    return reason


def _move(booking: Booking, start: datetime) -> None:
    booking.start = _aware_utc(start)
    booking.end = booking.start + booking.service.duration
    booking.slot_key = _slot_key(booking)


def _slot_key(booking: Booking) -> str:
    if booking.service.is_group:
        return f"group:{booking.service_id}:{booking.start.isoformat()}"
    return f"own:{secrets.token_hex(8)}"


def _ensure_bookable(
    booking: Booking, *, override_reason: str = "", now: datetime | None = None
) -> None:
    """The start must be a free slot of the consultant's hours (unless a booking
    admin overrides that with a reason), and never overlap another booking."""
    if not override_reason:
        availability.ensure_bookable(booking=booking, now=now)
    _ensure_slot_free(booking)


def _override_reason(actor, reason: str) -> str:
    reason = (reason or "").strip()
    if reason and not (actor and actor.has_perm("booking.override_availability")):
        raise NotPermitted(
            "You do not have permission to book outside the consultant's hours."
        )
    if len(reason) > 2000:
        raise InvalidBookingData("Please keep the reason under 2,000 characters.")
    return reason


def _override_data(reason: str) -> dict:
    return {"availability_override": reason} if reason else {}


def _ensure_slot_free(booking: Booking) -> None:
    """Under the consultant's lock: no slot-holding booking overlaps this one, except
    other seats of the same group session while seats remain."""
    overlapping = Booking.objects.filter(
        consultant_id=booking.consultant_id,
        status__in=SLOT_HOLDING,
        start__lt=booking.end,
        end__gt=booking.start,
    ).exclude(pk=booking.pk)
    service = booking.service
    if not service.is_group:
        if overlapping.exists():
            raise _slot_taken(booking)
        return
    same_session = Q(service_id=service.pk, start=booking.start)
    if overlapping.exclude(same_session).exists():
        raise _slot_taken(booking)
    if overlapping.filter(same_session).count() >= service.capacity:
        raise SlotTaken(
            f"The group session at {_local(booking):%A %d %B, %H:%M} is full. Please "
            "choose another time."
        )


def _slot_taken(booking: Booking) -> SlotTaken:
    return SlotTaken(
        f"Sorry, {booking.consultant} is no longer free at "
        f"{_local(booking):%A %d %B, %H:%M} ({booking.client_time_zone}). Please "
        "choose another time."
    )


def _local(booking: Booking) -> datetime:
    return booking.start.astimezone(ZoneInfo(booking.client_time_zone))
