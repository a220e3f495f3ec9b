from django.db import migrations


def grant_api_tokens(apps, schema_editor):
    """Booking admins and Staff make and revoke their own staff-API tokens."""
    from booking.core.roles import ensure_roles

    ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0011_privacy"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(grant_api_tokens, migrations.RunPython.noop),
    ]
