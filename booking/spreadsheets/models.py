"""Spreadsheet exports and imports in progress."""

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A booking export too large to answer in one request, written by a django-q2
    job. Only its owner may see it or download the file, which is kept outside
    the public media folder until `expires_at`."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Writing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    query = models.TextField(
        blank=True, help_text="The bookings list's filters, search and ordering."
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], name="exportjob_expires")]

    def __str__(self):
        return f"{self.get_format_display()} export of bookings ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class SpreadsheetImport(models.Model):
    """One uploaded spreadsheet: previewed first (a dry run), imported only when
    its owner confirms. The upload stays on the server under `file_name`, so the
    confirmed import reads exactly the file that was previewed."""

    class Kind(models.TextChoices):
        CONSULTANTS = "consultants", "Consultants"
        SERVICES = "services", "Services"
        AVAILABILITY = "availability", "Weekly availability"
        BOOKINGS = "bookings", "Historical bookings"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Refused"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    original_name = models.CharField(max_length=255)
    file_name = models.CharField(max_length=255, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    totals = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "import_spreadsheets",
                "Can import consultants, services and availability",
            ),
            ("import_bookings", "Can import historical bookings"),
        ]

    def __str__(self):
        return f"Import of {self.get_kind_display().lower()} ({self.original_name})"
