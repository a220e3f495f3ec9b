"""The "You have a new message from your practice" email: never the message's
words, one per conversation and recipient per MESSAGING_EMAIL_BATCH_MINUTES.

A message to someone emailed less than that long ago waits; the sweep
(`send_batched`, every few minutes) emails them once the time is up, if the
message is still unread. Each email's outbox key names the first message it
is about, and the conversation row is locked while deciding, so overlapping
sweeps or a sweep racing a new message never send two."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking.core import links, tokens
from booking.core.models import BookingToken
from booking.messaging.models import Conversation, Side
from booking.notifications import outbox
from booking.notifications.models import OutboxEmail

KIND = OutboxEmail.Kind.NEW_MESSAGE


def batch() -> timedelta:
    return timedelta(minutes=settings.MESSAGING_EMAIL_BATCH_MINUTES)


def _notified_field(recipient: str) -> str:
    return f"{recipient}_notified_at"


def after_message(conversation: Conversation, *, recipient: str) -> bool:
    """Call with the conversation locked: email `recipient` now unless they were
    emailed within the batch time (the sweep will, later)."""
    last = getattr(conversation, _notified_field(recipient))
    if last is not None and timezone.now() - last < batch():
        return False
    return notify(conversation, recipient=recipient)


def notify(conversation: Conversation, *, recipient: str) -> bool:
    """Write the email about the unread, not yet announced messages to
    `recipient` (locked conversation, caller's transaction)."""
    pending = conversation.messages.exclude(sender=recipient).filter(
        read_at__isnull=True, notified_at__isnull=True
    )
    first = pending.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return False
    now = timezone.now()
    address = (
        conversation.client_email
        if recipient == Side.CLIENT
        else conversation.consultant.email
    )
    email = outbox.write_email(
        conversation.booking,
        KIND,
        address,
        key=f"conversation:{conversation.pk}:{KIND}:{first}:{address.lower()}",
        occurrence=str(first),
        messages_url=messages_url(conversation, recipient),
        to_consultant=recipient == Side.CONSULTANT,
    )
    pending.update(notified_at=now)
    setattr(conversation, _notified_field(recipient), now)
    conversation.save(update_fields=[_notified_field(recipient)])
    return email is not None


def messages_url(conversation: Conversation, recipient: str) -> str:
    """Where the email leads: the admin for the consultant; for the client a
    fresh expiring link (a manage token of the conversation's booking)."""
    if recipient == Side.CONSULTANT:
        path = reverse("booking_message_conversation", args=[conversation.pk])
        return settings.SITE_URL + path
    raw = tokens.issue_token(
        booking=conversation.booking, purpose=BookingToken.Purpose.MANAGE
    )
    return links.client_link(f"/book/manage/{raw}/messages/")


def send_batched(*, now=None) -> int:
    """The sweep: email each side still waiting once its batch time is up."""
    now = now or timezone.now()
    due = now - batch()
    sent = 0
    waiting = Conversation.objects.filter(
        messages__read_at__isnull=True, messages__notified_at__isnull=True
    ).distinct()
    for pk in waiting.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .select_related("consultant", "booking")
                .filter(pk=pk)
                .first()
            )
            if conversation is None:
                continue
            for recipient in Side.values:
                last = getattr(conversation, _notified_field(recipient))
                if last is None or last <= due:
                    sent += notify(conversation, recipient=recipient)
    return sent
