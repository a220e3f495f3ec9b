"""Issue 20, details to cancel: form errors a client can act on, a verify page that
says what is confirmed, the booking page with next steps and add-to-calendar, the
.ics file, and a cancel that shows the refund before anything changes."""

import re
from datetime import UTC, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.core import tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.scheduling.calendar_files import booking_uid
from tests.booking.stripe_fakes import approved_booking
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
D = Decimal
Purpose = BookingToken.Purpose


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    settings.STRIPE_SECRET_KEY = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    consultant = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    return ServiceFactory(
        title="Couples, families; groups",
        slug="couples",
        consultants=[consultant],
        price=D("80.00"),
    )


def in_days(days, hour=10):
    return (timezone.now() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0, tzinfo=UTC
    )


def booked(service, **client):
    """A verified booking and a manage link for it."""
    booking, verify = make_draft(service=service, start=in_days(3), **client)
    services.verify_email(token=verify)
    booking.refresh_from_db()
    return booking, tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)


# --- the details form's errors ----------------------------------------------------


def test_a_form_with_mistakes_lists_each_one_and_links_to_its_field(client, service):
    consultant = service.consultants.get()
    url = f"/book/{consultant.pk}/couples/details/"

    response = client.post(
        url,
        {
            "client_name": "",
            "client_email": "ada-at-example",
            "tz": "Europe/Berlin",
            "start": in_days(3).isoformat(),
            "website": "",
        },
    )

    html = response.text
    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert "<title>Error: " in html
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert "There is a problem" in summary.group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary.group(0))
    assert links == [
        ("id_client_name", "Enter your name"),
        ("id_client_email", "Enter an email address like name@example.com"),
        (
            "id_consent",
            "Tick the box to agree that the practice keeps your details to "
            "arrange your session",
        ),
    ]
    for name in ("client_name", "client_email", "consent"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in field
        assert f"id_{name}_error" in re.search(r'aria-describedby="([^"]+)"', field)[1]
        assert f'id="id_{name}_error"' in html
    # The consent error sits under the box and its label, not squeezed beside.
    box = html.index('name="consent"')
    label = html.index('for="id_consent"', box)
    assert box < label < html.index('id="id_consent_error"')


def test_the_honeypot_is_out_of_reach_of_keyboards_and_screen_readers(client, service):
    consultant = service.consultants.get()

    html = client.get(f"/book/{consultant.pk}/couples/details/").text

    wrapper = re.search(r'<div class="field hp" aria-hidden="true">.*?</div>', html)
    assert 'tabindex="-1"' in wrapper.group(0)
    assert 'name="website"' in wrapper.group(0)


# --- verifying ---------------------------------------------------------------------


def test_the_verify_page_says_what_is_confirmed_in_the_clients_zone(client, service):
    booking, verify = make_draft(
        service=service,
        start=in_days(3, hour=15),
        client_time_zone="America/New_York",
    )
    page = client.get(f"/book/verify/{verify}/")

    assert page.status_code == 200
    assert "Couples, families; groups with Maya Stone" in page.text
    new_york = booking.start.astimezone(ZoneInfo("America/New_York"))
    assert f"{new_york:%H:%M}–" in page.text
    assert "America/New York time" in page.text
    assert page.text.index("with Maya Stone") < page.text.index("Confirm my booking")
    assert Booking.objects.get(pk=booking.pk).status == S.DRAFT


def test_a_spoiled_verify_link_says_why_without_showing_a_booking(client, service):
    make_draft(service=service, start=in_days(3))

    page = client.get("/book/verify/abc.def/")

    assert page.status_code == 400
    assert "This link is not valid" in page.text
    assert "Maya Stone" not in page.text


def test_after_verifying_the_client_sees_their_booking_and_what_happens_next(
    client, service
):
    booking, verify = make_draft(service=service, start=in_days(3))

    response = client.post(f"/book/verify/{verify}/", follow=True)

    html = response.text
    assert response.redirect_chain[0][0].startswith("/book/booked/")
    assert "Your request is with the practice" in html
    assert "Thank you: your email address is confirmed." in html
    assert booking.reference in html and "Pending approval" in html
    assert "The practice reviews your request" in html
    assert "Once approved, you pay 80.00 EUR within 48 hours" in html
    assert "The link works for 7 days" in html
    assert "Google Calendar" in html and ".ics" in html


def test_without_approval_the_next_step_is_paying_by_a_deadline(client, service):
    service.requires_approval = False
    service.save()
    booking, verify = make_draft(
        service=service, start=in_days(5), client_time_zone="Asia/Tokyo"
    )

    html = client.post(f"/book/verify/{verify}/", follow=True).text

    booking.refresh_from_db()
    due = booking.payment_due_by.astimezone(ZoneInfo("Asia/Tokyo"))
    assert "Approved: one step left" in html
    assert f"Pay 80.00 EUR by {due:%A} {due.day} {due:%B, %H:%M} (Asia/Tokyo)" in html


def test_a_booking_made_through_the_api_reaches_the_same_page_from_its_email(
    client, service
):
    api = APIClient()
    consultant = service.consultants.get()
    created = api.post(
        "/api/v1/bookings/",
        {
            "consultant": consultant.pk,
            "service": "couples",
            "start": in_days(4).isoformat(),
            "client_name": "Ada Lovelace",
            "client_email": "ada@example.com",
            "client_time_zone": "Europe/Berlin",
            "consent": True,
        },
        format="json",
    )
    booking = Booking.objects.get(reference=created.json()["reference"])
    email = booking.emails.get(kind="verify_email")
    path = re.search(r"/book/verify/[^/\s]+/", email.text_body).group(0)

    shown = client.get(path)
    page = client.post(path, follow=True)
    received = booking.emails.get(kind="received")
    manage = re.search(r"/book/manage/[^/\s]+/", received.text_body).group(0)
    manage_page = client.get(manage)

    assert "with Maya Stone" in shown.text
    assert "Your request is with the practice" in page.text
    for html in (page.text, manage_page.text):
        assert booking.reference in html
        assert "What happens next" in html
        assert "calendar.google.com/calendar/render" in html


# --- add to calendar ---------------------------------------------------------------


def test_calendar_links_open_a_filled_in_event_in_utc(client, service):
    booking, token = booked(service)

    html = client.get(reverse("booking:booked", args=[token])).text
    links = {
        host: parse_qs(urlsplit(url.replace("&amp;", "&")).query)
        for url in re.findall(r'href="(https://[^"]+)"', html)
        for host in [urlsplit(url).hostname]
    }

    start = booking.start.astimezone(UTC)
    end = booking.end.astimezone(UTC)
    google = links["calendar.google.com"]
    assert google["action"] == ["TEMPLATE"]
    assert google["text"] == ["Couples, families; groups with Maya Stone"]
    assert google["dates"] == [f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"]
    assert booking.reference in google["details"][0]
    for host in ("outlook.live.com", "outlook.office.com"):
        assert links[host]["startdt"] == [f"{start:%Y-%m-%dT%H:%M:%SZ}"]
        assert links[host]["enddt"] == [f"{end:%Y-%m-%dT%H:%M:%SZ}"]
        assert links[host]["subject"] == google["text"]
    assert token not in str(links)


def test_the_ics_file_is_rfc_5545_in_utc_with_a_stable_uid(client, service):
    booking, token = booked(service)
    url = reverse("booking:calendar_file", args=[token])

    first, second = client.get(url), client.get(url)

    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="{booking.reference}.ics"' in first["Content-Disposition"]
    raw = first.content.decode()
    assert "\r\n" in raw and not re.search(r"[^\r]\n", raw)
    assert "SUMMARY:Couples\\, families\\; groups with Maya Stone" in raw
    start = booking.start.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\n" in raw
    event = Calendar.from_ical(raw).walk("VEVENT")[0]
    again = Calendar.from_ical(second.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == booking.start
    assert event.decoded("DTEND") == booking.end
    assert str(event["UID"]) == str(again["UID"]) == booking_uid(booking)


# --- cancelling --------------------------------------------------------------------


def paid_booking(hours_ahead, *, price):
    admin = user_with_perms("approve_booking", "record_offline_payment")
    booking, token = approved_booking(admin, price=price)
    paying.record_offline_payment(
        booking=booking, actor=admin, amount=price, method="Bank transfer"
    )
    start = timezone.now() + timedelta(hours=hours_ahead)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(minutes=50)
    )
    return token


@pytest.mark.parametrize(
    ("policy", "price", "shown", "refunded"),
    [
        ((24, 0), D("80.00"), "You get back 80.00 EUR: everything you paid.", "80.00"),
        (
            (48, 0),
            D("80.00"),
            "No refund: less than 48 hours before the session.",
            None,
        ),
        (
            (48, 50),
            D("99.99"),
            "You get back 49.99 EUR of the 99.99 EUR you paid.",
            "49.99",
        ),
    ],
    ids=["early", "late, nothing back", "late, half back to the cent"],
)
def test_cancel_shows_the_refund_first_then_makes_exactly_that_refund(
    client, practice_settings, policy, price, shown, refunded
):
    practice_settings(full_refund_until_hours=policy[0], late_refund_percent=policy[1])
    token = paid_booking(35, price=price)
    url = reverse("booking:manage_cancel", args=[token])

    manage = client.get(reverse("booking:manage", args=[token])).text
    confirm = client.get(url)
    status_before = Booking.objects.get().status
    done = client.post(url, {"reason": "Feeling better"}, follow=True)

    assert f'href="{url}"' in manage
    assert confirm.status_code == 200
    assert shown in confirm.text
    assert status_before == S.CONFIRMED
    booking = Booking.objects.get()
    assert booking.status == S.CANCELLED
    assert booking.cancel_reason == "Feeling better"
    assert done.redirect_chain[-1][0] == reverse("booking:cancelled", args=[token])
    assert f"Booking {booking.reference} is cancelled." in done.text
    total = sum((r.amount for r in booking.refunds.all()), D("0.00"))
    if refunded:
        assert total == D(refunded)
        assert f"{refunded} EUR</strong>" in done.text
    else:
        assert total == 0
        assert "No refund: the cancellation came less than 48 hours" in done.text


def test_cancelling_an_unpaid_booking_says_there_is_nothing_to_refund(client, service):
    booking, token = booked(service)

    page = client.get(reverse("booking:manage_cancel", args=[token]))

    assert "Nothing to refund: you have not paid for this session." in page.text
    assert 'maxlength="2000"' in page.text
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_a_too_long_reason_is_shown_in_the_error_summary_and_cancels_nothing(
    client, service
):
    booking, token = booked(service)

    response = client.post(
        reverse("booking:manage_cancel", args=[token]), {"reason": "x" * 2001}
    )

    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#id_reason"' in response.text
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_a_cancelled_booking_no_longer_offers_cancel_or_calendar(client, service):
    booking, token = booked(service)
    services.cancel(booking=booking, reason="Changed plans")

    again = client.get(reverse("booking:manage_cancel", args=[token]))
    manage = client.get(reverse("booking:manage", args=[token])).text

    assert again.status_code == 302
    assert again.url == reverse("booking:cancelled", args=[token])
    assert "Cancel this booking" not in manage
    assert "calendar.google.com" not in manage
