"""The waitlist's services (DESIGN §2 rules: one transaction, the consultant's
lock, domain errors that change nothing).

- `join`: a client waits for a full workshop or course, or a taken one-to-one
  slot; they confirm their address by the emailed link, unless signed in. A
  one-to-one slot is freed by any booking that held time overlapping it, of
  whatever service, and an offer holds every time overlapping it.
- `offer_freed`: when a seat frees (any logged change that stops a booking
  holding its slot, or moves it: `booking.waitlist.holds.seat_freed`), the first
  waiting clients are offered the free seats, one live offer per seat, held for
  WAITLIST_HOLD_HOURS. Live offers hold their seats against other bookings
  (`booking.lifecycle.slot_checks.ensure_slot_free`).
- `accept`: the offered client books the seat through the normal booking
  services; `expire_offers` (a django-q2 schedule) moves a lapsed offer on."""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.dispatch import receiver
from django.utils import timezone
from django_q.tasks import async_task

from booking.core import tokens
from booking.core.errors import (
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
    TokenError,
    TokenExpired,
)
from booking.core.models import Booking, Consultant, Service, validate_time_zone
from booking.core.states import SLOT_HOLDING
from booking.courses.models import CourseMeeting
from booking.lifecycle import services
from booking.lifecycle.steps import aware_utc, lock_schedule, log_change
from booking.notifications.models import OutboxEmail
from booking.waitlist import holds
from booking.waitlist.models import LIVE, WaitlistEntry

W = WaitlistEntry.Status


def hold() -> timedelta:
    return timedelta(hours=settings.WAITLIST_HOLD_HOURS)


def free_seats(service: Service, consultant: Consultant, start: datetime) -> int:
    """Seats of the slot nobody holds: no booking, no live offer. Call it under
    the consultant's lock to act on the answer."""
    if service.kind != Service.Kind.SESSION:
        meeting = CourseMeeting.objects.filter(service=service, start=start).first()
        if meeting is None or meeting.start <= timezone.now():
            return 0
        end = meeting.end
    else:
        end = start + service.duration
    overlapping = Booking.objects.filter(
        consultant=consultant, status__in=SLOT_HOLDING, start__lt=end, end__gt=start
    )
    same = Q(service=service, start=start)
    if overlapping.exclude(same).exists() or start <= timezone.now():
        return 0
    if service.kind == Service.Kind.SESSION and any(
        (offer.service_id, offer.start) != (service.pk, start)
        for offer in holds.overlapping_offers(
            consultant_id=consultant.pk, start=start, end=end
        )
    ):
        return 0  # another one-to-one time offered to someone overlaps it
    taken = overlapping.filter(same).aggregate(n=Sum("seats"))["n"] or 0
    offered = holds.live_offers(
        service_id=service.pk, start=start, consultant_id=consultant.pk
    ).count()
    return max(0, max(service.capacity, 1) - taken - offered)


def position(entry: WaitlistEntry) -> int:
    """1 for the first in line (or offered), counting only confirmed entries."""
    ahead = WaitlistEntry.objects.filter(
        service_id=entry.service_id,
        consultant_id=entry.consultant_id,
        start=entry.start,
        status__in=(W.WAITING, W.OFFERED),
    ).filter(
        Q(position__lt=entry.position) | Q(position=entry.position, pk__lt=entry.pk)
    )
    return ahead.count() + 1


def join(
    *,
    service: Service,
    consultant: Consultant,
    start: datetime,
    client_name: str,
    client_email: str,
    client_time_zone: str,
    account=None,
) -> WaitlistEntry:
    """Put a client on the slot's waitlist. Refused, with the reason, for a slot
    that has a free seat (book it instead) or bad details."""
    client_name = (client_name or "").strip()
    client_email = (client_email or "").strip().lower()
    if account is not None:
        client_email = account.email.lower()
    if not client_name or len(client_name) > 120:
        raise InvalidBookingData("Please give your name (at most 120 characters).")
    try:
        validate_email(client_email)
        validate_time_zone(client_time_zone)
    except ValidationError as exc:
        raise InvalidBookingData(
            f"Please check your details: {exc.messages[0]}"
        ) from exc
    start = aware_utc(start)
    if (
        not service.is_active
        or not service.consultants.filter(pk=consultant.pk).exists()
    ):
        raise InvalidBookingData(f"{consultant} does not offer “{service}”.")
    if start <= timezone.now():
        raise InvalidBookingData("That time has passed; choose a later one.")
    if (
        service.kind != Service.Kind.SESSION
        and not CourseMeeting.objects.filter(service=service, start=start).exists()
    ):
        raise InvalidBookingData(f"“{service}” does not meet at that time.")
    with transaction.atomic():
        lock_schedule(consultant)
        if free_seats(service, consultant, start) > 0:
            raise InvalidBookingData(
                "That time still has a free place: book it instead of waiting."
            )
        slot = WaitlistEntry.objects.filter(
            service=service, consultant=consultant, start=start
        )
        if slot.filter(status__in=LIVE, client_email__iexact=client_email).exists():
            raise InvalidBookingData(
                "This email address is already on the waitlist for that time."
            )
        last = slot.aggregate(last=Max("position"))["last"] or 0
        entry = WaitlistEntry.objects.create(
            service=service,
            consultant=consultant,
            start=start,
            client_name=client_name,
            client_email=client_email,
            client_time_zone=client_time_zone,
            account=account,
            position=last + 1,
            status=W.WAITING if account is not None else W.UNVERIFIED,
        )
        if account is None:
            send(entry, "waitlist_verify")
    return entry


def send(entry: WaitlistEntry, kind: str) -> None:
    """The email is a django-q2 task after commit; the link's secret is made
    when it is sent (`booking.waitlist.emails`)."""
    transaction.on_commit(
        partial(async_task, "booking.tasks.send_waitlist_email", entry.pk, kind),
        robust=True,
    )


def entry_for(raw: str, *, lock: bool = False) -> WaitlistEntry:
    """The entry an emailed link names, or a TokenError saying why not."""
    parts = tokens.split_token(raw)
    entries = WaitlistEntry.objects.select_related("service", "consultant")
    if lock:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(key=parts[0]).first() if parts else None
    if entry is None or not tokens.secret_matches(entry.secret_hash, parts[1]):
        raise TokenError(
            "This link is not valid. Check that you copied the whole link from "
            "the email."
        )
    if entry.link_expires_at and entry.link_expires_at <= timezone.now():
        raise TokenExpired("This link has expired.")
    return entry


@transaction.atomic
def confirm(*, token: str) -> WaitlistEntry:
    """The client followed the link: their place in line counts from now on."""
    entry = entry_for(token, lock=True)
    if entry.status == W.UNVERIFIED:
        entry.status = W.WAITING
        entry.save(update_fields=["status", "updated_at"])
        offer_next(entry.service, entry.consultant, entry.start)
    return entry


@transaction.atomic
def leave(*, entry: WaitlistEntry) -> WaitlistEntry:
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    was_offered = entry.status == W.OFFERED
    if entry.status in LIVE:
        entry.status = W.LEFT
        entry.save(update_fields=["status", "updated_at"])
    if was_offered:
        transaction.on_commit(
            partial(offer_freed, entry.service_id, entry.consultant_id, entry.start)
        )
    return entry


def offer_next(service: Service, consultant: Consultant, start: datetime) -> int:
    """Under the consultant's lock: offer each free seat to the next waiting
    client. Returns how many offers were made."""
    lock_schedule(consultant)
    seats = free_seats(service, consultant, start)
    waiting = WaitlistEntry.objects.select_for_update().filter(
        service=service, consultant=consultant, start=start, status=W.WAITING
    )
    now = timezone.now()
    made = 0
    for entry in waiting.order_by("position", "pk")[:seats]:
        entry.status = W.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = now + hold()
        entry.save(
            update_fields=["status", "offered_at", "offer_expires_at", "updated_at"]
        )
        send(entry, "waitlist_offer")
        made += 1
    return made


def offer_freed(service_id: int, consultant_id: int, start: datetime) -> int:
    with transaction.atomic():
        return offer_next(
            Service.objects.get(pk=service_id),
            Consultant.objects.get(pk=consultant_id),
            start,
        )


def one_to_one_lines(consultant_id: int, start: datetime, end: datetime):
    """(service id, start) of the consultant's one-to-one waitlists whose time
    overlaps [start, end): a freed booking of any service may free them."""
    waiting = WaitlistEntry.objects.filter(
        consultant_id=consultant_id,
        status=W.WAITING,
        service__kind=Service.Kind.SESSION,
        start__lt=end,
        start__gt=start - holds.LONGEST,
    ).select_related("service")
    return sorted(
        {
            (e.service_id, e.start)
            for e in waiting
            if e.start + e.service.duration > start
        },
        key=lambda line: line[1],
    )


@receiver(holds.seat_freed)
def _on_seat_freed(sender, *, service_id, consultant_id, start, end=None, **kwargs):
    offer_freed(service_id, consultant_id, start)
    if end is not None:
        for other_service, other_start in one_to_one_lines(consultant_id, start, end):
            if (other_service, other_start) != (service_id, start):
                offer_freed(other_service, consultant_id, other_start)


def accept(*, token: str, consent: bool) -> Booking:
    """The offered client takes the seat: a booking made by the normal services,
    its address already verified by the link. Refused when the offer is not live."""
    if not consent:
        raise InvalidBookingData(
            "Please accept the privacy policy so that we can handle your booking."
        )
    with transaction.atomic():
        entry = entry_for(token)
        lock_schedule(entry.consultant)
        entry = entry_for(token, lock=True)
        if entry.status != W.OFFERED:
            raise InvalidTransition(
                f"There is no seat offered on this link: it is "
                f"{entry.get_status_display().lower()}."
            )
        if entry.offer_expires_at <= timezone.now():
            raise InvalidTransition(
                "The seat was held for you until "
                f"{entry.offer_expires_at:%d %B %H:%M} UTC and has been offered on."
            )
        booking, verify = services.create_draft(
            consultant=entry.consultant,
            service=entry.service,
            start=entry.start,
            client_name=entry.client_name,
            client_email=entry.client_email,
            client_time_zone=entry.client_time_zone,
            consent=True,
        )
        # The offer's link proved the address: no second verification email.
        OutboxEmail.objects.filter(
            booking=booking, kind=OutboxEmail.Kind.VERIFY_EMAIL
        ).delete()
        booking = services.verify_email(token=verify)
        entry.status, entry.booking = W.BOOKED, booking
        entry.save(update_fields=["status", "booking", "updated_at"])
        log_change(
            booking,
            "booking.waitlist_accept",
            actor=None,
            to_state=booking.status,
            data={"waitlist_entry": entry.pk},
        )
    return booking


def expire_offers(*, now: datetime | None = None) -> int:
    """The schedule: lapse offers whose hold ran out and offer their seats on."""
    now = now or timezone.now()
    lapsed = 0
    for entry in WaitlistEntry.objects.filter(
        status=W.OFFERED, offer_expires_at__lte=now
    ).select_related("service", "consultant"):
        with transaction.atomic():
            lock_schedule(entry.consultant)
            if WaitlistEntry.objects.filter(
                pk=entry.pk, status=W.OFFERED, offer_expires_at__lte=now
            ).update(status=W.LAPSED, updated_at=now):
                lapsed += 1
                offer_next(entry.service, entry.consultant, entry.start)
    return lapsed


@transaction.atomic
def move(*, entry: WaitlistEntry, actor, up: bool) -> WaitlistEntry:
    """A booking admin moves a waiting entry one place up or down its line."""
    if not actor.has_perm("booking.change_booking"):
        raise NotPermitted("You do not have permission to reorder the waitlist.")
    line = list(
        WaitlistEntry.objects.select_for_update()
        .filter(
            service_id=entry.service_id,
            consultant_id=entry.consultant_id,
            start=entry.start,
            status__in=LIVE,
        )
        .order_by("position", "pk")
    )
    index = next((i for i, e in enumerate(line) if e.pk == entry.pk), None)
    if index is None:
        raise InvalidBookingData("That entry is no longer on the waitlist.")
    other = index - 1 if up else index + 1
    if not 0 <= other < len(line):
        raise InvalidBookingData("That entry is already at the end of the line.")
    for number, item in enumerate(line, start=1):
        item.position = number
    line[index].position, line[other].position = (
        line[other].position,
        line[index].position,
    )
    for item in line:
        WaitlistEntry.objects.filter(pk=item.pk).update(position=item.position)
    return line[index]
