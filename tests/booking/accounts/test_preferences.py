"""A client's preferences: the clock every time on their pages and in their
emails uses, their time zone in emails, and which reminders they get (the
transactional emails always go)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.lifecycle import services
from booking.notifications import reminders
from booking.notifications.models import OutboxEmail
from tests.booking.outbox_helpers import confirmed_booking
from tests.factories import make_draft

pytestmark = pytest.mark.django_db
Kind = OutboxEmail.Kind


def on_12(local) -> str:
    half = "am" if local.hour < 12 else "pm"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {half}"


def details(client, **fields):
    data = {"name": "Ada", "time_zone": "", "clock": "24", **fields}
    return client.post("/account/details/", data)


def test_a_12_hour_clock_shows_every_time_on_my_pages_that_way(sign_in):
    booking, token = make_draft(
        client_email="ada@example.com", client_time_zone="Europe/Berlin"
    )
    booking = services.verify_email(token=token)
    client = sign_in("ada@example.com")
    local = booking.start.astimezone(ZoneInfo("Europe/Berlin"))
    twelve = on_12(local)
    on_24 = f"{local:%H:%M} <span"
    assert on_24 in client.get("/account/").content.decode()

    assert details(client, clock="12", remind_24h="on").status_code == 302
    html = client.get("/account/").content.decode()
    assert twelve in html
    assert on_24 not in html
    account = ClientAccount.objects.get()
    assert (account.clock, account.remind_24h, account.remind_30m) == (12, True, False)
    # The booking pages' picker uses the same clock.
    assert client.session["clock"] == 12


def test_a_clock_that_is_not_12_or_24_is_refused_and_changes_nothing(sign_in):
    client = sign_in("ada@example.com")
    response = details(client, clock="13", remind_30m="on")
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    account = ClientAccount.objects.get()
    assert (account.clock, account.remind_24h) == (24, True)


def test_emails_to_the_client_use_their_accounts_zone_and_clock():
    start = (timezone.now() + timedelta(days=5)).replace(
        hour=13, minute=30, second=0, microsecond=0
    )
    ClientAccount.objects.create(
        email="ada@example.com", time_zone="America/New_York", clock=12
    )
    booking = confirmed_booking(
        start=start, client_email="Ada@Example.com", client_time_zone="Europe/Berlin"
    )
    local = booking.start.astimezone(ZoneInfo("America/New_York"))
    shown = on_12(local)
    emails = OutboxEmail.objects.filter(booking=booking)
    [email] = emails.filter(recipient="Ada@Example.com", kind=Kind.CONFIRMED)
    assert shown in email.text_body
    assert "America/New_York" in email.text_body
    # The consultant's copies stay on their own zone and a 24-hour clock.
    theirs = emails.exclude(recipient="Ada@Example.com")
    assert theirs.exists()
    assert all(" pm " not in e.text_body for e in theirs)


def test_reminders_turned_off_are_not_sent_and_the_others_still_are():
    ClientAccount.objects.create(
        email="ada@example.com", remind_24h=False, remind_30m=True
    )
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    mine = confirmed_booking(start=start, client_email="ADA@example.com")
    other = confirmed_booking(start=start, client_email="bob@example.com")
    OutboxEmail.objects.update(created_at=timezone.now() - timedelta(days=3))
    reminders.queue_due_reminders(now=start - timedelta(hours=24))
    day_before = OutboxEmail.objects.filter(kind=Kind.REMINDER_24H)
    assert set(day_before.values_list("booking", flat=True)) == {other.pk}
    # The consultant is still reminded of the session.
    assert OutboxEmail.objects.filter(kind=Kind.CONSULTANT_REMINDER).exists()
    reminders.queue_due_reminders(now=start - timedelta(minutes=30))
    soon = OutboxEmail.objects.filter(kind=Kind.REMINDER_30M)
    assert set(soon.values_list("booking", flat=True)) == {mine.pk, other.pk}
