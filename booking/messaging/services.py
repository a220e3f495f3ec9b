"""Every write to a conversation: opening it, posting a message (with its
attachments), marking messages read. Each runs in one transaction; the email
and the live events follow after commit."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.messaging import attachments, live, notify
from booking.messaging.models import Attachment, Conversation, Message, Side


class MessageRefused(BookingError):
    code = "message_refused"


def other(side: str) -> str:
    return Side.CONSULTANT if side == Side.CLIENT else Side.CLIENT


@transaction.atomic
def open_conversation(*, booking: Booking) -> Conversation:
    """The conversation between the booking's client and consultant, made the
    first time; it remembers the booking it was last opened from."""
    email = booking.client_email.strip().lower()
    conversation = (
        Conversation.objects.select_for_update()
        .filter(client_email__iexact=email, consultant_id=booking.consultant_id)
        .first()
    )
    if conversation is None:
        return Conversation.objects.create(
            client_email=email, consultant_id=booking.consultant_id, booking=booking
        )
    if conversation.booking_id != booking.pk:
        conversation.booking = booking
        conversation.save(update_fields=["booking"])
    return conversation


def post_message(
    *, conversation: Conversation, sender: str, body: str, files=()
) -> Message:
    """Write one message from `sender` (a `Side`). Refused, writing nothing,
    when it is empty, too long, has too many files, or a file is not allowed."""
    body = (body or "").strip()
    limit = settings.MESSAGING_MAX_LENGTH
    if not body and not files:
        raise MessageRefused("Write a message or attach a file before sending.")
    if len(body) > limit:
        raise MessageRefused(
            f"Messages may be at most {limit} characters; this one has "
            f"{len(body)}. Shorten it or send it in two parts."
        )
    if len(files) > settings.MESSAGING_MAX_ATTACHMENTS:
        raise MessageRefused(
            f"Attach at most {settings.MESSAGING_MAX_ATTACHMENTS} files to one message."
        )
    checked = [attachments.checked(upload) for upload in files]
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        message = Message.objects.create(
            conversation=locked, sender=Side(sender), body=body
        )
        for stored, name, content_type in checked:
            Attachment.objects.create(
                message=message,
                file=stored,
                name=name,
                content_type=content_type,
                size=stored.size,
            )
        locked.last_message_at = message.created_at
        locked.save(update_fields=["last_message_at"])
        notify.after_message(locked, recipient=other(sender))
        live.message_posted(message)
    return message


def mark_read(*, conversation: Conversation, reader: str) -> int:
    """Mark the other side's unread messages read by `reader`; how many."""
    unread = conversation.messages.filter(sender=other(reader), read_at__isnull=True)
    count = unread.update(read_at=timezone.now())
    if count:
        transaction.on_commit(lambda: live.messages_read(conversation.pk, reader))
    return count


def unread_count(conversation: Conversation, reader: str) -> int:
    return conversation.messages.filter(
        sender=other(reader), read_at__isnull=True
    ).count()


def conversations_of_client(email: str):
    return Conversation.objects.filter(client_email__iexact=email).select_related(
        "consultant"
    )


def conversations_for_staff(user):
    """The conversations a login may open in the admin: every one with the
    permission (each opening is logged), else the consultant's own."""
    conversations = Conversation.objects.select_related("consultant")
    if user.has_perm("booking.read_any_conversation"):
        return conversations
    return conversations.filter(
        Q(consultant__user_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    )


def staff_side(conversation: Conversation, user) -> str | None:
    """Side.CONSULTANT when `user` is the conversation's consultant; None for
    anyone else (a reader with the permission only reads)."""
    consultant = conversation.consultant
    if user.is_authenticated and consultant.user_id == user.pk:
        return Side.CONSULTANT
    return None


def client_may_open(conversation: Conversation, *, email: str | None, granted) -> bool:
    """A client opens a conversation when signed in with its address, or when
    this browser followed a valid emailed link to it (`granted` ids)."""
    if email and email.lower() == conversation.client_email.lower():
        return True
    return conversation.pk in set(granted or ())
