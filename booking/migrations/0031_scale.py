"""Issue 26: the account page and privacy lookups find a client's bookings by
address through an index, not a scan of every booking."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0030_messaging"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                django.db.models.functions.text.Upper("client_email"),
                name="booking_email_upper",
            ),
        ),
    ]
