"""What must hold after any load or fault: no slot held twice, no booking
half-written, every email sent exactly once."""

from django.db import connection

from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.notifications import outbox
from tests.booking.notifications.test_outbox_faults import (
    all_sent,
    assert_each_email_accepted_once,
    wait_for,
)


def no_slot_held_twice() -> list:
    """Pairs of slot-holding bookings of one consultant that overlap."""
    holding = [str(state) for state in SLOT_HOLDING]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.reference, b.reference FROM booking_booking a
            JOIN booking_booking b ON a.consultant_id = b.consultant_id
              AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
              AND a.slot_key <> b.slot_key
            WHERE a.status = ANY(%s) AND b.status = ANY(%s)
            """,
            [holding, holding],
        )
        return cursor.fetchall()


def assert_nothing_lost_or_doubled(provider):
    wait_for(all_sent, "every email to be sent", every=outbox.retry_unsent)
    assert_each_email_accepted_once(provider)
    assert no_slot_held_twice() == []
    # Every booking was written whole: with the email its state called for.
    assert not Booking.objects.filter(emails__isnull=True).exists()


def assert_everything_written_whole(report) -> None:
    """Every client told "check your inbox" has a booking row."""
    booked = set(Booking.objects.values_list("client_email", flat=True))
    assert set(report.booked) <= booked, "a client was told of a booking not kept"
