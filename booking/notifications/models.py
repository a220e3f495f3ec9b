"""The email outbox: every email is a row first (DESIGN §6)."""

from django.db import models

from booking.core.models import Booking


class OutboxEmail(models.Model):
    """One email, written in the same transaction as the change that causes it and
    sent by a django-q2 task after commit (`booking.notifications.outbox`). `key` names
    (booking or session, kind, occurrence, recipient): the database refuses a second
    row for it, so overlapping sweeps or a task that runs twice send nothing twice."""

    class Kind(models.TextChoices):
        VERIFY_EMAIL = "verify_email", "Verify your email"
        RECEIVED = "received", "Booking received"
        APPROVED = "approved", "Booking approved"
        REJECTED = "rejected", "Booking rejected"
        CONFIRMED = "confirmed", "Booking confirmed"
        RESCHEDULED = "rescheduled", "Booking rescheduled"
        CANCELLED = "cancelled", "Booking cancelled"
        REMINDER_24H = "reminder_24h", "Reminder 24 hours before"
        REMINDER_30M = "reminder_30m", "Reminder 30 minutes before"
        COMPLETED = "completed", "Session completed, please review"
        NO_SHOW = "no_show", "Session missed (no-show)"
        MANAGE_LINK = "manage_link", "Link to the booking (asked for)"
        STAFF_NEW_REQUEST = "staff_new_request", "Staff: new booking awaits approval"
        CONSULTANT_CONFIRMED = "consultant_confirmed", "Consultant: booking confirmed"
        CONSULTANT_RESCHEDULED = "consultant_rescheduled", "Consultant: booking moved"
        CONSULTANT_CANCELLED = "consultant_cancelled", "Consultant: booking cancelled"
        CONSULTANT_REMINDER = "consultant_reminder", "Consultant: session reminder"
        SESSION_ENDED = "session_ended", "Consultant: session ended, mark completed"
        NEW_MESSAGE = "new_message", "New secure message (never its words)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"

    key = models.CharField(max_length=400, unique=True, editable=False)
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurrence = models.CharField(max_length=64, blank=True)
    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    ics = models.TextField(blank=True, help_text="The calendar file attached, if any.")

    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    tracked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the provider last reported on it."
    )
    # The sweep hands the row to a sender again from this time on ...
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # ... unless a sender has claimed it until this time.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "email"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["booking", "kind"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"
