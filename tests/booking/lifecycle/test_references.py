"""References are random, so collisions happen (about five are expected in 100,000
draws from 31^6 codes); the database constraint plus a redraw keeps them unique."""

from datetime import timedelta

import pytest
from django.db import transaction

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import steps
from tests.factories import ConsultantFactory, ServiceFactory, next_monday_at

BOOKINGS = 100_000


@pytest.mark.slow
@pytest.mark.django_db
def test_references_stay_unique_across_100000_bookings(monkeypatch):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant])
    start = next_monday_at(9)
    draws = 0
    draw = steps.new_reference

    def counting_draw():
        nonlocal draws
        draws += 1
        return draw()

    monkeypatch.setattr(steps, "new_reference", counting_draw)

    with transaction.atomic():
        for n in range(BOOKINGS):
            steps.insert(
                Booking(
                    consultant=consultant,
                    service=service,
                    status=S.CANCELLED,
                    start=start,
                    end=start + timedelta(minutes=50),
                    slot_key=f"own:{n}",
                    client_name="Client",
                    client_email=f"client{n}@example.com",
                    amount=0,
                    currency="EUR",
                )
            )

    references = Booking.objects.values_list("reference", flat=True)
    assert references.count() == BOOKINGS
    assert references.distinct().count() == BOOKINGS
    print(f"{BOOKINGS} bookings, {draws - BOOKINGS} reference collisions redrawn")
