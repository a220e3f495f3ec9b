"""Emails about bookings, through an outbox (DESIGN §6).

`queue` renders each email a change causes and writes it as an `OutboxEmail` row in
the caller's transaction; after commit a django-q2 task (`booking.tasks.send_email`)
sends it. Nothing is lost: a row that is still unsent (the broker was down, the
worker died, the provider failed) is handed to a new task by `retry_unsent`, run
every minute. Nothing is doubled: every row has a unique `key` (booking or session,
kind, occurrence, recipient), and a sender first claims its row with a conditional
UPDATE, so a second task for the same row finds nothing to do.

Templates: `templates/booking/email/<kind>.txt`, whose first line is the subject,
and `<kind>.html`, which extends `booking/email/base.html`."""

import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import groupby
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from anymail.signals import EventType, tracking
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django_q.tasks import async_task

from booking import calendar_files, tokens
from booking.models import Booking, BookingToken, MeetingLink, OutboxEmail, Service
from booking.redaction import redact
from booking.states import BookingStatus

logger = logging.getLogger(__name__)

Kind = OutboxEmail.Kind
Status = OutboxEmail.Status
S = BookingStatus

CONSULTANT_KINDS = {
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_CANCELLED,
    Kind.CONSULTANT_REMINDER,
    Kind.SESSION_ENDED,
}
STAFF_KINDS = {Kind.STAFF_NEW_REQUEST}

# What a change named by `booking.services` tells the consultant as well.
CONSULTANT_COPY = {
    Kind.CONFIRMED: Kind.CONSULTANT_CONFIRMED,
    Kind.RESCHEDULED: Kind.CONSULTANT_RESCHEDULED,
    Kind.CANCELLED: Kind.CONSULTANT_CANCELLED,
}
# Emails with the client's personal link to see, pay, cancel, move or review.
WITH_MANAGE_LINK = {
    Kind.RECEIVED,
    Kind.APPROVED,
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.REMINDER_24H,
    Kind.REMINDER_30M,
    Kind.COMPLETED,
}
# Emails about a confirmed session: they carry its meeting link and calendar file.
ABOUT_CONFIRMED_SESSION = {
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.REMINDER_24H,
    Kind.REMINDER_30M,
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_REMINDER,
}
WITH_ICS = {
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.CANCELLED,
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_CANCELLED,
}

# (kind, how long before the start it is meant to go, half its window). A window
# opens at `lead + slack` before the start and stays open until the next shorter
# reminder's opens (or the start), so a sweep that is late or skipped still sends
# each reminder once.
REMINDERS = (
    (Kind.REMINDER_24H, timedelta(hours=24), timedelta(minutes=10)),
    (Kind.REMINDER_30M, timedelta(minutes=30), timedelta(minutes=5)),
)
# Sessions that ended longer ago than this no longer prompt "mark it completed".
SESSION_ENDED_LOOKBACK = timedelta(days=14)
SWEEP_BATCH = 500


# --- links ------------------------------------------------------------------------


def verify_url(token: str) -> str:
    return f"{settings.SITE_URL}/book/verify/{token}/"


def manage_url(token: str) -> str:
    return f"{settings.SITE_URL}/book/manage/{token}/"


def meeting_link(booking: Booking) -> str:
    """The session's video-call link, fixed the first time it is asked for: the
    consultant's own room, or a new unguessable Jitsi Meet room."""
    if booking.service.mode != Service.Mode.ONLINE:
        return ""
    link, _ = MeetingLink.objects.get_or_create(
        slot_key=booking.slot_key, defaults={"url": _new_room_url(booking)}
    )
    return link.url


def _new_room_url(booking: Booking) -> str:
    if booking.consultant.meeting_url:
        return booking.consultant.meeting_url
    base = settings.BOOKING_MEETING_BASE_URL.rstrip("/")
    prefix = slugify(settings.BOOKING_PRACTICE_NAME) or "session"
    return f"{base}/{prefix}-{secrets.token_hex(16)}"


# --- writing emails -----------------------------------------------------------------


def queue(booking: Booking, kind: str, *, token: str = "") -> None:
    """Write the emails that the change `kind` to `booking` causes, in the caller's
    transaction, to be sent once it commits: nothing goes out for a change that is
    rolled back. `token` is the raw link token that `verify_email` and
    `manage_link` send."""
    kind = Kind(kind)
    if kind in (Kind.VERIFY_EMAIL, Kind.MANAGE_LINK):
        _write_for_booking(booking, kind, token.partition(".")[0], token=token)
        return
    # The calendar file's SEQUENCE: each reschedule or cancellation revises it.
    sequence = 0
    if kind in (Kind.RESCHEDULED, Kind.CANCELLED):
        sequence = _revision(booking) + 1
    occurrence = str(sequence) if kind == Kind.RESCHEDULED else ""
    for email_kind in (kind, CONSULTANT_COPY.get(kind)):
        if email_kind and _wanted(booking, email_kind):
            _write_for_booking(booking, email_kind, occurrence, sequence=sequence)


def _wanted(booking: Booking, kind: str) -> bool:
    if kind == Kind.CANCELLED:
        # An address that was never verified gets nothing but the verification.
        return booking.verified_at is not None
    if kind in (Kind.CONSULTANT_CANCELLED, Kind.CONSULTANT_RESCHEDULED):
        # The consultant hears of a session once it is confirmed, and from then on.
        return booking.confirmed_at is not None
    return True


def _revision(booking: Booking) -> int:
    """How many times the booking was rescheduled."""
    return OutboxEmail.objects.filter(booking=booking, kind=Kind.RESCHEDULED).count()


def recipients(booking: Booking, kind: str) -> list[str]:
    if kind in STAFF_KINDS:
        return staff_recipients()
    if kind in CONSULTANT_KINDS:
        return [booking.consultant.email]
    return [booking.client_email]


def staff_recipients() -> list[str]:
    """BOOKING_STAFF_EMAILS, or else every active user who may approve bookings."""
    if settings.BOOKING_STAFF_EMAILS:
        return list(settings.BOOKING_STAFF_EMAILS)
    users = (
        get_user_model()
        .objects.with_perm("booking.approve_booking")
        .exclude(email="")
        .order_by("pk")
    )
    return list(dict.fromkeys(user.email for user in users))


def _write_for_booking(booking: Booking, kind: str, occurrence: str, **extra) -> None:
    for recipient in recipients(booking, kind):
        key = Planned(booking, kind, recipient, occurrence).key
        _write(booking, kind, recipient, key=key, occurrence=occurrence, **extra)


def _write(
    booking: Booking,
    kind: str,
    recipient: str,
    *,
    key: str,
    occurrence: str,
    **extra,
) -> OutboxEmail | None:
    """Render and store one email, and send it after commit. None when an email
    with this key exists already: it is not written, nor sent, twice."""
    now = timezone.now()
    try:
        with transaction.atomic():
            context = _context(booking, kind, **extra)
            subject, text, html = render(kind, context)
            email = OutboxEmail.objects.create(
                key=key,
                booking=booking,
                kind=kind,
                occurrence=occurrence,
                recipient=recipient,
                subject=subject,
                text_body=text,
                html_body=html,
                ics=_ics(booking, kind, context),
                # The sweep steps in if the task below has not claimed it by then.
                next_attempt_at=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
            )
    except IntegrityError:
        if OutboxEmail.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(partial(enqueue_send, email.pk), robust=True)
    return email


def _zone_for(booking: Booking, kind: str) -> ZoneInfo:
    if kind in CONSULTANT_KINDS or kind in STAFF_KINDS:
        return booking.consultant.zone
    return ZoneInfo(booking.client_time_zone)


def _context(booking: Booking, kind: str, *, token: str = "", **extra) -> dict:
    zone = _zone_for(booking, kind)
    site = settings.SITE_URL
    context = {
        "booking": booking,
        "kind": kind,
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
        "admin_url": f"{site}/admin/",
        "zone": zone,
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "online": booking.service.mode == Service.Mode.ONLINE,
        "address": settings.BOOKING_PRACTICE_ADDRESS,
        "payment_window_hours": settings.BOOKING_PAYMENT_WINDOW_HOURS,
        "payment_instructions": settings.BOOKING_PAYMENT_INSTRUCTIONS,
        "pay_online": bool(settings.STRIPE_SECRET_KEY),
        "verify_url": verify_url(token) if kind == Kind.VERIFY_EMAIL else "",
        "manage_url": manage_url(token) if kind == Kind.MANAGE_LINK else "",
        "meeting_url": "",
        "sequence": 0,
        **extra,
    }
    if kind in WITH_MANAGE_LINK:
        raw = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
        context["manage_url"] = manage_url(raw)
    if kind in ABOUT_CONFIRMED_SESSION and booking.status == S.CONFIRMED:
        context["meeting_url"] = meeting_link(booking)
    return context


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one email. Dates show in the reader's zone."""
    with timezone.override(context["zone"]):
        first_line, _, text = render_to_string(
            f"booking/email/{kind}.txt", context
        ).partition("\n")
        subject = " ".join(first_line.split())
        html = render_to_string(
            f"booking/email/{kind}.html", {**context, "subject": subject}
        )
    return subject, text.strip() + "\n", html


def _ics(booking: Booking, kind: str, context: dict) -> str:
    if kind not in WITH_ICS:
        return ""
    cancelled = kind in (Kind.CANCELLED, Kind.CONSULTANT_CANCELLED)
    if cancelled and booking.confirmed_at is None:
        return ""
    if not cancelled and booking.status != S.CONFIRMED:
        return ""
    return calendar_files.booking_ics(
        booking,
        zone=context["zone"],
        sequence=context["sequence"],
        meeting_url=context["meeting_url"],
        for_consultant=kind in CONSULTANT_KINDS,
        cancelled=cancelled,
    )


# --- sending ----------------------------------------------------------------------


def enqueue_send(email_id: int) -> None:
    async_task(
        "booking.tasks.send_email",
        email_id,
        task_name=f"send email {email_id}",
        group="outbox",
    )


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def send(email_id: int) -> str:
    """Send one queued email, unless it is sent already or another sender holds
    it. Provider failures are recorded on the row and retried later by
    `retry_unsent`; after OUTBOX_MAX_ATTEMPTS the email is marked failed."""
    now = timezone.now()
    claimed = (
        OutboxEmail.objects.filter(pk=email_id, status=Status.QUEUED)
        .filter(_unclaimed(now))
        .update(
            claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "nothing to send"
    email = OutboxEmail.objects.select_related("booking").get(pk=email_id)
    message = build_message(email)
    try:
        message.send()
    except Exception as exc:
        return _record_failure(email, exc)
    OutboxEmail.objects.filter(pk=email.pk).update(
        # A tracking event may have arrived first; it knows more than "sent".
        status=Case(
            When(status=Status.QUEUED, then=Value(Status.SENT)), default=F("status")
        ),
        esp_message_id=_esp_message_id(message),
        sent_at=timezone.now(),
        claimed_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return "sent"


def build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        to=[email.recipient],
        headers={
            # The same on every attempt, so a copy the provider took but never
            # confirmed shows as one message in the reader's mailbox.
            "Message-ID": _message_id_header(email),
            "Auto-Submitted": "auto-generated",
        },
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.ics:
        message.attach(f"{email.booking.reference}.ics", email.ics, "text/calendar")
    message.tags = [email.kind]
    message.metadata = {
        "outbox_id": str(email.pk),
        "booking": email.booking.reference,
    }
    return message


def _message_id_header(email: OutboxEmail) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "haven"
    return f"<outbox.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def _esp_message_id(message: EmailMultiAlternatives) -> str:
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id is not None:
        return str(status.message_id)[:255]
    return message.extra_headers["Message-ID"]


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: the base delay, doubling, at most an hour."""
    base = settings.OUTBOX_RETRY_DELAY_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def _record_failure(email: OutboxEmail, exc: Exception) -> str:
    refused = isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress)
    give_up = refused or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    error = f"{type(exc).__name__}: {exc}"
    next_attempt = timezone.now() + retry_delay(email.attempts)
    OutboxEmail.objects.filter(pk=email.pk, status=Status.QUEUED).update(
        status=Status.FAILED if give_up else Status.QUEUED,
        last_error=error[:4000],
        claimed_until=None,
        next_attempt_at=None if give_up else next_attempt,
    )
    logger.warning(
        "Email %s (%s) attempt %s failed%s: %s",
        email.pk,
        email.kind,
        email.attempts,
        "; giving up" if give_up else "",
        redact(error),  # providers quote the refused address
    )
    return "failed" if give_up else "will retry"


def retry_unsent(*, now: datetime | None = None) -> int:
    """Hand each queued email that is due and not held by a sender to a new send
    task; push its next attempt a claim period on, so that a busy queue is not
    filled with copies of the same task. Returns how many were handed on."""
    now = now or timezone.now()
    due = list(
        OutboxEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .filter(_unclaimed(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    OutboxEmail.objects.filter(pk__in=due).update(
        next_attempt_at=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    )
    for email_id in due:
        enqueue_send(email_id)
    return len(due)


def retry(email: OutboxEmail) -> bool:
    """Send a failed email, or one waiting for its next attempt, again now, with a
    fresh set of attempts. False when it is sent or being sent."""
    now = timezone.now()
    waiting = Q(status=Status.QUEUED) & _unclaimed(now)
    updated = (
        OutboxEmail.objects.filter(pk=email.pk)
        .filter(Q(status=Status.FAILED) | waiting)
        .update(
            status=Status.QUEUED,
            attempts=0,
            claimed_until=None,
            next_attempt_at=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        )
    )
    if updated:
        transaction.on_commit(partial(enqueue_send, email.pk), robust=True)
    return bool(updated)


# --- reminders and "mark it completed" ---------------------------------------------


class Planned(NamedTuple):
    """An email a sweep means to write, unless its key is taken."""

    booking: Booking
    kind: str
    recipient: str
    occurrence: str
    participants: list[Booking] | None = None

    @property
    def key(self) -> str:
        if self.participants is not None:
            # About a session, not one booking: a seat cancelled in between cannot
            # make it go out twice.
            owner = f"session:{self.booking.consultant_id}"
        else:
            owner = f"booking:{self.booking.pk}"
        return f"{owner}:{self.kind}:{self.occurrence}:{self.recipient.lower()}"


def reminder_windows() -> Iterable[tuple[str, timedelta, timedelta]]:
    """(kind, opens, closes), both as time before the start. A window opens at
    `lead + slack` and stays open until the next shorter reminder's opens (or the
    start), so a sweep that is late, or several that are skipped, still send each
    reminder once rather than never."""
    opens = [lead + slack for _, lead, slack in REMINDERS]
    for index, (kind, _, _) in enumerate(REMINDERS):
        closes = opens[index + 1] if index + 1 < len(opens) else timedelta(0)
        yield kind, opens[index], closes


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """Write the reminders whose window is open: each client's, and with the
    24-hour one the consultant's, one per session listing all its participants. A
    booking confirmed or moved after a window opened was just sent its details,
    so it gets no reminder for that window. Returns how many emails were
    written."""
    now = now or timezone.now()
    planned = []
    for kind, opens, closes in reminder_windows():
        in_window = list(_reminder_candidates(now + closes, now + opens))
        due = [b for b in in_window if _noticed_before(b, b.start - opens)]
        planned += [Planned(b, kind, b.client_email, _stamp(b.start)) for b in due]
        if kind == Kind.REMINDER_24H:
            for seats in _sessions(due):
                planned += _session_emails(seats, Kind.CONSULTANT_REMINDER, in_window)
    return _write_once(planned)


def queue_session_ended_notices(*, now: datetime | None = None) -> int:
    """Ask the consultant (or, when they have no login, the booking admins) to mark
    each confirmed session completed once it has ended: the transition itself
    needs a person. Returns how many emails were written."""
    now = now or timezone.now()
    ended = list(
        Booking.objects.filter(
            status=S.CONFIRMED,
            end__lte=now,
            end__gt=now - SESSION_ENDED_LOOKBACK,
        ).select_related("consultant", "service")
    )
    planned = []
    for seats in _sessions(ended):
        planned += _session_emails(seats, Kind.SESSION_ENDED, ended)
    return _write_once(planned)


def _reminder_candidates(after: datetime, until: datetime):
    last_notice = (
        OutboxEmail.objects.filter(
            booking=OuterRef("pk"), kind__in=(Kind.CONFIRMED, Kind.RESCHEDULED)
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Booking.objects.filter(status=S.CONFIRMED, start__gt=after, start__lte=until)
        .select_related("consultant", "service")
        .annotate(last_notice=Subquery(last_notice))
    )


def _noticed_before(booking: Booking, moment: datetime) -> bool:
    noticed = booking.last_notice or booking.confirmed_at
    return noticed is None or noticed <= moment


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sessions(bookings: list[Booking]) -> Iterable[list[Booking]]:
    """Bookings grouped by session: one consultant, one start."""
    ordered = sorted(bookings, key=lambda b: (b.consultant_id, b.start, b.pk))
    for _, seats in groupby(ordered, key=lambda b: (b.consultant_id, b.start)):
        yield list(seats)


def _session_emails(seats: list[Booking], kind: str, pool: list[Booking]):
    first = seats[0]
    participants = [
        b
        for b in pool
        if b.consultant_id == first.consultant_id and b.start == first.start
    ]
    participants.sort(key=lambda b: b.client_name)
    if kind == Kind.SESSION_ENDED and first.consultant.user_id is None:
        to = staff_recipients()
    else:
        to = [first.consultant.email]
    return [Planned(first, kind, r, _stamp(first.start), participants) for r in to]


def _write_once(planned: list[Planned]) -> int:
    """Write each planned email whose key is not taken; one query finds those
    written already, and the unique key stops a sweep running alongside."""
    by_key = {email.key: email for email in planned}
    taken = set(
        OutboxEmail.objects.filter(key__in=list(by_key)).values_list("key", flat=True)
    )
    written = 0
    for key, email in by_key.items():
        if key in taken:
            continue
        extra = {}
        if email.participants is not None:
            extra["participants"] = email.participants
        written += bool(
            _write(
                email.booking,
                email.kind,
                email.recipient,
                key=key,
                occurrence=email.occurrence,
                **extra,
            )
        )
    return written


# --- delivery tracking (django-anymail webhooks) ------------------------------------

# Provider events that change an email's status. A status never gives way to one
# ranked lower, so a repeated or late event changes nothing.
TRACKED = {
    EventType.DELIVERED: Status.DELIVERED,
    EventType.BOUNCED: Status.BOUNCED,
    EventType.REJECTED: Status.BOUNCED,
    EventType.COMPLAINED: Status.COMPLAINED,
}
RANK = {
    Status.QUEUED: 0,
    Status.SENT: 1,
    Status.FAILED: 1,
    Status.DELIVERED: 2,
    Status.BOUNCED: 3,
    Status.COMPLAINED: 4,
}


@receiver(tracking, dispatch_uid="booking.outbox.tracking")
def record_tracking_event(sender, event, esp_name, **kwargs) -> int:
    status = TRACKED.get(event.event_type)
    if status is None:
        return 0
    emails = _tracked_emails(event)
    if emails is None:
        return 0
    earlier = [s for s, rank in RANK.items() if rank < RANK[status]]
    changes = {"status": status, "tracked_at": event.timestamp or timezone.now()}
    if status != Status.DELIVERED:
        reason = event.description or event.mta_response or ""
        changes["last_error"] = f"{event.event_type} ({event.reject_reason}): {reason}"
    return emails.filter(status__in=earlier).update(**changes)


def _tracked_emails(event):
    """The outbox row an event is about: by the id we sent as metadata (the event
    may come before the provider's message id was recorded), else by that id."""
    outbox_id = str((event.metadata or {}).get("outbox_id", ""))
    if outbox_id.isdigit():
        return OutboxEmail.objects.filter(pk=int(outbox_id))
    if event.message_id:
        emails = OutboxEmail.objects.filter(esp_message_id=str(event.message_id))
        if event.recipient:
            emails = emails.filter(recipient__iexact=event.recipient)
        return emails
    return None
