"""Two partial indexes the Reports section reads at a million bookings, on
PostgreSQL only (SQLite has no INCLUDE and no "C" collation; its figures come
from the same queries over the table).

- booking_first_visits: the verified, not rejected bookings in (email ignoring
  case, start) order, carrying what the filters need, so that new versus
  returning clients is one ordered index-only pass (booking.reports.people).
  The "C" collation makes the comparison bytewise: only equality matters.
- booking_booked_hours: the sessions that took a consultant's time, per
  consultant by start with their end, for utilisation's booked hours."""

from django.db import migrations

INDEXES = {
    "booking_first_visits": (
        "ON booking_booking ((lower(client_email) COLLATE \"C\"), start) "
        "INCLUDE (client_email, consultant_id, service_id) "
        "WHERE verified_at IS NOT NULL AND status <> 'rejected'"
    ),
    "booking_booked_hours": (
        'ON booking_booking (consultant_id, start) INCLUDE ("end") '
        "WHERE status IN ('confirmed', 'completed', 'no_show')"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("booking", "0038_bundles")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
