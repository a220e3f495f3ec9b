"""The waitlist's public pages: joining a full workshop, confirming by the
emailed link, taking the offered place; bad input gets a clear refusal."""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse

from booking.core.models import Booking
from booking.lifecycle import services
from booking.waitlist.models import WaitlistEntry
from tests.booking.waitlist.helpers import full_workshop, last_link

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def join_url(service, consultant, start):
    path = reverse("booking:waitlist_join", args=[consultant.pk, service.slug])
    return f"{path}?{urlencode({'start': start.isoformat()})}"


def test_a_client_joins_confirms_and_takes_the_freed_place(client):
    service, consultant, start, seats, desk = full_workshop()
    url = join_url(service, consultant, start)
    assert client.get(url).status_code == 200
    joined = client.post(
        url,
        {
            "client_name": "Wren",
            "client_email": "wren@example.com",
            "client_time_zone": "Europe/Berlin",
        },
    )
    assert b"We have emailed wren@example.com" in joined.content
    page = reverse("booking:waitlist_entry", args=[last_link("wren@example.com")])
    assert b"Confirm my place" in client.get(page).content
    assert WaitlistEntry.objects.get().status == W.UNVERIFIED  # opening changes nothing
    client.post(page, {"action": "confirm"})
    assert b"number <strong>1</strong>" in client.get(page).content

    services.cancel(booking=seats[0], reason="Ill", actor=desk)
    offer = reverse("booking:waitlist_entry", args=[last_link("wren@example.com")])
    assert b"Take the place" in client.get(offer).content
    refused = client.post(offer, {"action": "accept"})
    assert refused.status_code == 400 and b"privacy policy" in refused.content
    taken = client.post(offer, {"action": "accept", "consent": "on"})
    assert b"The place is yours" in taken.content
    assert Booking.objects.filter(client_email="wren@example.com").exists()


@pytest.mark.parametrize(
    "start, token",
    [("", None), ("2030-01-01T10:00", None), ("not a date", None), (None, "x.\x00")],
)
def test_bad_links_are_refused_and_change_nothing(client, start, token):
    service, consultant, real_start, _, _ = full_workshop()
    if token is not None:
        response = client.post(
            reverse("booking:waitlist_entry", args=["abc.def"]), {"action": "accept"}
        )
    else:
        path = reverse("booking:waitlist_join", args=[consultant.pk, service.slug])
        response = client.post(
            f"{path}?start={start}",
            {"client_name": "X", "client_email": "x@example.com"},
        )
    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()


def test_a_join_with_a_bad_address_says_so(client):
    service, consultant, start, _, _ = full_workshop()
    response = client.post(
        join_url(service, consultant, start),
        {
            "client_name": "Wren",
            "client_email": "no-at-sign",
            "client_time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 400
    assert b"valid email" in response.content
    assert not WaitlistEntry.objects.exists()
