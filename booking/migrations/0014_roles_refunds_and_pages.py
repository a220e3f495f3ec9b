from django.db import migrations


def grant_refunds(apps, schema_editor):
    """Booking admins see the refunds list beside payments and payouts. Pages need
    nothing: Editors delete pages through Wagtail's "change" permission, which they
    have (booking/core/roles.py says why that is intended)."""
    from booking.core.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0013_earning_available_at"),
    ]

    operations = [
        migrations.RunPython(grant_refunds, migrations.RunPython.noop),
    ]
