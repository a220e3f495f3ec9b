import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CLEANUP = "Delete expired spreadsheet exports"


def grant_import_permissions(apps, schema_editor):
    """Staff and Booking admins import consultants, services and availability;
    Booking admins also historical bookings."""
    from booking.core.roles import ensure_roles

    ensure_roles(apps)


def create_cleanup_schedule(apps, schema_editor):
    """Like 0004_job_schedules: created once, edits made in the admin kept."""
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=CLEANUP).exists():
        Schedule.objects.create(
            name=CLEANUP,
            func="booking.tasks.delete_expired_exports",
            schedule_type="I",  # Schedule.MINUTES
            minutes=60,
            repeats=-1,
        )


def remove_cleanup_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=CLEANUP).delete()


class Migration(migrations.Migration):
    """Spreadsheet exports and imports (issue 9)."""

    dependencies = [
        ("booking", "0009_roles_for_reviews_and_payments"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SpreadsheetImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("consultants", "Consultants"),
                            ("services", "Services"),
                            ("availability", "Weekly availability"),
                            ("bookings", "Historical bookings"),
                        ],
                        max_length=12,
                    ),
                ),
                ("original_name", models.CharField(max_length=255)),
                ("file_name", models.CharField(editable=False, max_length=255)),
                ("sha256", models.CharField(editable=False, max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("previewed", "Previewed"),
                            ("imported", "Imported"),
                            ("refused", "Refused"),
                        ],
                        default="previewed",
                        max_length=10,
                    ),
                ),
                ("totals", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    (
                        "import_spreadsheets",
                        "Can import consultants, services and availability",
                    ),
                    ("import_bookings", "Can import historical bookings"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "format",
                    models.CharField(
                        choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")],
                        max_length=4,
                    ),
                ),
                (
                    "query",
                    models.TextField(
                        blank=True,
                        help_text="The bookings list's filters, search and ordering.",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting to start"),
                            ("running", "Writing"),
                            ("done", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=8,
                    ),
                ),
                ("rows_done", models.PositiveIntegerField(default=0)),
                ("rows_total", models.PositiveIntegerField(default=0)),
                (
                    "file_name",
                    models.CharField(blank=True, editable=False, max_length=255),
                ),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField()),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["expires_at"], name="exportjob_expires")
                ],
            },
        ),
        migrations.AlterField(
            model_name="booking",
            name="source",
            field=models.CharField(
                choices=[
                    ("client", "Client (public site)"),
                    ("admin", "Admin"),
                    ("api", "API"),
                    ("import", "Imported"),
                ],
                default="client",
                max_length=10,
            ),
        ),
        migrations.RunPython(grant_import_permissions, migrations.RunPython.noop),
        migrations.RunPython(create_cleanup_schedule, remove_cleanup_schedule),
    ]
