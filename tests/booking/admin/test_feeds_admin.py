"""Outside calendars on the availability screen: a booking admin or the consultant
adds the secret address, sees each calendar's state, reads it now, and sees a
failing one's error beside its last good read. The address never shows again."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from booking.scheduling.models import BusyBlock, OutsideCalendar
from tests.availability_factories import admin_user, weekly_hours
from tests.factories import ConsultantFactory
from tests.feed_server import calendar, event, feed_server, stamp

__all__ = ["feed_server"]  # the fixture, used by name

pytestmark = pytest.mark.django_db

SECRET = "private-abc123"  # in tests.feed_server's address


def page_url(consultant):
    return reverse("booking_availability:consultant", args=[consultant.pk])


def calendar_url(name, consultant, *args):
    return reverse(f"booking_outside_calendars:{name}", args=[consultant.pk, *args])


@pytest.fixture
def berlin():
    consultant = ConsultantFactory(
        open_hours=False, name="Anna Berg", time_zone="Europe/Berlin"
    )
    weekly_hours(consultant, weekdays=range(5))
    return consultant


@pytest.fixture
def booking_admin(client):
    client.force_login(admin_user("change_consultant"))
    return client


def busy_tomorrow(consultant):
    start = (timezone.now() + timedelta(days=1)).astimezone(consultant.zone)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
    return calendar(
        event(
            "meeting",
            f"DTSTART;TZID={consultant.time_zone}:{stamp(start)}",
            f"DTEND;TZID={consultant.time_zone}:{stamp(start + timedelta(hours=1))}",
        )
    )


def test_a_booking_admin_adds_a_calendar_reads_it_and_never_sees_the_address_again(
    booking_admin, berlin, feed_server, caplog
):
    feed_server.body = busy_tomorrow(berlin)
    caplog.set_level(logging.DEBUG)

    response = booking_admin.post(
        calendar_url("add", berlin), {"label": "Work", "url": feed_server.url}
    )

    assert response.status_code == 302
    assert response.url == page_url(berlin)
    outside = OutsideCalendar.objects.get(consultant=berlin)
    read = booking_admin.post(calendar_url("read", berlin, outside.pk), follow=True)
    page = read.content.decode()
    assert "Read “Work”: 1 busy time read." in page
    assert "Outside calendars" in page
    assert "127.0.0.1/…" in page
    assert "Not read yet" not in page and "Failing" not in page
    assert "10:00–11:00" in page  # tomorrow's busy hour in the preview
    for text in (page, caplog.text, str(list(ModelLogEntry.objects.values("data")))):
        assert SECRET not in text
    history = ModelLogEntry.objects.filter(object_id=str(berlin.pk))
    assert "Added outside calendar “Work”" in [e.data["change"] for e in history]


def test_a_failing_calendar_shows_its_error_and_its_last_good_read(
    booking_admin, berlin, feed_server, settings
):
    feed_server.body = busy_tomorrow(berlin)
    outside = OutsideCalendar.objects.create(
        consultant=berlin, label="Private", url=feed_server.url
    )
    booking_admin.post(calendar_url("read", berlin, outside.pk))
    outside.refresh_from_db()
    good = outside.last_ok_at.astimezone(berlin.zone)

    feed_server.body = b"<html>Please sign in</html>"
    response = booking_admin.post(calendar_url("read", berlin, outside.pk), follow=True)

    page = response.content.decode()
    assert "“Private” could not be read: The address did not return a calendar" in page
    assert "Failing" in page
    assert f"{good:%a} {good.day} {good:%b %Y}, {good:%H:%M}" in page
    assert BusyBlock.objects.filter(calendar=outside).count() == 1
    assert "10:00–11:00" in page  # still blocked


def test_the_form_explains_an_address_that_cannot_be_read(booking_admin, berlin):
    for address, error in [
        ("", "This field is required."),
        ("ftp://example.com/cal.ics", "Only http:// and https://"),
        ("http://192.168.1.20/cal.ics", "private or local address"),
    ]:
        response = booking_admin.post(
            calendar_url("add", berlin), {"label": "x", "url": address}
        )
        assert response.status_code == 200
        assert error in response.content.decode()
    assert not OutsideCalendar.objects.exists()


def test_changing_the_name_keeps_the_address_and_removing_drops_the_busy_times(
    booking_admin, berlin
):
    outside = OutsideCalendar.objects.create(
        consultant=berlin, label="Old", url=f"https://calendar.example/{SECRET}.ics"
    )
    now = timezone.now()
    BusyBlock.objects.create(
        consultant=berlin, calendar=outside, start=now, end=now + timedelta(hours=1)
    )
    form = booking_admin.get(calendar_url("edit", berlin, outside.pk))
    assert SECRET not in form.content.decode()
    assert "calendar.example/…" in form.content.decode()

    booking_admin.post(
        calendar_url("edit", berlin, outside.pk), {"label": "Work", "url": ""}
    )
    outside.refresh_from_db()
    assert (outside.label, outside.url) == (
        "Work",
        f"https://calendar.example/{SECRET}.ics",
    )

    response = booking_admin.post(calendar_url("delete", berlin, outside.pk))
    assert response.status_code == 302
    assert not OutsideCalendar.objects.exists()
    assert not BusyBlock.objects.exists()


def test_a_consultant_manages_only_their_own_calendars(client, berlin):
    other = ConsultantFactory(open_hours=False)
    theirs = OutsideCalendar.objects.create(consultant=other, url="https://a.test/x")
    berlin.user = admin_user()
    berlin.save()
    client.force_login(berlin.user)

    page = client.get(page_url(berlin))
    assert "Add outside calendar" in page.content.decode()
    for name, args in [("add", ()), ("edit", (theirs.pk,)), ("delete", (theirs.pk,))]:
        assert client.get(calendar_url(name, other, *args)).status_code == 403
    assert client.post(calendar_url("read", other, theirs.pk)).status_code == 403
    # Someone else's calendar under one's own consultant: not found.
    assert client.get(calendar_url("edit", berlin, theirs.pk)).status_code == 404
    assert client.post(calendar_url("delete", berlin, theirs.pk)).status_code == 404
    assert OutsideCalendar.objects.filter(pk=theirs.pk).exists()
