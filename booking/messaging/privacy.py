"""A client's messages in their data requests (booking.privacy): what the data
bundle holds, erasure, and the retention period."""

from django.db.models import Q
from django.db.models.functions import Coalesce

from booking.messaging.models import Attachment, Conversation, Message

BUNDLE_FIELDS = (
    "consultant",
    "sender",
    "body",
    "attachments",
    "created_at",
    "read_at",
)


def messages_of(email: str):
    return Message.objects.filter(conversation__client_email__iexact=email)


def conversations_of(email: str):
    return Conversation.objects.filter(client_email__iexact=email)


def bundle_rows(email: str) -> list[dict]:
    messages = messages_of(email).select_related("conversation__consultant")
    return [
        {
            "consultant": str(message.conversation.consultant),
            "sender": message.get_sender_display(),
            "body": message.body,
            "attachments": ", ".join(bundle_name(a) for a in message.attachments.all()),
            "created_at": message.created_at,
            "read_at": message.read_at,
        }
        for message in messages.prefetch_related("attachments").order_by("pk")
    ]


def bundle_name(attachment: Attachment) -> str:
    """The attachment's path inside the data bundle's .zip."""
    return f"attachments/{attachment.pk}-{attachment.name}"


def attachments_of(email: str):
    return Attachment.objects.filter(message__conversation__client_email__iexact=email)


def delete_conversations(conversations) -> int:
    """Delete conversations with their messages and their attachments' files."""
    for attachment in Attachment.objects.filter(
        message__conversation__in=conversations
    ):
        attachment.file.delete(save=False)
    count = conversations.count()
    conversations.delete()
    return count


def forget(email: str) -> int:
    """Erasure: every conversation of the address, gone."""
    return delete_conversations(conversations_of(email))


def delete_quiet(*, before) -> int:
    """Retention: conversations with no message since `before`."""
    quiet = Conversation.objects.annotate(
        active=Coalesce("last_message_at", "created_at")
    ).filter(Q(active__lt=before))
    return delete_conversations(Conversation.objects.filter(pk__in=quiet.values("pk")))
