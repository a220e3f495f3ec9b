import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

RETENTION = "Apply the data retention period"


def grant_data_request_permission(apps, schema_editor):
    """Booking admins answer clients' data requests (export, erasure)."""
    from booking.core.roles import ensure_roles

    ensure_roles(apps)


def create_retention_schedule(apps, schema_editor):
    """Like 0004_job_schedules: created once, edits made in the admin kept."""
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=RETENTION).exists():
        Schedule.objects.create(
            name=RETENTION,
            func="booking.tasks.apply_retention",
            schedule_type="I",  # Schedule.MINUTES
            minutes=60,
            repeats=-1,
        )


def remove_retention_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=RETENTION).delete()


class Migration(migrations.Migration):
    """Client privacy: consent versions, access audit, retention (issue 12)."""

    dependencies = [
        ("booking", "0010_exports"),
        ("wagtailcore", "0094_alter_page_locale"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="consent_policy",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="wagtailcore.revision",
                verbose_name="privacy policy accepted",
            ),
        ),
        migrations.CreateModel(
            name="AccessLogEntry",
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
                    "timestamp",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now
                    ),
                ),
                (
                    "username",
                    models.CharField(
                        blank=True,
                        help_text="Kept when the login is deleted.",
                        max_length=150,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("viewed", "Viewed"),
                            ("exported", "Exported"),
                            ("imported", "Imported"),
                            ("data_looked_up", "Looked up a client's data"),
                            ("data_exported", "Exported a client's data"),
                            ("erased", "Erased a client's data"),
                        ],
                        max_length=20,
                    ),
                ),
                ("target", models.CharField(max_length=500)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "access log entry",
                "verbose_name_plural": "access log",
                "ordering": ["-timestamp", "-pk"],
                "permissions": [
                    ("handle_data_requests", "Can export and erase a client's data")
                ],
            },
        ),
        migrations.RunPython(grant_data_request_permission, migrations.RunPython.noop),
        migrations.RunPython(create_retention_schedule, remove_retention_schedule),
    ]
