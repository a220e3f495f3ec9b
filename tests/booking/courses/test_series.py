"""Recurring one-to-one series and courses (issue 23): one parent booking with a
child per later occurrence, checked whole, paid once, cancelled by the occurrence
or from one on, refunded by the policy for the occurrences not yet held."""

from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError
from django.utils import timezone

from booking.core.errors import (
    ActiveBookingExists,
    InvalidBookingData,
    InvalidTransition,
    SlotTaken,
)
from booking.core.models import Booking, Service
from booking.core.states import BookingStatus as S
from booking.courses.models import CourseMeeting
from booking.lifecycle import courses, paying, series, services
from booking.notifications.models import OutboxEmail
from booking.payments.models import Refund
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
CLIENT = {
    "client_name": "Ada Client",
    "client_email": "ada@example.com",
    "client_time_zone": "Europe/Berlin",
}


@pytest.fixture
def desk(db):
    return user_with_perms(
        "add_booking",
        "approve_booking",
        "cancel_booking",
        "record_offline_payment",
        "reschedule_booking",
        "change_service",
        username="desk",
    )


def test_fortnightly_series_lists_the_conflict_with_its_nearest_free_time(desk):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=Decimal("60.00"))
    first = next_monday_at(9)
    starts = series.occurrence_starts(
        first, every_weeks=2, count=6, zone=consultant.zone
    )
    assert [s - first for s in starts] == [timedelta(weeks=2 * k) for k in range(6)]
    taken, verify = make_draft(service=service, start=starts[2])
    services.verify_email(token=verify)

    with pytest.raises(series.SeriesConflict) as refused:
        series.create_admin_series(
            actor=desk, consultant=consultant, service=service, starts=starts, **CLIENT
        )
    plan = refused.value.plan
    assert [bool(o.problem) for o in plan] == [False, False, True, False, False, False]
    alternative = plan[2].alternative
    # The nearest free start: an hour away (a 50-minute session and its buffer).
    assert abs(alternative - starts[2]) == timedelta(hours=1)
    assert not Booking.objects.filter(client_email="ada@example.com").exists()

    starts[2] = alternative
    parent = series.create_admin_series(
        actor=desk, consultant=consultant, service=service, starts=starts, **CLIENT
    )
    children = list(parent.children.order_by("start"))
    assert parent.amount == Decimal("360.00") and len(children) == 5
    assert {c.status for c in children} == {S.APPROVED}
    assert [c.counts_toward_limit for c in children] == [False] * 5
    # The series is the client's one active booking.
    with pytest.raises(ActiveBookingExists):
        services.create_admin_booking(
            actor=desk,
            consultant=consultant,
            service=service,
            start=next_monday_at(15),
            **CLIENT,
        )

    paying.record_offline_payment(
        booking=parent, actor=desk, amount=Decimal("360.00"), method="bank transfer"
    )
    assert {c.status for c in parent.children.all()} == {S.CONFIRMED}
    parent = Booking.objects.get(pk=parent.pk)

    # One occurrence cancelled by the client: it alone, refunded its share.
    services.cancel(booking=children[1], reason="Holiday")
    statuses = [b.status for b in series.occurrences(parent)]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.CANCELLED, *[S.CONFIRMED] * 3]
    assert [r.amount for r in Refund.objects.all()] == [Decimal("60.00")]

    # Later, the rest from occurrence 5 on.
    series.cancel(booking=children[3], reason="Moving away", rest=True)
    statuses = [b.status for b in series.occurrences(parent)]
    assert (
        statuses
        == [S.CONFIRMED, S.CONFIRMED, S.CANCELLED, S.CONFIRMED] + [S.CANCELLED] * 2
    )
    assert sorted(r.amount for r in Refund.objects.all()) == [
        Decimal("60.00"),
        Decimal("120.00"),
    ]
    # Each cancellation emailed the client once.
    cancelled = OutboxEmail.objects.filter(kind="cancelled")
    assert cancelled.count() == 2


def test_the_first_occurrence_is_cancelled_only_with_the_rest(desk):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=Decimal("0.00"))
    starts = series.occurrence_starts(
        next_monday_at(9), every_weeks=1, count=3, zone=consultant.zone
    )
    parent = series.create_admin_series(
        actor=desk, consultant=consultant, service=service, starts=starts, **CLIENT
    )
    assert parent.status == S.CONFIRMED
    with pytest.raises(InvalidTransition, match="first of its series"):
        series.cancel(booking=parent, reason="x", rest=False)
    services.cancel(booking=parent, reason="Changed my mind")
    parent = Booking.objects.get(pk=parent.pk)
    assert {b.status for b in series.occurrences(parent)} == {S.CANCELLED}


def test_children_do_not_take_the_one_active_place_in_the_database(desk):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant])
    starts = series.occurrence_starts(
        next_monday_at(9), every_weeks=1, count=2, zone=consultant.zone
    )
    parent = series.create_admin_series(
        actor=desk, consultant=consultant, service=service, starts=starts, **CLIENT
    )
    child = parent.children.get()
    with pytest.raises(IntegrityError):
        Booking.objects.filter(pk=child.pk).update(counts_toward_limit=True)


# --- courses ----------------------------------------------------------------------


def make_course(desk, *, count=8, capacity=6, price="400.00"):
    consultant = ConsultantFactory()
    service = ServiceFactory(
        consultants=[consultant],
        kind=Service.Kind.COURSE,
        capacity=capacity,
        price=Decimal(price),
        duration_minutes=90,
    )
    first = (timezone.now() + timedelta(days=9)).astimezone(BERLIN).date()
    dates = courses.meeting_dates(
        first_day=first,
        count=count,
        start_time=time(18),
        end_time=time(19, 30),
        zone=BERLIN,
        exceptions={first + timedelta(weeks=2)},
    )
    courses.set_meetings(service=service, actor=desk, dates=dates)
    return consultant, service


def test_meetings_from_a_rule_skip_the_exceptions():
    dates = courses.meeting_dates(
        first_day=date(2027, 1, 12),
        count=8,
        start_time=time(18),
        end_time=time(19, 30),
        zone=BERLIN,
        exceptions={date(2027, 1, 26)},
    )
    days = [start.astimezone(BERLIN).date() for start, _ in dates]
    assert len(days) == 8 and date(2027, 1, 26) not in days
    assert days[0] == date(2027, 1, 12) and days[-1] == date(2027, 3, 9)
    assert {d.weekday() for d in days} == {1}
    assert all(end - start == timedelta(minutes=90) for start, end in dates)


def test_a_course_is_booked_paid_moved_and_cancelled_whole(desk, practice_settings):
    practice_settings(full_refund_until_hours=24, late_refund_percent=0)
    consultant, service = make_course(desk)
    starts = series.course_starts(service)
    parent, verify = series.create_series_draft(
        consultant=consultant, service=service, starts=starts, consent=True, **CLIENT
    )
    services.verify_email(token=verify)
    parent = services.approve(booking=Booking.objects.get(pk=parent.pk), actor=desk)
    assert parent.amount == Decimal("400.00")
    paying.record_offline_payment(
        booking=parent, actor=desk, amount=Decimal("400.00"), method="cash"
    )
    meetings = list(CourseMeeting.objects.filter(service=service))
    assert parent.children.filter(status=S.CONFIRMED).count() == 7

    # The practice moves meeting 3: the client's booking of it moves, one email.
    OutboxEmail.objects.all().delete()
    new_start = meetings[2].start + timedelta(days=1)
    moved = courses.move_meeting(meeting=meetings[2], start=new_start, actor=desk)
    assert [b.start for b in moved] == [new_start]
    assert moved[0].end - moved[0].start == timedelta(minutes=90)
    assert (
        OutboxEmail.objects.filter(
            kind="rescheduled", recipient="ada@example.com"
        ).count()
        == 1
    )

    # Cancelled from meeting 5 on: the policy refunds meetings 5-8, half of it.
    fifth = parent.children.order_by("start")[3]
    series.cancel(booking=fifth, reason="Cannot come any more", rest=True)
    assert [r.amount for r in Refund.objects.all()] == [Decimal("200.00")]
    assert parent.children.filter(status=S.CANCELLED).count() == 4


def test_course_capacity_counts_every_seat(desk):
    consultant, service = make_course(desk, count=2, capacity=1)
    starts = series.course_starts(service)
    series.create_admin_series(
        actor=desk, consultant=consultant, service=service, starts=starts, **CLIENT
    )
    with pytest.raises(series.SeriesConflict):
        series.create_admin_series(
            actor=desk,
            consultant=consultant,
            service=service,
            starts=starts,
            **{**CLIENT, "client_email": "bo@example.com"},
        )


def test_a_workshop_is_a_dated_meeting_whose_seats_run_out(desk):
    consultant = ConsultantFactory()
    workshop = ServiceFactory(
        consultants=[consultant], kind=Service.Kind.WORKSHOP, capacity=2
    )
    start = next_monday_at(19)
    courses.set_meetings(
        service=workshop, actor=desk, dates=[(start, start + timedelta(hours=3))]
    )
    with pytest.raises(InvalidBookingData, match="does not meet at that time"):
        services.create_admin_booking(
            actor=desk,
            consultant=consultant,
            service=workshop,
            start=start + timedelta(hours=1),
            **CLIENT,
        )
    seats = [
        services.create_admin_booking(
            actor=desk,
            consultant=consultant,
            service=workshop,
            start=start,
            **{**CLIENT, "client_email": f"guest{n}@example.com"},
        )
        for n in range(2)
    ]
    assert [s.end - s.start for s in seats] == [timedelta(hours=3)] * 2
    with pytest.raises(SlotTaken, match="is full"):
        services.create_admin_booking(
            actor=desk, consultant=consultant, service=workshop, start=start, **CLIENT
        )
