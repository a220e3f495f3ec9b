"""Meeting links and consultants' calendar feeds."""

from django.db import models

from booking.core.models import Consultant


class MeetingLink(models.Model):
    """The video-call link of one online session, fixed when the session is
    confirmed so that every email and calendar entry shows the same room. Seats of
    a group session share a `slot_key`, and so a room."""

    slot_key = models.CharField(max_length=64, unique=True)
    url = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.url


class CalendarFeed(models.Model):
    """A consultant's private iCal subscription link. Only a hash of the secret is
    stored; revoking the link deletes the row, making a new one replaces it."""

    consultant = models.OneToOneField(
        Consultant, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.consultant}"
