from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def set_available_at(apps, schema_editor):
    """Existing lines follow the new rule: a session's earning is available only
    once the session is completed and the hold has passed (or from when it was
    written, if a payout took it already); a refund's line goes with the line it
    reverses, or is available at once if that one was paid out."""
    Earning = apps.get_model("booking", "Earning")
    hold = timedelta(days=settings.EARNING_HOLD_DAYS)
    sessions = {}
    for line in Earning.objects.filter(kind="booking").select_related("booking"):
        if line.payout_id is not None:
            line.available_at = line.created_at
        elif line.booking.completed_at is not None:
            line.available_at = line.booking.completed_at + hold
        sessions[line.booking_id] = line
        line.save(update_fields=["available_at"])
    for line in Earning.objects.filter(kind="reversal"):
        session = sessions.get(line.booking_id)
        if session is None or session.payout_id is not None:
            line.available_at = line.created_at
        else:
            line.available_at = session.available_at
        line.save(update_fields=["available_at"])


class Migration(migrations.Migration):
    """Earnings are pending until the session is completed and held (issue 17)."""

    dependencies = [
        ("booking", "0012_api_tokens_for_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="earning",
            name="available_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(set_available_at, migrations.RunPython.noop),
    ]
