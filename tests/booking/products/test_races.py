"""Races for a client's last package session, last credit and last active-booking
allowance, with real threads and connections (as
tests/booking/lifecycle/test_concurrency.py): the per-client lock gives one
winner."""

from decimal import Decimal

import pytest

from booking.core.errors import ActiveBookingExists
from booking.core.models import Booking
from booking.core.states import ACTIVE
from booking.lifecycle import credit_paying, paying, services
from booking.products import credits
from booking.products.credit_models import MoneyLine
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


def test_two_bookings_racing_for_the_last_credit_give_one(admin):
    _, service = setting_up(price="80.00")
    giver = user_with_perms("add_creditgrant", username="giver")
    credits.grant_promotion(
        actor=giver, email=EMAIL, amount=Decimal("80.00"), currency="EUR", reason="Gift"
    )
    racers = []
    for hour in (9, 11):
        booking, _ = approved(service, admin, EMAIL, hour=hour)
        # Held beside each other, as a package's sessions would allow.
        Booking.objects.filter(pk=booking.pk).update(counts_toward_limit=False)
        racers.append(booking)

    outcomes = all_at_once(lambda b: credit_paying.pay_with_credit(booking=b), racers)

    assert sorted(outcomes) == sorted(["ok", credits.NoCreditLeft.__name__])
    assert credits.balance(EMAIL, "EUR") == 0
    assert MoneyLine.objects.filter(kind=MoneyLine.Kind.USE).count() == 1
