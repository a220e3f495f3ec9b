"""Meeting links, consultants' calendar feeds, and the outside calendars read
for their busy times."""

from urllib.parse import urlsplit

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


class OutsideCalendar(models.Model):
    """A consultant's own calendar (Google, Outlook, Apple...), read through its
    secret iCal address so that the times it shows busy are not offered to
    clients (`booking.scheduling.feeds`).

    The address is a secret: screens show `masked_url`, logs name the row's id,
    exports and fixtures leave it out."""

    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="outside_calendars"
    )
    label = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=2000)
    etag = models.CharField(max_length=255, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    last_tried_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # How far ahead the stored busy blocks reach: a calendar is read again in full
    # (not conditionally) before the booking window passes it.
    expanded_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultant_id", "pk"]

    def __str__(self):
        return self.label or self.masked_url

    @property
    def masked_url(self) -> str:
        """The address with everything but its host hidden."""
        try:
            host = urlsplit(self.url).hostname or ""
        except ValueError:
            host = ""
        return f"{host}/…" if host else "…"

    @property
    def failing(self) -> bool:
        return bool(self.last_error)


class BusyBlock(models.Model):
    """A time an outside calendar shows its consultant busy, in UTC. A calendar's
    blocks are replaced together at each good fetch."""

    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="+"
    )
    calendar = models.ForeignKey(
        OutsideCalendar, on_delete=models.CASCADE, related_name="busy_blocks"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["consultant", "start"], name="busyblock_consultant")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="busyblock_ends_after_start",
            )
        ]

    def __str__(self):
        return f"Busy {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"
