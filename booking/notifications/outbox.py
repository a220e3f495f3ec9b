"""Emails about bookings, through an outbox (DESIGN §6).

`queue` renders each email a change causes and writes it as an `OutboxEmail` row in
the caller's transaction; after commit a django-q2 task (`booking.tasks.send_email`)
sends it. Nothing is lost: a row that is still unsent (the broker was down, the
worker died, the provider failed) is handed to a new task by `retry_unsent`, run
every minute. Nothing is doubled: every row has a unique `key` (booking or session,
kind, occurrence, recipient), and a sender first claims its row with a conditional
UPDATE, so a second task for the same row finds nothing to do.

Delivery tracking: the ESPs' webhooks (django-anymail's `tracking` signal) mark
rows delivered, bounced or complained about."""

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from anymail.signals import EventType, tracking
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.dispatch import receiver
from django.utils import timezone
from django_q.tasks import async_task

from booking.core.models import Booking
from booking.core.redaction import redact
from booking.core.states import BookingStatus
from booking.notifications.emails import (
    CONSULTANT_COPY,
    email_context,
    ics_for,
    recipients,
    render,
)
from booking.notifications.models import OutboxEmail

logger = logging.getLogger(__name__)
S = BookingStatus
Status = OutboxEmail.Status
Kind = OutboxEmail.Kind


SWEEP_BATCH = 500


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


def queue(booking: Booking, kind: str, *, token: str = "") -> None:
    """Write the emails that the change `kind` to `booking` causes, in the caller's
    transaction, to be sent once it commits: nothing goes out for a change that is
    rolled back. `token` is the raw link token that `verify_email` and
    `manage_link` send."""
    kind = Kind(kind)
    if kind in (Kind.VERIFY_EMAIL, Kind.MANAGE_LINK):
        write_for_booking(booking, kind, token.partition(".")[0], token=token)
        return
    # The calendar file's SEQUENCE: each reschedule or cancellation revises it.
    sequence = 0
    if kind in (Kind.RESCHEDULED, Kind.CANCELLED):
        sequence = revision(booking) + 1
    occurrence = str(sequence) if kind == Kind.RESCHEDULED else ""
    for email_kind in (kind, CONSULTANT_COPY.get(kind)):
        if email_kind and wanted(booking, email_kind):
            write_for_booking(booking, email_kind, occurrence, sequence=sequence)


def wanted(booking: Booking, kind: str) -> bool:
    if kind == Kind.CANCELLED:
        # An address that was never verified gets nothing but the verification.
        return booking.verified_at is not None
    if kind in (Kind.CONSULTANT_CANCELLED, Kind.CONSULTANT_RESCHEDULED):
        # The consultant hears of a session once it is confirmed, and from then on.
        return booking.confirmed_at is not None
    return True


def revision(booking: Booking) -> int:
    """How many times the booking was rescheduled."""
    return OutboxEmail.objects.filter(booking=booking, kind=Kind.RESCHEDULED).count()


def write_for_booking(booking: Booking, kind: str, occurrence: str, **extra) -> None:
    for recipient in recipients(booking, kind):
        key = Planned(booking, kind, recipient, occurrence).key
        write_email(booking, kind, recipient, key=key, occurrence=occurrence, **extra)


def write_email(
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
    # A key made from a link token issued in this very transaction (verification,
    # manage link) cannot exist already: no savepoint (two statements) to guard it.
    guard = nullcontext() if extra.get("token") else transaction.atomic()
    try:
        with guard:
            context = email_context(booking, kind, **extra)
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
                ics=ics_for(booking, kind, context),
                # The sweep steps in if the task below has not claimed it by then.
                next_attempt_at=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
            )
    except IntegrityError:
        if OutboxEmail.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(partial(enqueue_send, email.pk), robust=True)
    return email


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
