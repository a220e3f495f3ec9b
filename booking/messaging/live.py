"""What the WebSockets carry, sent to channel-layer groups after commit.

Groups, and who joins them (`booking.web.sockets` decides, per socket):
- `chat.<conversation>`: the conversation's two parties: new messages, typing,
  read receipts.
- `notify.user.<user>` / `notify.client.<digest of address>`: that person's
  "new message" notices (never the words).
- `bookings.all`, `bookings.consultant.<id>`, `bookings.client.<digest>`,
  `bookings.booking.<id>`: a booking changed state; joined by those who may see
  every booking, its consultant, its client (signed in) and a browser that
  opened its status or manage page.

Events name a booking by reference and state only. Nothing is sent when no
channel layer is set up; a layer that is down loses the live event, never the
change (pages show it on the next load)."""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import receiver
from django_fsm.signals import post_transition

from booking.core.models import Booking
from booking.core.states import BookingStatus
from booking.messaging.models import Message, Side

logger = logging.getLogger(__name__)


def address_key(email: str) -> str:
    """A group name may not hold an address; its digest names the client."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def chat_group(conversation_id: int) -> str:
    return f"chat.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"notify.user.{user_id}"


def client_group(email: str) -> str:
    return f"notify.client.{address_key(email)}"


ALL_BOOKINGS = "bookings.all"


def consultant_bookings_group(consultant_id: int) -> str:
    return f"bookings.consultant.{consultant_id}"


def client_bookings_group(email: str) -> str:
    return f"bookings.client.{address_key(email)}"


def booking_group(booking_id: int) -> str:
    return f"bookings.booking.{booking_id}"


def send(groups, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, event)
        except Exception:  # a live event is a courtesy; the change is committed
            logger.warning("live event to %s not sent", group.split(".")[0])


def message_posted(message: Message) -> None:
    """After commit: the message to the chat, a notice to the recipient."""
    conversation = message.conversation
    event = {
        "type": "chat.message",
        "id": message.pk,
        "sender": message.sender,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "attachments": [
            {"id": a.pk, "name": a.name, "type": a.content_type}
            for a in message.attachments.all()
        ],
    }
    notice = {"type": "notify.message", "conversation": conversation.pk}
    if message.sender == Side.CLIENT:
        user_id = conversation.consultant.user_id
        recipients = [user_group(user_id)] if user_id else []
    else:
        recipients = [client_group(conversation.client_email)]
    transaction.on_commit(
        lambda: (
            send([chat_group(conversation.pk)], event),
            send(recipients, notice),
        )
    )


def messages_read(conversation_id: int, reader: str) -> None:
    send([chat_group(conversation_id)], {"type": "chat.read", "reader": reader})


def booking_groups(booking: Booking) -> list[str]:
    return [
        ALL_BOOKINGS,
        consultant_bookings_group(booking.consultant_id),
        client_bookings_group(booking.client_email),
        booking_group(booking.pk),
    ]


@receiver(post_transition, sender=Booking)
def booking_changed(sender, instance, name, source, target, **kwargs):
    """Every state change of a booking, wherever it was made, once committed."""
    event = {
        "type": "booking.changed",
        "booking": instance.pk,
        "reference": instance.reference,
        "status": target,
        "status_label": BookingStatus(target).label,
    }
    groups = booking_groups(instance)
    transaction.on_commit(lambda: send(groups, event))
