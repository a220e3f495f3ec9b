"""The periodic jobs: their schedules, the reminder windows (each reminder once,
however the sweeps fall), expiry of stale bookings, and the "mark it completed"
prompts."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_q.models import Schedule

from booking import tasks
from booking.core.models import Booking, Service
from booking.core.states import BookingStatus as S
from booking.lifecycle import courses, services
from booking.notifications import reminders
from booking.notifications.models import OutboxEmail
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind
MINUTE = timedelta(minutes=1)


def reminder_emails(kind=Kind.REMINDER_24H):
    return OutboxEmail.objects.filter(kind=kind)


def confirmed_long_ago(**kwargs) -> Booking:
    """Confirmed (and told so) three days ago, before any reminder window."""
    booking = confirmed_booking(**kwargs)
    earlier = timezone.now() - timedelta(days=3)
    booking.emails.update(created_at=earlier)
    Booking.objects.filter(pk=booking.pk).update(confirmed_at=earlier)
    return Booking.objects.get(pk=booking.pk)


def sweep_every(minutes: int, *, start, end):
    """Run the reminder sweep every `minutes` from `start` to `end`."""
    moment = start
    while moment <= end:
        reminders.queue_due_reminders(now=moment)
        moment += minutes * MINUTE


# --- schedules ------------------------------------------------------------------------


def test_migrate_creates_the_schedules():
    schedules = {s.func: s for s in Schedule.objects.all()}

    assert schedules["booking.tasks.send_reminders"].minutes == 5
    assert schedules["booking.tasks.retry_emails"].minutes == 1
    assert schedules["booking.tasks.expire_stale_bookings"].minutes == 15
    assert schedules["booking.tasks.notify_sessions_to_complete"].minutes == 60
    weekly = schedules.pop("booking.tasks.run_weekly_payouts")
    assert {s.schedule_type for s in schedules.values()} == {Schedule.MINUTES}
    assert {s.repeats for s in schedules.values()} == {-1}
    # Payouts run weekly, first on the next PAYOUT_WEEKDAY at PAYOUT_HOUR (UTC).
    assert (weekly.schedule_type, weekly.repeats) == (Schedule.WEEKLY, -1)
    assert weekly.next_run > timezone.now()
    assert weekly.next_run - timezone.now() <= timedelta(days=7)
    assert (weekly.next_run.isoweekday(), weekly.next_run.hour) == (1, 9)


def test_creating_the_schedules_again_changes_nothing():
    migration = importlib.import_module("booking.migrations.0004_job_schedules")
    Schedule.objects.filter(func="booking.tasks.send_reminders").update(minutes=10)

    migration.create_schedules(apps, None)
    migration.create_schedules(apps, None)

    assert Schedule.objects.filter(name__in=migration.SCHEDULES).count() == 4
    # An interval changed in the admin is kept.
    assert Schedule.objects.get(func="booking.tasks.send_reminders").minutes == 10


def test_scheduled_functions_exist():
    for schedule in Schedule.objects.all():
        module, name = schedule.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))


# --- reminders ------------------------------------------------------------------------


def test_a_sweep_every_five_minutes_sends_each_reminder_once():
    booking = confirmed_long_ago()
    start = booking.start

    sweep_every(5, start=start - timedelta(hours=25), end=start + MINUTE)

    assert reminder_emails().get().booking == booking
    assert reminder_emails(Kind.REMINDER_30M).get().booking == booking
    [first] = reminder_emails()
    assert first.occurrence == start.strftime("%Y%m%dT%H%M%SZ")


def test_the_24_hour_reminder_goes_in_its_window():
    booking = confirmed_long_ago()
    start = booking.start

    reminders.queue_due_reminders(now=start - timedelta(hours=24, minutes=11))
    assert not reminder_emails().exists()
    reminders.queue_due_reminders(now=start - timedelta(hours=24, minutes=10))
    assert reminder_emails().count() == 1


def test_sweeps_run_many_times_in_one_window_send_one_reminder():
    bookings = [confirmed_long_ago() for _ in range(3)]
    moment = bookings[0].start - timedelta(hours=24)

    for _ in range(10):
        reminders.queue_due_reminders(now=moment)

    assert reminder_emails().filter(booking=bookings[0]).count() == 1


def test_a_late_or_skipped_sweep_still_sends_each_reminder_once():
    booking = confirmed_long_ago()
    start = booking.start

    # The scheduler was down through the whole 24-hour window.
    reminders.queue_due_reminders(now=start - timedelta(hours=5))
    reminders.queue_due_reminders(now=start - timedelta(hours=4))
    # ... and through the 30-minute one.
    reminders.queue_due_reminders(now=start - timedelta(minutes=2))

    assert reminder_emails().count() == 1
    assert reminder_emails(Kind.REMINDER_30M).count() == 1


def test_a_24_hour_reminder_missed_entirely_is_not_sent_at_the_last_minute():
    booking = confirmed_long_ago()

    reminders.queue_due_reminders(now=booking.start - timedelta(minutes=10))

    assert not reminder_emails().exists()
    assert reminder_emails(Kind.REMINDER_30M).count() == 1


def test_no_reminder_for_a_session_that_has_started():
    booking = confirmed_long_ago()

    reminders.queue_due_reminders(now=booking.start + MINUTE)

    assert not OutboxEmail.objects.filter(
        kind__in=(Kind.REMINDER_24H, Kind.REMINDER_30M)
    ).exists()


def test_a_booking_confirmed_inside_a_window_gets_no_reminder_for_it():
    start = (timezone.now() + timedelta(hours=6)).replace(microsecond=0)
    booking = confirmed_booking(start=start)

    sweep_every(5, start=timezone.now(), end=start)

    assert not reminder_emails().exists()  # the confirmation was its 24-hour notice
    assert reminder_emails(Kind.REMINDER_30M).get().booking == booking


def test_a_rescheduled_booking_is_reminded_of_its_new_time():
    booking = confirmed_long_ago()
    old_start = booking.start
    reminders.queue_due_reminders(now=old_start - timedelta(hours=24))
    new_start = old_start + timedelta(days=2)
    services.reschedule(booking=booking, start=new_start)
    booking.emails.filter(kind=Kind.RESCHEDULED).update(
        created_at=old_start - timedelta(hours=23)
    )

    reminders.queue_due_reminders(now=new_start - timedelta(hours=24))

    assert sorted(reminder_emails().values_list("occurrence", flat=True)) == [
        old_start.strftime("%Y%m%dT%H%M%SZ"),
        new_start.strftime("%Y%m%dT%H%M%SZ"),
    ]


def test_only_confirmed_bookings_are_reminded():
    booking = confirmed_long_ago()
    services.cancel(booking=booking, reason="Ill.")

    reminders.queue_due_reminders(now=booking.start - timedelta(hours=24))

    assert not reminder_emails().exists()


def test_reminders_carry_the_meeting_and_manage_links():
    booking = confirmed_long_ago()

    reminders.queue_due_reminders(now=booking.start - timedelta(minutes=30))

    email = reminder_emails(Kind.REMINDER_30M).get()
    assert (
        booking.start.astimezone(booking.consultant.zone).strftime("%H:%M")
        in email.subject
    )
    assert "https://meet.jit.si/" in email.text_body
    assert "/book/manage/" in email.text_body


def test_the_consultant_gets_one_reminder_per_group_session_listing_everyone():
    consultant = ConsultantFactory(email="maya@haven.test")
    group = free_service(consultant, capacity=3, title="Circle")
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    seats = [
        confirmed_long_ago(service=group, start=start, client_name=name)
        for name in ("Ada", "Grace", "Linus")
    ]

    sweep_every(5, start=start - timedelta(hours=24, minutes=10), end=start)

    [email] = OutboxEmail.objects.filter(kind=Kind.CONSULTANT_REMINDER)
    assert email.recipient == "maya@haven.test"
    for seat in seats:
        assert f"{seat.client_name} ({seat.reference})" in email.text_body
    assert "(3 participants)" in email.subject
    assert reminder_emails().count() == 3  # and each client their own


def test_a_seat_cancelled_after_the_consultants_reminder_does_not_resend_it():
    consultant = ConsultantFactory()
    group = free_service(consultant, capacity=3)
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    seats = [confirmed_long_ago(service=group, start=start) for _ in range(2)]
    moment = start - timedelta(hours=24)
    reminders.queue_due_reminders(now=moment)

    services.cancel(booking=seats[0], reason="Ill.")
    reminders.queue_due_reminders(now=moment + 5 * MINUTE)

    assert OutboxEmail.objects.filter(kind=Kind.CONSULTANT_REMINDER).count() == 1


def test_a_workshop_of_12_reminds_the_consultant_twice_and_each_client_twice():
    consultant = ConsultantFactory(email="maya@haven.test")
    workshop = free_service(
        consultant, capacity=12, kind=Service.Kind.WORKSHOP, title="Clay"
    )
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    courses.set_meetings(
        service=workshop,
        actor=user_with_perms("change_service", username="planner"),
        dates=[(start, start + timedelta(hours=2))],
    )
    seats = [
        confirmed_long_ago(service=workshop, start=start, client_name=f"Guest {n:02}")
        for n in range(12)
    ]

    # The sweep every 5 minutes, and each sweep run twice.
    moment = start - timedelta(hours=24, minutes=10)
    while moment <= start:
        reminders.queue_due_reminders(now=moment)
        reminders.queue_due_reminders(now=moment)
        moment += 5 * MINUTE

    to_consultant = reminder_emails(Kind.CONSULTANT_REMINDER)
    assert {email.recipient for email in to_consultant} == {"maya@haven.test"}
    assert to_consultant.count() == 2
    day_before, soon = to_consultant.order_by("occurrence")
    assert day_before.subject.startswith("Reminder: Clay")
    assert soon.subject.startswith("In 30 minutes: Clay")
    for email in (day_before, soon):
        assert "(12 participants)" in email.subject
        assert "Participants (12 of 12)" in email.text_body
        for seat in seats:
            assert f"{seat.client_name} ({seat.reference})" in email.text_body
    for seat in seats:
        assert reminder_emails().filter(recipient=seat.client_email).count() == 1
        assert (
            reminder_emails(Kind.REMINDER_30M)
            .filter(recipient=seat.client_email)
            .count()
            == 1
        )


def test_a_one_to_one_session_reminds_the_consultant_only_the_day_before():
    consultant = ConsultantFactory(email="maya@haven.test")
    session = free_service(consultant)
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    confirmed_long_ago(service=session, start=start)

    sweep_every(5, start=start - timedelta(hours=24, minutes=10), end=start)

    assert reminder_emails(Kind.CONSULTANT_REMINDER).count() == 1


def test_the_task_runs_the_sweep_now(monkeypatch):
    seen = []
    monkeypatch.setattr(reminders, "queue_due_reminders", lambda: seen.append(1) or 7)

    assert tasks.send_reminders() == 7 and seen


# --- expiry ---------------------------------------------------------------------------


def test_unverified_drafts_expire_quietly(settings):
    settings.BOOKING_DRAFT_EXPIRY_HOURS = 24
    stale, _ = make_draft()
    fresh, _ = make_draft()
    Booking.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert tasks.expire_stale_bookings() == 1

    stale.refresh_from_db()
    assert stale.status == S.CANCELLED
    assert "not verified within 24 hours" in stale.cancel_reason
    assert Booking.objects.get(pk=fresh.pk).status == S.DRAFT
    assert not stale.emails.filter(kind=Kind.CANCELLED).exists()


def test_approvals_left_unpaid_expire_and_the_client_is_told(settings):
    settings.BOOKING_PAYMENT_WINDOW_HOURS = 48
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], requires_approval=False)
    bookings = []
    for hour in (9, 11):
        _, token = make_draft(service=service, start=next_monday_at(hour))
        bookings.append(services.verify_email(token=token))
    unpaid, recent = bookings
    Booking.objects.filter(pk=unpaid.pk).update(
        approved_at=timezone.now() - timedelta(hours=49)
    )

    assert tasks.expire_stale_bookings() == 1

    unpaid.refresh_from_db()
    assert unpaid.status == S.CANCELLED
    email = unpaid.emails.get(kind=Kind.CANCELLED)
    assert "not paid by its payment deadline" in email.text_body
    assert Booking.objects.get(pk=recent.pk).status == S.APPROVED


def test_expiry_leaves_a_booking_that_moved_on_meanwhile_alone():
    stale, token = make_draft()
    Booking.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    selected = Booking.objects.filter(status=S.DRAFT)
    assert selected.exists()

    services.verify_email(token=token)  # between selection and expiry

    assert tasks._expire(selected, "Too late.") == 0
    assert Booking.objects.get(pk=stale.pk).status == S.PENDING


# --- sessions to complete -------------------------------------------------------------


def test_ended_sessions_prompt_the_consultant_once():
    consultant = ConsultantFactory(email="maya@haven.test", user=UserFactory())
    booking = confirmed_booking(service=free_service(consultant))
    after = booking.end + timedelta(minutes=5)

    for hours in range(3):
        reminders.queue_session_ended_notices(now=after + timedelta(hours=hours))

    [email] = OutboxEmail.objects.filter(kind=Kind.SESSION_ENDED)
    assert email.recipient == "maya@haven.test"
    assert booking.reference in email.text_body


def test_without_a_login_the_prompt_goes_to_the_booking_admins():
    user_with_perms("approve_booking", email="desk@haven.test")
    booking = confirmed_booking()

    reminders.queue_session_ended_notices(now=booking.end + MINUTE)

    [email] = OutboxEmail.objects.filter(kind=Kind.SESSION_ENDED)
    assert email.recipient == "desk@haven.test"


def test_sessions_not_ended_or_long_past_prompt_nothing():
    booking = confirmed_booking()

    reminders.queue_session_ended_notices(now=booking.end - MINUTE)
    reminders.queue_session_ended_notices(now=booking.end + timedelta(days=30))

    assert not OutboxEmail.objects.filter(kind=Kind.SESSION_ENDED).exists()


# --- the outbox sweep -----------------------------------------------------------------


def test_the_retry_task_hands_unsent_emails_to_new_send_tasks(settings):
    booking, _ = make_draft()
    email = booking.emails.get()
    OutboxEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - MINUTE
    )

    assert tasks.retry_emails() == 1

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert tasks.retry_emails() == 0


def test_every_scheduled_job_names_a_function_that_exists():
    """Schedules live in the database under dotted paths; code that moves must
    leave every path working, or the job fails on its next run."""
    from django.utils.module_loading import import_string

    funcs = set(Schedule.objects.values_list("func", flat=True))

    assert "booking.payments.retry_refunds" in funcs  # made by migration 0008
    for func in funcs:
        assert callable(import_string(func)), func
