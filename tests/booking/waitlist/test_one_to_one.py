"""The waitlist of a taken one-to-one slot (issue 23): the booking form that
finds the time just taken, and the picker's taken times, link to its waitlist;
when the booking holding it goes (of the same service or another whose time
overlaps), the first waiting client is offered it, and the offer holds the time
against every booking of the consultant."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from booking.core.errors import SlotTaken
from booking.lifecycle import services
from booking.lifecycle import waitlist as waitlist_services
from booking.waitlist.models import WaitlistEntry
from tests.availability_factories import weekly_hours
from tests.booking.waitlist.helpers import last_link
from tests.factories import ConsultantFactory, ServiceFactory, make_draft

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def taken():
    """A one-to-one session at 10:00 in two days' time, booked and verified."""
    consultant = ConsultantFactory(time_zone="Europe/Berlin", open_hours=False)
    weekly_hours(consultant, weekdays=range(7), start="08:00", end="20:00")
    service = ServiceFactory(title="Counselling", consultants=[consultant])
    booking, verify = make_draft(
        service=service,
        start=services_day(consultant).replace(hour=10),
        client_email="first@example.com",
    )
    return services.verify_email(token=verify)


def services_day(consultant):
    day = timezone.now().astimezone(consultant.zone) + timedelta(days=2)
    return day.replace(minute=0, second=0, microsecond=0)


def join_path(booking):
    path = reverse(
        "booking:waitlist_join", args=[booking.consultant_id, booking.service.slug]
    )
    return f"{path}?{urlencode({'start': booking.start.isoformat()})}"


def wait_for(booking, email="next@example.com", service=None):
    waitlist_services.join(
        service=service or booking.service,
        consultant=booking.consultant,
        start=booking.start,
        client_name="Next Client",
        client_email=email,
        client_time_zone="Europe/Berlin",
    )
    return waitlist_services.confirm(token=last_link(email))


def test_the_form_that_finds_the_time_taken_offers_its_waitlist(client, taken):
    details = reverse("booking:details", args=[taken.consultant_id, taken.service.slug])
    answer = client.post(
        details,
        {
            "client_name": "Bo Late",
            "client_email": "bo@example.com",
            "client_phone": "",
            "client_notes": "",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": taken.start.isoformat(),
            "website": "",
        },
    )

    assert answer.status_code == 400
    assert "is not free" in answer.text
    assert "Join the waitlist for this time" in answer.text
    assert join_path(taken).replace("&", "&amp;") in answer.text
    assert "is taken." in client.get(join_path(taken)).text
    joined = client.post(
        join_path(taken),
        {
            "client_name": "Bo Late",
            "client_email": "bo@example.com",
            "client_time_zone": "Europe/Berlin",
        },
    )
    assert joined.status_code == 200
    assert WaitlistEntry.objects.get().start == taken.start


def test_the_picker_lists_the_days_taken_times_with_their_waitlist(client, taken):
    day = taken.start.astimezone(taken.consultant.zone).date()
    page = client.get(
        reverse("booking:choose_slot", args=[taken.consultant_id, taken.service.slug]),
        {"tz": "Europe/Berlin", "day": day.isoformat()},
    )

    assert "Taken on this day" in page.text
    assert 'class="slot slot--taken"' in page.text
    taken_part = page.text[page.text.index("Taken on this day") :]
    assert "10:00" in taken_part
    assert join_path(taken).split("?")[0] in taken_part


def test_a_freed_slot_is_offered_and_held_against_other_services(taken):
    entry = wait_for(taken)
    longer = ServiceFactory(consultants=[taken.consultant], duration_minutes=90)

    services.cancel(booking=taken, reason="Cannot come")

    entry.refresh_from_db()
    assert entry.status == W.OFFERED
    # The offer holds the time: another service's booking overlapping it waits.
    with pytest.raises(SlotTaken):
        make_draft(
            service=longer,
            start=taken.start - timedelta(minutes=30),
            client_email="other@example.com",
        )
    booked = waitlist_services.accept(token=last_link("next@example.com"), consent=True)
    assert booked.start == taken.start


def test_a_booking_of_another_service_overlapping_it_frees_it_too(taken):
    services.cancel(booking=taken, reason="Moved on")
    longer = ServiceFactory(consultants=[taken.consultant], duration_minutes=90)
    other, verify = make_draft(
        service=longer,
        start=taken.start - timedelta(minutes=30),
        client_email="other@example.com",
    )
    other = services.verify_email(token=verify)
    entry = wait_for(taken)  # waits for Counselling at 10:00, held by `other`
    assert entry.status == W.WAITING

    services.cancel(booking=other, reason="Cannot come")

    entry.refresh_from_db()
    assert entry.status == W.OFFERED
    offers = [m for m in mail.outbox if "next@example.com" in m.to]
    assert "seat" in offers[-1].subject.lower() or "place" in offers[-1].subject
