"""The steps every booking service shares: locking, checking a transition, running
and logging it, placing a booking in a free slot, saving under a fresh reference.
Public so that other writers (the historical import) take the very same steps."""

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.log_actions import log

from booking.core import dates
from booking.core.errors import (
    ActiveBookingExists,
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
)
from booking.core.models import (
    CONDITION_MESSAGES,
    Booking,
    Consultant,
    Service,
    validate_time_zone,
)
from booking.core.states import FINAL, SLOT_HOLDING
from booking.courses.models import CourseMeeting
from booking.lifecycle.slot_checks import slot_taken
from booking.products import allowance
from booking.waitlist import holds

# No 0/O or 1/I/L, so a reference read out on the phone cannot be misheard.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


REFERENCE_LENGTH = 6


REFERENCE_ATTEMPTS = 8


def new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{settings.BOOKING_REFERENCE_PREFIX}-{code}"


def new_booking(
    *, consultant, service, start, client_time_zone, offered=None, **fields
):
    """An unsaved booking, checked; `offered` if the caller has read it."""
    if not consultant.is_active:
        raise InvalidBookingData(f"{consultant} is not taking bookings at the moment.")
    if not service.is_active:
        raise InvalidBookingData(f"“{service}” is not offered at the moment.")
    if offered is None:
        offered = service.consultants.filter(pk=consultant.pk).exists()
    if not offered:
        raise InvalidBookingData(f"{consultant} does not offer “{service}”.")
    try:
        validate_time_zone(client_time_zone)
    except ValidationError as exc:
        raise InvalidBookingData(exc.messages[0]) from exc
    start = aware_utc(start)
    booking = Booking(
        consultant=consultant,
        service=service,
        start=start,
        end=start + service.duration,
        client_time_zone=client_time_zone,
        amount=service.price,
        currency=service.currency,
        location=consultant.primary_location if service.in_person else None,
        **fields,
    )
    if service.kind != Service.Kind.SESSION:
        meeting = CourseMeeting.objects.filter(service=service, start=start).first()
        booking.end = meeting.end if meeting else booking.end
    booking.slot_key = slot_key(booking)
    validate_fields(booking)
    return booking


def validate_fields(booking: Booking) -> None:
    """Field-level rules (lengths, email format) before anything is written."""
    try:
        # Not the consultant and service: the callers pass rows they have just
        # read (and checked that one offers the other), so Django's check that
        # they exist would cost a query each for nothing.
        booking.full_clean(
            exclude=["reference", "slot_key", "status", "consultant", "service"],
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors = "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
        raise InvalidBookingData(
            f"Please check the booking details ({errors})."
        ) from exc


def aware_utc(moment: datetime) -> datetime:
    """A booking time in UTC. Its readers refuse dates out of range already
    (`booking.core.dates`); this is the services' own check, for any writer."""
    if timezone.is_naive(moment):
        raise InvalidBookingData(
            "A booking time must carry its time zone; naive times are ambiguous."
        )
    if not dates.in_range(moment):
        raise InvalidBookingData(dates.OUT_OF_RANGE)
    return moment.astimezone(UTC)


def insert(booking: Booking) -> None:
    """Save a new booking under a fresh random reference, drawing again on the rare
    collision. Constraint violations become domain errors."""
    if booking.status in SLOT_HOLDING:
        take_place(booking)
    for _ in range(REFERENCE_ATTEMPTS):
        booking.reference = new_reference()
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
            return
        except IntegrityError as exc:
            if Booking.objects.filter(reference=booking.reference).exists():
                continue
            raise constraint_error(exc, booking) from exc
    raise RuntimeError(
        f"No free booking reference after {REFERENCE_ATTEMPTS} attempts; "
        "the reference space may be nearly full."
    )


def take_place(booking: Booking) -> str:
    """Decide, under the client's lock, whether a booking about to become active
    holds the client's one place (`booking.products.allowance`); returns the
    field to save with it. A series' or course's later meetings never do: they
    are held under the first booking's place."""
    booking.counts_toward_limit = (
        booking.parent_id is None and allowance.counts_toward_limit(booking)
    )
    return "counts_toward_limit"


def save(booking: Booking, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            booking.save(update_fields=[*fields, "status", "updated_at"])
    except IntegrityError as exc:
        raise constraint_error(exc, booking) from exc


def constraint_error(exc: IntegrityError, booking: Booking) -> Exception:
    text = str(exc)
    if "booking_one_active_per_email" in text:
        # No address in the message: it may end up in a log or a payment note.
        return ActiveBookingExists(
            "This email address already has an active booking. Cancel or finish it "
            "before booking another session, or contact the practice."
        )
    if "booking_no_overlap" in text:
        return slot_taken(booking)
    return exc


def client_cutoff() -> timedelta:
    return timedelta(hours=settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS)


def lock_schedule(consultant: Consultant, *, offering: Service | None = None):
    """Serialise everything that takes one consultant's slots (PostgreSQL locks the
    row; SQLite's IMMEDIATE transactions serialise writers). With `offering`, the
    same statement says whether the consultant offers it (`new_booking`)."""
    rows = Consultant.objects.select_for_update().filter(pk=consultant.pk)
    if offering is None:
        rows.exists()
        return None
    offers = Service.consultants.through.objects.filter(
        consultant_id=OuterRef("pk"), service_id=offering.pk
    )
    return bool(
        rows.annotate(offers=Exists(offers)).values_list("offers", flat=True).first()
    )


def locked(booking: Booking, *, lock_consultant: bool = False) -> Booking:
    """A fresh copy of the booking, locked; the consultant first, when slots are
    involved, so that locks are always taken in the same order."""
    if lock_consultant:
        lock_schedule(booking.consultant)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("consultant", "service")
        .get(pk=booking.pk)
    )


def check(booking: Booking, name: str, *, actor, conditions: bool = True) -> None:
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


def transition(
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
    save(booking, fields)
    if name in PARENT_LED:
        follow_parent(booking, fields)
    log_change(
        booking,
        f"booking.{name}",
        actor=actor,
        from_state=from_state,
        to_state=booking.status,
        reason=reason,
        data=data,
    )


# What a series' or course's parent booking does, its open child bookings do with it:
# one verification, one approval, one payment for all. Cancelling and completing
# are per occurrence (`booking.lifecycle.series`).
PARENT_LED = {
    "verify_email",
    "approve",
    "request_approval_again",
    "reject",
    "start_payment",
    "payment_expired",
    "confirm",
    "record_offline_payment",
    "confirm_free",
}
FOLLOWED_FIELDS = {
    "verified_at",
    "approved_at",
    "rejected_at",
    "reject_reason",
    "payment_started_at",
    "confirmed_at",
}


def follow_parent(booking: Booking, fields: list[str]) -> None:
    if booking.parent_id is not None:
        return
    copied = {name: getattr(booking, name) for name in FOLLOWED_FIELDS & set(fields)}
    children = Booking.objects.filter(parent=booking).exclude(status__in=FINAL)
    try:
        with transaction.atomic():
            children.update(status=booking.status, updated_at=timezone.now(), **copied)
    except IntegrityError as exc:
        raise constraint_error(exc, booking) from exc


def log_change(
    booking, action, *, actor, to_state, from_state=None, reason="", data=None
):
    """Every change shows in the booking's History and Wagtail's site history."""
    holds.after_change(booking, from_state, to_state, data)
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


def required_reason(reason: str, doing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidBookingData(f"Please give a reason for {doing} the booking.")
    if len(reason) > 2000:
        raise InvalidBookingData("Please keep the reason under 2,000 characters.")
    return reason


def move(booking: Booking, start: datetime) -> None:
    length = booking.service.duration
    if booking.service.kind != Service.Kind.SESSION:
        length = booking.end - booking.start  # a meeting keeps its length
    booking.start = aware_utc(start)
    booking.end = booking.start + length
    booking.slot_key = slot_key(booking)


def slot_key(booking: Booking) -> str:
    if booking.service.is_group:
        return f"group:{booking.service_id}:{booking.start.isoformat()}"
    return f"own:{secrets.token_hex(8)}"


def allowed_override_reason(actor, reason: str) -> str:
    reason = (reason or "").strip()
    if reason and not (actor and actor.has_perm("booking.override_availability")):
        raise NotPermitted(
            "You do not have permission to book outside the consultant's hours."
        )
    if len(reason) > 2000:
        raise InvalidBookingData("Please keep the reason under 2,000 characters.")
    return reason


def override_data(reason: str) -> dict:
    return {"availability_override": reason} if reason else {}
