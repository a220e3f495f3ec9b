"""On PostgreSQL the database itself refuses two slot-holding bookings of one
consultant whose times overlap (DESIGN §3). Seats of one group session share a
slot_key and so may overlap each other. SQLite has no exclusion constraints; there
the booking service's lock and re-check are the guard (as they are on PostgreSQL
too, so that the person sees a clear "slot taken" rather than a database error)."""

from django.db import migrations

SLOT_HOLDING = "('pending', 'approved', 'payment_pending', 'confirmed')"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (
        consultant_id WITH =,
        tstzrange(start, "end", '[)') WITH &&,
        slot_key WITH <>
    ) WHERE (status IN {SLOT_HOLDING});
"""
DROP = "ALTER TABLE booking_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
