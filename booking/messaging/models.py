"""Conversations between a client (by email address) and a consultant, their
messages and the files attached to them."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Lower

from booking.core.models import Booking, Consultant


class AttachmentStorage(FileSystemStorage):
    """Attachments live under MESSAGING_ATTACHMENT_ROOT, never under MEDIA_ROOT:
    no web server serves them; only the views that check who is asking do. The
    folder is read from the settings at each use."""

    @property
    def base_location(self):
        return str(settings.MESSAGING_ATTACHMENT_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


ATTACHMENTS = AttachmentStorage()


def attachment_storage():
    return ATTACHMENTS


class Side(models.TextChoices):
    CLIENT = "client", "Client"
    CONSULTANT = "consultant", "Consultant"


class Conversation(models.Model):
    """The one conversation between a client's address and a consultant.
    `booking` is the booking it was last opened from: the notification email
    belongs to it in the outbox."""

    client_email = models.EmailField(max_length=254, help_text="Kept in lower case.")
    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="conversations"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="conversations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # When each side was last emailed about new messages (batching).
    client_notified_at = models.DateTimeField(null=True, blank=True)
    consultant_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("client_email"),
                "consultant",
                name="messaging_one_conversation_per_pair",
            )
        ]
        permissions = [
            (
                "read_any_conversation",
                "Can read clients' conversations (every reading is logged)",
            )
        ]

    def __str__(self):
        return f"conversation #{self.pk}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField(max_length=12, choices=Side.choices)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when an email told the other side about this message (batching).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "sender", "read_at"])]

    def __str__(self):
        return f"message #{self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=attachment_storage, upload_to="messages/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    def __str__(self):
        return f"attachment #{self.pk}"
