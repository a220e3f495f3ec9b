"""Two seats freed and three clients taking a seat at the same moment, with real
threads and database connections: the consultant's lock gives exactly two
bookings. Run on PostgreSQL (DATABASE_URL); the row lock holds the line."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.lifecycle import services
from booking.lifecycle import waitlist as waitlist_services
from booking.waitlist import emails
from booking.waitlist.models import WaitlistEntry
from tests.booking.lifecycle.test_concurrency import all_at_once
from tests.booking.waitlist.helpers import full_workshop, last_link, waiting_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
W = WaitlistEntry.Status


def test_two_freed_seats_and_three_takers_at_once_give_two_bookings():
    workshop, consultant, start, seats, desk = full_workshop(capacity=3)
    for n in (1, 2, 3):
        waiting_client(workshop, consultant, start, n)
    services.cancel(booking=seats[0], reason="Ill", actor=desk)
    services.cancel(booking=seats[1], reason="Ill", actor=desk)
    offered = WaitlistEntry.objects.filter(status=W.OFFERED)
    assert offered.count() == 2  # one live offer per freed seat
    # The third client's offer was made by an admin's hand, against the rule:
    # the lock, not the bookkeeping, must keep the third seat from being sold.
    WaitlistEntry.objects.filter(status=W.WAITING).update(
        status=W.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + timedelta(hours=1),
    )
    links = [last_link(f"wait{n}@example.com") for n in (1, 2)]
    third = WaitlistEntry.objects.get(client_email="wait3@example.com")
    emails.send(third.pk, "waitlist_offer")
    links.append(last_link("wait3@example.com"))

    outcomes = all_at_once(
        lambda raw: waitlist_services.accept(token=raw, consent=True), links
    )

    taken = Booking.objects.filter(
        service=workshop, start=start, status__in=SLOT_HOLDING
    )
    assert taken.count() == 3  # the seat nobody freed, and two from the waitlist
    assert sorted(outcomes) == ["SlotTaken", "ok", "ok"], outcomes
    assert WaitlistEntry.objects.filter(status=W.BOOKED).count() == 2
