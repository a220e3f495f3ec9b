"""The soonest free times the public pages show: next free day per consultant on the
listing, next free time per service on a profile, for many consultants at once."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.core.models import Consultant
from booking.scheduling import hours
from booking.scheduling.slots import free_slots
from booking.scheduling.soonest import (
    next_free_days,
    offered_services,
    soonest_slots,
)
from tests.factories import ConsultantFactory, ServiceFactory

# A Monday, 08:00 in Berlin.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def weekly(consultant, weekdays, start=9, end=17):
    hours.add_working_hours(
        consultant=consultant,
        weekdays=weekdays,
        start_time=time(start),
        end_time=time(end),
        starts_on=date(2026, 1, 1),
    )


@pytest.fixture
def team(db):
    """Ana works Mondays, Ben only Thursdays, Cara on the 20th of June only, Dan
    never; all offer the same service, Ana also a second, later one."""
    people = {
        name: ConsultantFactory(name=name, open_hours=False, time_zone="Europe/Berlin")
        for name in ("Ana", "Ben", "Cara", "Dan")
    }
    weekly(people["Ana"], [0])
    weekly(people["Ben"], [3])
    hours.add_date_hours(
        consultant=people["Cara"],
        day=date(2026, 6, 20),
        start_time=time(10),
        end_time=time(12),
    )
    talk = ServiceFactory(
        title="Talk", consultants=list(people.values()), booking_window_days=90
    )
    walk = ServiceFactory(
        title="Walk",
        consultants=[people["Ana"]],
        minimum_notice_minutes=3 * 24 * 60,
        booking_window_days=90,
    )
    return people, talk, walk


def test_next_free_day_of_each_consultant_in_few_queries(team):
    people, talk, walk = team
    offered = {
        people["Ana"]: [talk, walk],
        people["Ben"]: [talk],
        people["Cara"]: [talk],
        people["Dan"]: [talk],
    }

    with CaptureQueriesContext(connection) as queries:
        days = next_free_days(offered, now=NOW)

    assert days == {
        people["Ana"].pk: date(2026, 6, 1),  # today, from 09:00
        people["Ben"].pk: date(2026, 6, 4),  # Thursday
        people["Cara"].pk: date(2026, 6, 20),  # beyond the first week
        people["Dan"].pk: None,  # no hours at all
    }
    # One read for all in the first week, one more for those still without a day.
    assert len(queries) == 4


def test_the_soonest_slot_is_the_slot_engine_s_first_for_that_service(team):
    people, talk, walk = team
    ana = people["Ana"]

    soonest = soonest_slots([(ana, talk), (ana, walk)], count=2, now=NOW)

    expected_talk = free_slots(
        consultant=ana, service=talk, start=NOW, end=NOW + timedelta(days=60), now=NOW
    )[:2]
    assert soonest[ana.pk, talk.pk].slots == expected_talk
    assert soonest[ana.pk, talk.pk].day == date(2026, 6, 1)
    # "Walk" needs three days' notice: Ana's next Monday.
    assert soonest[ana.pk, walk.pk].day == date(2026, 6, 8)
    assert soonest[ana.pk, walk.pk].service == walk


def test_a_suspended_consultant_has_no_next_free_day(team):
    people, talk, _ = team
    ana = people["Ana"]
    ana.status = Consultant.Status.SUSPENDED
    ana.save()

    assert next_free_days({ana: [talk]}, now=NOW) == {ana.pk: None}


def test_offered_services_are_the_active_ones_in_one_query(team):
    people, talk, walk = team
    walk.is_active = False
    walk.save()

    with CaptureQueriesContext(connection) as queries:
        offered = offered_services(list(people.values()))

    assert len(queries) == 1
    assert offered[people["Ana"].pk] == [talk]
    assert offered[people["Dan"].pk] == [talk]
