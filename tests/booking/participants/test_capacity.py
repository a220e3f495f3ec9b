"""Named participants (issue 23): each takes a seat of a group session, counted by
the slot engine and re-checked under the consultant's lock; the service limits how
many a client may name."""

from datetime import timedelta
from decimal import Decimal

import pytest

from booking.core.errors import InvalidBookingData, SlotTaken
from booking.core.models import Service
from booking.core.states import BookingStatus as S
from booking.lifecycle import courses, series, services
from booking.participants.models import BookingParticipant
from booking.scheduling.slots import free_slots
from tests.booking.participants.helpers import group_practice, phone_booking
from tests.factories import ServiceFactory, make_draft, next_monday_at

pytestmark = pytest.mark.django_db


def seats_left(consultant, service, start) -> int | None:
    slots = free_slots(
        consultant=consultant,
        service=service,
        start=start,
        end=start + service.duration,
    )
    return next((s.seats_left for s in slots if s.start == start), None)


def test_each_named_participant_takes_a_seat_of_the_group_session():
    consultant, group, desk, _ = group_practice(capacity=4)
    start = next_monday_at(9)

    couple = phone_booking(
        desk, consultant, group, start, name="Ana Ruiz", participants=["Ben Ruiz"]
    )

    assert couple.seats == 2
    assert list(couple.participants.values_list("name", flat=True)) == ["Ben Ruiz"]
    assert seats_left(consultant, group, start) == 2
    with pytest.raises(SlotTaken, match="has 2 seats left, for a party of 3"):
        phone_booking(
            desk, consultant, group, start, name="Cy Lee", participants=["D", "E"]
        )
    phone_booking(desk, consultant, group, start, name="Fay Fern", participants=["G"])
    assert seats_left(consultant, group, start) is None  # full: no slot offered
    with pytest.raises(SlotTaken, match="not free"):
        phone_booking(desk, consultant, group, start, name="Hal Hope")


def test_a_clients_party_is_checked_again_when_they_verify():
    """A draft holds nothing; the seats are counted again, under the lock, when
    the client verifies, by then the session may have filled up."""
    consultant, group, desk, _ = group_practice(capacity=3)
    start = next_monday_at(9)
    draft, verify = make_draft(
        consultant=consultant, service=group, start=start, participants=["Ben"]
    )
    phone_booking(desk, consultant, group, start, name="Cy Lee", participants=["D"])

    with pytest.raises(SlotTaken, match="1 seat left, for a party of 2"):
        services.verify_email(token=verify)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_the_service_limits_how_many_people_a_client_may_name():
    consultant, group, desk, _ = group_practice(capacity=8, extra=1)
    start = next_monday_at(9)

    with pytest.raises(InvalidBookingData, match="up to 1 more person; you named 2"):
        phone_booking(desk, consultant, group, start, name="Ana", participants="BC")
    group.extra_participants = 0
    group.save()
    with pytest.raises(InvalidBookingData, match="may bring no one else"):
        make_draft(consultant=consultant, service=group, participants=["Ben"])
    # Blank lines of the phone form are no one.
    booking = phone_booking(
        desk, consultant, group, start, name="Ana", participants=["", "  "]
    )
    assert booking.seats == 1
    assert not BookingParticipant.objects.exists()


def test_a_party_larger_than_the_group_is_refused_whole():
    consultant, group, desk, _ = group_practice(capacity=2, extra=5)
    with pytest.raises(InvalidBookingData, match="2 seats in all; a party of 3"):
        phone_booking(
            desk, consultant, group, next_monday_at(9), name="Ana", participants="BC"
        )


def test_the_public_details_step_takes_the_names(client):
    consultant, group, _, _ = group_practice(capacity=4, extra=2)
    start = next_monday_at(9)
    url = f"/book/{consultant.pk}/{group.slug}/details/"
    page = client.get(url, {"start": start.isoformat()}).content.decode()
    assert "Name of person 1 coming with you (optional)" in page
    assert "participant_3" not in page

    response = client.post(
        url,
        {
            "client_name": "Ana Ruiz",
            "client_email": "ana@example.com",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": start.isoformat(),
            "participant_1": "Ben Ruiz",
            "participant_2": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    booking = group.bookings.get()
    assert booking.seats == 2
    assert [p.name for p in booking.participants.all()] == ["Ben Ruiz"]


def test_a_couple_holds_two_seats_in_every_meeting_of_a_course():
    consultant, _, desk, _ = group_practice()
    course = ServiceFactory(
        consultants=[consultant],
        kind=Service.Kind.COURSE,
        capacity=3,
        extra_participants=1,
        price=Decimal("0.00"),
    )
    first = next_monday_at(18)
    courses.set_meetings(
        service=course,
        actor=desk,
        dates=[
            (first + timedelta(weeks=k), first + timedelta(weeks=k, hours=1))
            for k in range(3)
        ],
    )

    def book(name, participants=()):
        return series.create_admin_series(
            actor=desk,
            consultant=consultant,
            service=course,
            starts=series.course_starts(course),
            client_name=name,
            client_email=f"{name.lower()}@example.com",
            participants=list(participants),
        )

    parent = book("Ana", ["Ben"])
    meetings = series.occurrences(parent)
    assert [m.seats for m in meetings] == [2, 2, 2]
    # Each meeting has the party's names, for attendance meeting by meeting.
    assert [m.participants.get().name for m in meetings] == ["Ben"] * 3
    with pytest.raises(series.SeriesConflict, match="3 of the 3 times"):
        book("Cy", ["Dee"])
    book("Eve")  # the one seat left in each meeting
