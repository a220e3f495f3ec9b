"""The team's rows: invitations to the admin, and applications to join.

An invitation's link is like a booking's (booking/core/tokens.py): a key to find
it and a secret of which only a SHA-256 is kept. The secret is made when the
invitation is emailed (`booking.team.emails.send_invitation`), so no copy of it
sits in a table or in a queued job's arguments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from booking.core.models import Consultant


class Invitation(models.Model):
    """A consultant invited to the admin: emailed a single-use, expiring link that
    lets them choose a username and password."""

    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    # Null until the email is sent (many unsent rows; "" would not be unique).
    key = models.CharField(  # noqa: DJ001
        max_length=24, unique=True, null=True, editable=False
    )
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The login the consultant made with this invitation.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.consultant} ({self.email})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.revoked_at:
            return "Revoked"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Sent" if self.sent_at else "Sending"

    @property
    def is_open(self) -> bool:
        return self.status in ("Sent", "Sending")


class Application(models.Model):
    """Someone who asked to join the practice on the public /join/ page. Their
    `Consultant` (status "applied", no login) is created with it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    consultant = models.ForeignKey(
        Consultant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        help_text="Empty once a declined applicant's consultant was deleted.",
    )
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    qualifications = models.TextField(max_length=2000)
    specialisations = models.CharField(max_length=500)
    statement = models.TextField(max_length=2000)
    consent_at = models.DateTimeField()
    consent_policy = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The privacy policy's revision the applicant accepted.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decline_reason = models.TextField(max_length=2000, blank=True)
    decline_sent_at = models.DateTimeField(null=True, blank=True)
    invitation = models.ForeignKey(
        Invitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_application", "Can accept or decline applications")]
        constraints = [
            # One pending application per address, whatever its capitals: a
            # second one while the first waits is answered, not stored.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status="pending"),
                name="one_pending_application_per_email",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_status_display().lower()})"
