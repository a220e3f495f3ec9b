"""The waitlist of a full workshop: joining, the offer chain (offer, lapse, the
next client) and taking an offered seat."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.core.errors import (
    InvalidBookingData,
    InvalidTransition,
    SlotTaken,
    TokenError,
)
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.lifecycle import waitlist as waitlist_services
from booking.waitlist.models import WaitlistEntry
from tests.booking.waitlist.helpers import full_workshop, last_link, waiting_client

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


@pytest.fixture
def workshop():
    return full_workshop()


def test_joining_asks_to_confirm_the_address_and_shows_the_place_in_line(workshop):
    service, consultant, start, _, _ = workshop
    first = waiting_client(service, consultant, start, 1)
    second = waiting_client(service, consultant, start, 2)
    assert (first.status, second.status) == (W.WAITING, W.WAITING)
    assert waitlist_services.position(first) == 1
    assert waitlist_services.position(second) == 2
    assert "Confirm your place" in mail.outbox[-2].subject


def test_joining_is_refused_while_a_seat_is_free(workshop):
    service, consultant, start, seats, desk = workshop
    services.cancel(booking=seats[0], reason="Ill", actor=desk)
    with pytest.raises(InvalidBookingData, match="free place: book it"):
        waitlist_services.join(
            service=service,
            consultant=consultant,
            start=start,
            client_name="Eager",
            client_email="eager@example.com",
            client_time_zone="Europe/Berlin",
        )
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"client_email": "not-an-address"}, "check your details"),
        ({"client_name": " "}, "give your name"),
        ({"client_time_zone": "Mars/Olympus"}, "check your details"),
        ({"start_shift": timedelta(minutes=30)}, "does not meet at that time"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_kept(workshop, changes, message):
    service, consultant, start, _, _ = workshop
    shift = changes.pop("start_shift", timedelta(0))
    fields = {
        "client_name": "Eager",
        "client_email": "eager@example.com",
        "client_time_zone": "Europe/Berlin",
        **changes,
    }
    with pytest.raises(InvalidBookingData, match=message):
        waitlist_services.join(
            service=service, consultant=consultant, start=start + shift, **fields
        )
    assert not WaitlistEntry.objects.exists()


def test_a_second_join_with_the_same_address_is_refused(workshop):
    service, consultant, start, _, _ = workshop
    waiting_client(service, consultant, start, 1)
    with pytest.raises(InvalidBookingData, match="already on the waitlist"):
        waiting_client(service, consultant, start, 1)


def test_a_freed_seat_is_offered_then_lapses_to_the_next_who_books_it(workshop):
    service, consultant, start, seats, desk = workshop
    first = waiting_client(service, consultant, start, 1)
    second = waiting_client(service, consultant, start, 2)

    services.cancel(booking=seats[0], reason="Ill", actor=desk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (W.OFFERED, W.WAITING)
    assert first.offer_expires_at - first.offered_at == timedelta(hours=12)
    offers = [m for m in mail.outbox if "wait1@example.com" in m.to]
    assert "A place is free for you" in offers[-1].subject
    stale = last_link("wait1@example.com")
    # The held seat is not the public's: a direct booking of it is refused.
    with pytest.raises(SlotTaken, match="full"):
        services.create_admin_booking(
            actor=desk,
            consultant=consultant,
            service=service,
            start=start,
            client_name="Walk-in",
            client_email="walkin@example.com",
        )

    later = timezone.now() + timedelta(hours=13)
    assert waitlist_services.expire_offers(now=later) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (W.LAPSED, W.OFFERED)
    with pytest.raises((InvalidTransition, TokenError)):
        waitlist_services.accept(token=stale, consent=True)

    booking = waitlist_services.accept(
        token=last_link("wait2@example.com"), consent=True
    )
    second.refresh_from_db()
    assert second.status == W.BOOKED and second.booking == booking
    assert booking.status in (S.APPROVED, S.CONFIRMED, S.PAYMENT_PENDING, S.PENDING)
    assert booking.client_email == "wait2@example.com"
    subjects = [m.subject for m in mail.outbox if "wait2@example.com" in m.to]
    assert not any("erify" in s for s in subjects)


def test_a_freed_one_to_one_slot_is_offered_to_the_waiting_client(db):
    from tests.factories import make_draft

    booking, verify = make_draft()
    booking = services.verify_email(token=verify)
    waitlist_services.join(
        service=booking.service,
        consultant=booking.consultant,
        start=booking.start,
        client_name="Next",
        client_email="next@example.com",
        client_time_zone="Europe/Berlin",
    )
    entry = waitlist_services.confirm(token=last_link("next@example.com"))
    assert entry.status == W.WAITING
    services.cancel(booking=booking, reason="Cannot come")
    entry.refresh_from_db()
    assert entry.status == W.OFFERED
    taken = waitlist_services.accept(token=last_link("next@example.com"), consent=True)
    assert taken.start == booking.start


def test_leaving_while_offered_passes_the_seat_on(workshop):
    service, consultant, start, seats, desk = workshop
    first = waiting_client(service, consultant, start, 1)
    second = waiting_client(service, consultant, start, 2)
    services.cancel(booking=seats[1], reason="Ill", actor=desk)
    waitlist_services.leave(entry=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (W.LEFT, W.OFFERED)


def test_an_admin_moves_a_client_up_the_line(workshop):
    service, consultant, start, _, desk = workshop
    first = waiting_client(service, consultant, start, 1)
    second = waiting_client(service, consultant, start, 2)
    waitlist_services.move(entry=second, actor=desk, up=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert waitlist_services.position(second) == 1
    assert waitlist_services.position(first) == 2
    with pytest.raises(InvalidBookingData, match="end of the line"):
        waitlist_services.move(entry=second, actor=desk, up=True)
