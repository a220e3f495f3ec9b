"""One client waiting for one slot: a service at a start, with a consultant.

An entry is UNVERIFIED until the client follows the emailed link (a signed-in
client skips that), then WAITING in `position` order. When a seat frees, the
first waiting entry is OFFERED the seat until `offer_expires_at`; it then ends
BOOKED (with the booking made), LAPSED (the hold ran out) or LEFT (the client
left, or an admin removed it). Only the digest of the link's secret is kept;
each email carries a new secret, so only the latest link works."""

from django.db import models

from booking.accounts.models import ClientAccount
from booking.core.models import Booking, Consultant, Service


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Email not yet confirmed"
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a seat"
        BOOKED = "booked", "Booked"
        LAPSED = "lapsed", "Offer not taken in time"
        LEFT = "left", "Left the waitlist"

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="waitlist"
    )
    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="waitlist"
    )
    start = models.DateTimeField(help_text="The slot or meeting waited for.")
    client_name = models.CharField(max_length=120)
    client_email = models.EmailField(max_length=254)
    client_time_zone = models.CharField(max_length=64)
    account = models.ForeignKey(
        ClientAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.UNVERIFIED
    )
    position = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=24, blank=True, db_index=True)
    secret_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "start", "position", "pk"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["service", "start", "status"])]

    def __str__(self):
        when = f"{self.start:%Y-%m-%d %H:%M}"
        return f"{self.client_name} waiting for {self.service} at {when}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE


LIVE = (
    WaitlistEntry.Status.UNVERIFIED,
    WaitlistEntry.Status.WAITING,
    WaitlistEntry.Status.OFFERED,
)
