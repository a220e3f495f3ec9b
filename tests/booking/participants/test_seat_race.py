"""Three couples booking a group session of four seats at the same moment, with
real threads and database connections: the consultant's lock counts the named
participants too, so two couples get in and the third is refused. Run on
PostgreSQL (DATABASE_URL)."""

import pytest
from django.db.models import Sum

from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from tests.booking.lifecycle.test_concurrency import all_at_once
from tests.booking.participants.helpers import group_practice, phone_booking
from tests.factories import next_monday_at

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_three_couples_at_once_for_four_seats_give_two_bookings():
    consultant, group, desk, _ = group_practice(capacity=4, extra=1)
    start = next_monday_at(9)

    outcomes = all_at_once(
        lambda name: phone_booking(
            desk, consultant, group, start, name=name, participants=[f"{name} Two"]
        ),
        ["Ana One", "Bea One", "Cy One"],
    )

    assert sorted(outcomes) == ["SlotTaken", "ok", "ok"], outcomes
    held = Booking.objects.filter(service=group, start=start, status__in=SLOT_HOLDING)
    assert held.count() == 2
    assert held.aggregate(n=Sum("seats"))["n"] == 4
