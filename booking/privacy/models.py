"""The access log: who saw or exported which client's data, and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessLogEntry(models.Model):
    """Someone opened, exported or imported personal data, or answered a client's
    data request. `target` names what by references and ids only, never by a
    client's name or email. Written through `booking.audit.record_access`."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        IMPORTED = "imported", "Imported"
        DATA_LOOKED_UP = "data_looked_up", "Looked up a client's data"
        DATA_EXPORTED = "data_exported", "Exported a client's data"
        ERASED = "erased", "Erased a client's data"

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="Kept when the login is deleted."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        permissions = [("handle_data_requests", "Can export and erase a client's data")]

    def __str__(self):
        return f"{self.username or 'system'} {self.get_action_display()}: {self.target}"
