"""Many people acting on one slot at the same moment, with real threads and real
database connections. On PostgreSQL the row lock and the exclusion constraint hold
the line; on SQLite, IMMEDIATE transactions serialise the writers."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from booking.core.errors import ActiveBookingExists, SlotTaken
from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.core.states import BookingStatus as S
from booking.lifecycle import services, steps
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 50


def all_at_once(action, arguments):
    """Run action(arg) for every argument in its own thread, released together;
    returns what each call raised or "ok"."""
    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def attempt(argument):
        try:
            barrier.wait()
            action(argument)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - the test counts every kind
            outcomes.append(type(exc).__name__)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def setup():
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant])
    admin = user_with_perms("add_booking", "approve_booking", username="admin")
    return consultant, service, admin


def slot_holders(consultant):
    return Booking.objects.filter(consultant=consultant, status__in=SLOT_HOLDING)


def test_fifty_phone_bookings_for_one_slot_give_exactly_one(setup):
    consultant, service, admin = setup
    start = next_monday_at(9)

    outcomes = all_at_once(
        lambda n: services.create_admin_booking(
            actor=admin,
            consultant=consultant,
            service=service,
            start=start,
            client_name=f"Client {n}",
            client_email=f"client{n}@example.com",
        ),
        range(THREADS),
    )

    assert outcomes.count("ok") == 1
    assert outcomes.count(SlotTaken.__name__) == THREADS - 1
    assert slot_holders(consultant).count() == 1


def test_fifty_verifications_for_one_slot_give_exactly_one(setup):
    consultant, service, _ = setup
    start = next_monday_at(9)
    tokens = [make_draft(service=service, start=start)[1] for _ in range(THREADS)]

    outcomes = all_at_once(lambda token: services.verify_email(token=token), tokens)

    assert outcomes.count("ok") == 1
    assert outcomes.count(SlotTaken.__name__) == THREADS - 1
    assert slot_holders(consultant).count() == 1
    assert Booking.objects.filter(status=S.DRAFT).count() == THREADS - 1


def test_two_admins_approving_two_requests_into_one_slot_give_one_approval(setup):
    consultant, service, admin = setup
    other_admin = user_with_perms("approve_booking", username="other-admin")
    requests = []
    for hour in (9, 11):
        booking, token = make_draft(service=service, start=next_monday_at(hour))
        requests.append(services.verify_email(token=token))
    target = next_monday_at(15)

    outcomes = all_at_once(
        lambda pair: services.approve(booking=pair[0], actor=pair[1], start=target),
        [(requests[0], admin), (requests[1], other_admin)],
    )

    assert sorted(outcomes) == sorted(["ok", SlotTaken.__name__])
    assert slot_holders(consultant).filter(start=target).count() == 1
    assert Booking.objects.filter(status=S.APPROVED).count() == 1


def test_one_active_booking_per_email_holds_under_concurrency(setup):
    consultant, service, _ = setup
    tokens = [
        make_draft(
            service=service,
            client_email="same@example.com",
            start=next_monday_at(9) + timedelta(hours=n),
        )[1]
        for n in range(10)
    ]

    outcomes = all_at_once(lambda token: services.verify_email(token=token), tokens)

    assert outcomes.count("ok") == 1
    assert outcomes.count(ActiveBookingExists.__name__) == 9
    assert slot_holders(consultant).count() == 1


@pytest.mark.postgres
def test_exclusion_constraint_refuses_overlap_even_without_the_service(setup):
    consultant, service, admin = setup
    booking = services.create_admin_booking(
        actor=admin,
        consultant=consultant,
        service=service,
        start=next_monday_at(9),
        client_name="A",
        client_email="a@example.com",
    )
    clash = Booking(
        consultant=consultant,
        service=service,
        status=S.CONFIRMED,
        start=booking.start + timedelta(minutes=30),
        end=booking.end + timedelta(minutes=30),
        slot_key="own:direct",
        reference="MS-DIRECT",
        client_name="B",
        client_email="b@example.com",
        amount=0,
        currency="EUR",
    )

    with (
        pytest.raises(IntegrityError, match="booking_no_overlap"),
        transaction.atomic(),
    ):
        clash.save()


@pytest.mark.postgres
def test_without_the_row_lock_the_database_still_allows_only_one(setup, monkeypatch):
    """The lock gives a clear answer quickly; the constraint is the last line."""
    consultant, service, admin = setup
    for module in (services, steps):
        monkeypatch.setattr(module, "lock_schedule", lambda consultant: None)
    start = next_monday_at(9)

    outcomes = all_at_once(
        lambda n: services.create_admin_booking(
            actor=admin,
            consultant=consultant,
            service=service,
            start=start,
            client_name=f"Client {n}",
            client_email=f"client{n}@example.com",
        ),
        range(20),
    )

    assert outcomes.count("ok") == 1
    assert outcomes.count(SlotTaken.__name__) == 19
    assert slot_holders(consultant).count() == 1
