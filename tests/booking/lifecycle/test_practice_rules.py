"""Rules the practice relies on (issue 17): the approval email's payment deadline
is the real one and never after the session; the expiry job keeps the same
deadline; a client's move of an approved booking that needs approval sends it back
for approval, unless the practice chose otherwise, and the History says so."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from booking import tasks
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind


@contextmanager
def time_travel(moment):
    """Every clock that reads django.utils.timezone.now() stands at `moment`."""
    with mock.patch("booking.tasks.timezone.now", return_value=moment):
        yield


@pytest.fixture
def admin(db):
    return user_with_perms("approve_booking", "cancel_booking", username="desk")


def approved(admin, *, start=None, requires_approval=True):
    consultant = ConsultantFactory()
    service = ServiceFactory(
        consultants=[consultant], requires_approval=requires_approval
    )
    booking, verify = make_draft(service=service, start=start)
    booking = services.verify_email(token=verify)
    if booking.status == S.PENDING:
        booking = services.approve(booking=booking, actor=admin)
    return booking


def hours_ahead(low, high):
    """A whole hour between `low` and `high` hours from now, in working hours."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for hours in range(low, high):
        moment = now + timedelta(hours=hours)
        if 8 <= moment.hour <= 18:
            return moment
    raise AssertionError("no working hour in range")


def test_the_approval_email_asks_for_payment_before_the_session(admin, settings):
    settings.BOOKING_PAYMENT_WINDOW_HOURS = 48
    start = hours_ahead(30, 46)

    booking = approved(admin, start=start)

    email = booking.emails.get(kind=Kind.APPROVED)
    local = start.astimezone(ZoneInfo("Europe/Berlin"))
    assert booking.payment_due_by == start
    assert "48 hours" not in email.text_body
    assert f"by {local:%A} {local.day} {local:%B, %H:%M} (Europe/Berlin)" in (
        email.text_body
    )


def test_a_far_session_is_due_the_payment_window_after_approval(admin, settings):
    settings.BOOKING_PAYMENT_WINDOW_HOURS = 48

    booking = approved(admin, start=next_monday_at(10, weeks=2))

    assert booking.payment_due_by == booking.approved_at + timedelta(hours=48)


def test_the_expiry_job_cancels_an_unpaid_booking_at_its_deadline(admin, settings):
    settings.BOOKING_PAYMENT_WINDOW_HOURS = 48
    booking = approved(admin, start=hours_ahead(30, 46))
    start = booking.start

    with time_travel(start - timedelta(minutes=1)):
        assert tasks.expire_stale_bookings() == 0
    with time_travel(start + timedelta(minutes=1)):
        assert tasks.expire_stale_bookings() == 1

    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    assert "payment deadline" in booking.cancel_reason


# --- a client's move ------------------------------------------------------------


def move_by_client(booking):
    return services.reschedule(
        booking=booking, start=booking.start + timedelta(hours=2)
    )


def test_a_client_move_of_an_approved_booking_sends_it_back_for_approval(
    admin, practice_settings
):
    practice_settings(client_moves_need_approval=True)
    booking = approved(admin, start=next_monday_at(9))

    booking = move_by_client(booking)

    assert booking.status == S.PENDING and booking.approved_at is None
    actions = list(
        ModelLogEntry.objects.filter(object_id=str(booking.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["booking.reschedule", "booking.request_approval_again"]
    kinds = set(booking.emails.values_list("kind", flat=True))
    assert {Kind.RESCHEDULED, Kind.STAFF_NEW_REQUEST} <= kinds
    client_email = booking.emails.get(kind=Kind.RESCHEDULED)
    assert "needs the practice's approval again" in client_email.text_body


def test_the_practice_may_let_clients_move_without_approval(admin, practice_settings):
    practice_settings(client_moves_need_approval=False)
    booking = approved(admin, start=next_monday_at(9))

    assert move_by_client(booking).status == S.APPROVED


def test_a_service_without_approval_stays_approved_when_moved(admin):
    booking = approved(admin, start=next_monday_at(9), requires_approval=False)

    assert move_by_client(booking).status == S.APPROVED


def test_a_booking_admins_move_keeps_the_approval(admin, practice_settings):
    practice_settings(client_moves_need_approval=True)
    mover = user_with_perms("reschedule_booking", username="mover")
    booking = approved(admin, start=next_monday_at(9))

    moved = services.reschedule(
        booking=booking, start=booking.start + timedelta(hours=2), actor=mover
    )

    assert moved.status == S.APPROVED
