"""Races for a client's last package session and last active-booking allowance,
with real threads and connections (as tests/booking/lifecycle/test_concurrency.py):
the per-client lock gives one winner."""

import pytest

from booking.core.errors import ActiveBookingExists
from booking.core.models import Booking
from booking.core.states import ACTIVE
from booking.lifecycle import paying, services
from booking.products.ledger import NoSessionsLeft
from booking.products.models import CreditLine
from tests.booking.lifecycle.test_concurrency import all_at_once
from tests.booking.products.helpers import approved, holding, package_for, setting_up
from tests.factories import make_draft, next_monday_at, user_with_perms

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
EMAIL = "pat@example.com"


@pytest.fixture
def admin():
    return user_with_perms("approve_booking", username="desk")


def test_two_bookings_racing_for_the_last_session_give_one(admin):
    _, service = setting_up()
    entitlement = holding(package_for(service, sessions=2), EMAIL)
    first, _ = approved(service, admin, EMAIL, hour=9)
    paying.pay_with_package(booking=first)
    racers = [approved(service, admin, EMAIL, hour=h)[0] for h in (11, 13)]
    # Two bookings are active beyond the first: one was allowed by the unused
    # session; make the other non-counting too, as a course's meeting would be.
    Booking.objects.filter(pk__in=[b.pk for b in racers]).update(
        counts_toward_limit=False
    )

    outcomes = all_at_once(lambda b: paying.pay_with_package(booking=b), racers)

    assert sorted(outcomes) == sorted(["ok", NoSessionsLeft.__name__])
    assert entitlement.balance == 0
    assert CreditLine.objects.filter(kind=CreditLine.Kind.USE).count() == 2


def test_two_bookings_racing_for_the_last_allowance_give_one(admin):
    consultant, service = setting_up()
    holding(package_for(service, sessions=1), EMAIL)
    approved(service, admin, EMAIL, hour=9)  # the client's one place
    tokens = [
        make_draft(service=service, client_email=EMAIL, start=next_monday_at(h))[1]
        for h in (11, 13, 15)
    ]

    outcomes = all_at_once(lambda token: services.verify_email(token=token), tokens)

    assert outcomes.count("ok") == 1
    assert outcomes.count(ActiveBookingExists.__name__) == 2
    assert Booking.objects.filter(client_email=EMAIL, status__in=ACTIVE).count() == 2
