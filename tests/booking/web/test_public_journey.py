"""The client's booking journey on the public site, through real requests."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from booking.core import tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.availability_factories import weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, make_draft

pytestmark = pytest.mark.django_db
Purpose = BookingToken.Purpose
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    consultant = ConsultantFactory(
        name="Maya Stone", time_zone="Europe/Berlin", open_hours=False
    )
    weekly_hours(consultant, weekdays=range(7), start="08:00", end="20:00")
    return ServiceFactory(
        title="Counselling", slug="counselling", consultants=[consultant]
    )


def tomorrow_at(hour, zone=BERLIN):
    day = timezone.now().astimezone(zone).date() + timedelta(days=2)
    return timezone.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def details_url(service):
    consultant = service.consultants.get()
    return f"/book/{consultant.pk}/{service.slug}/details/"


def details(start, **overrides):
    return {
        "client_name": "Ada Lovelace",
        "client_email": "ada@example.com",
        "client_phone": "",
        "client_notes": "First time in counselling.",
        "consent": "on",
        "tz": "Europe/Berlin",
        "start": start.isoformat(),
        "website": "",
        **overrides,
    }


def test_service_and_slot_pages_show_free_times_in_the_clients_zone(client, service):
    consultant = service.consultants.get()

    services_page = client.get(f"/book/{consultant.pk}/")
    in_new_york = client.get(
        f"/book/{consultant.pk}/counselling/?tz=America/New_York"
        f"&day={tomorrow_at(9).date().isoformat()}"
    )

    assert "Counselling" in services_page.text
    assert in_new_york.status_code == 200
    assert "Times are shown in <strong>America/New York — New York (GMT-" in (
        in_new_york.text
    )
    # 09:00 in Berlin is 03:00 in New York (02:00 or 03:00 depending on DST gaps;
    # the first Berlin opening at 08:00 is 02:00 New York time in winter).
    first_slot = re.search(r'class="slot[^"]*"[^>]*>(\d\d:\d\d)', in_new_york.text)
    expected = tomorrow_at(8).astimezone(ZoneInfo("America/New_York"))
    assert first_slot.group(1) == f"{expected:%H:%M}"


def test_unknown_service_for_a_consultant_is_404(client, service):
    consultant = service.consultants.get()

    assert client.get(f"/book/{consultant.pk}/no-such-session/").status_code == 404


def test_details_create_a_draft_and_say_check_your_inbox(client, service):
    response = client.post(details_url(service), details(tomorrow_at(10)))

    assert response.status_code == 302 and response.url == "/book/sent/"
    booking = Booking.objects.get()
    assert booking.status == S.DRAFT
    assert booking.client_email == "ada@example.com"
    assert booking.start == tomorrow_at(10)
    sent = client.get("/book/sent/")
    assert "Check your inbox" in sent.text and booking.reference in sent.text


@pytest.mark.parametrize(
    "value", ["0", "off", "false", "False", "no", "", "1", "true", "yes", "ON", " on"]
)
def test_consent_is_the_ticked_box_and_nothing_else(client, service, value):
    """Django's checkbox reads any text but "false" as ticked: consent=0 and
    consent=off booked."""
    response = client.post(
        details_url(service), details(tomorrow_at(10), consent=value)
    )

    assert response.status_code == 400
    assert "Tick the box to agree" in response.text
    assert not Booking.objects.exists()


def test_the_consent_box_sends_what_the_form_accepts(client, service):
    page = client.get(details_url(service) + f"?start={tomorrow_at(10).isoformat()}")
    box = re.search(r"<input[^>]*name=\"consent\"[^>]*>", page.text).group(0)

    # Without a value attribute a ticked box sends "on".
    assert 'type="checkbox"' in box and "value=" not in box
    ticked = client.post(details_url(service), details(tomorrow_at(10), consent="on"))
    assert ticked.status_code == 302


def test_taken_slot_keeps_what_was_typed_and_offers_nearby_times(client, service):
    _, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)

    response = client.post(
        details_url(service), details(tomorrow_at(10), client_name="Grace Hopper")
    )

    assert response.status_code == 400
    html = response.text
    assert re.search(r"Maya Stone is (no longer|not) free", html)
    assert 'value="Grace Hopper"' in html
    assert "First time in counselling." in html
    offered = re.findall(r'type="radio" name="start" value="([^"]+)"', html)
    assert offered and tomorrow_at(10).isoformat() not in offered
    # Choosing one of the offered times books it without retyping anything.
    again = client.post(
        details_url(service),
        {**details(tomorrow_at(10), client_name="Grace Hopper"), "start": offered[0]},
    )
    assert again.status_code == 302
    assert Booking.objects.filter(client_name="Grace Hopper").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("consent", "", "Tick the box to agree"),
        ("client_email", "nope", "Enter an email address like name@example.com"),
        ("client_name", "x" * 201, "200 characters or fewer (it has 201)"),
        ("client_notes", "x" * 4001, "4000 characters or fewer (it has 4001)"),
        ("tz", "Mars/Base", "Choose a time zone from the list"),
    ],
)
def test_bad_details_are_refused_with_a_clear_message(
    client, service, field, value, message
):
    response = client.post(
        details_url(service), details(tomorrow_at(10), **{field: value})
    )

    assert response.status_code == 400
    assert message in response.text
    assert not Booking.objects.exists()


def test_honeypot_filled_in_by_a_bot_books_nothing(client, service):
    response = client.post(
        details_url(service), details(tomorrow_at(10), website="http://spam.example")
    )

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_verification_link_opened_by_a_mail_scanner_is_not_used_up(client, service):
    booking, token = make_draft(service=service, start=tomorrow_at(10))

    assert client.get(f"/book/verify/{token}/").status_code == 200
    response = client.post(f"/book/verify/{token}/")

    assert response.status_code == 302
    assert response.url.startswith("/book/booked/")
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("reuse", "already been used"),
        ("tamper", "not valid"),
        ("expire", "has expired"),
    ],
)
def test_spoiled_verification_links_are_refused(client, service, spoil, message):
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    if spoil == "reuse":
        client.post(f"/book/verify/{token}/")
    elif spoil == "tamper":
        token = token[:-2] + "xx"
    else:
        BookingToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(f"/book/verify/{token}/")

    assert response.status_code == 400
    assert message in response.text


def test_status_by_reference_shows_the_state_and_nothing_personal(client, service):
    booking, _ = make_draft(service=service, client_name="Ada Lovelace")

    response = client.get(f"/book/status/?reference={booking.reference.lower()}")
    unknown = client.get("/book/status/?reference=MS-ZZZZZZ")

    assert "Draft (email not verified)" in response.text
    assert "Ada Lovelace" not in response.text
    assert booking.client_email not in response.text
    assert unknown.status_code == 404
    assert "No booking has that reference" in unknown.text


def test_find_by_email_answers_the_same_whether_or_not_a_booking_exists(
    client, service
):
    booking, _ = make_draft(service=service, client_email="known@example.com")

    known = client.post("/book/find/", {"email": "KNOWN@example.com", "website": ""})
    unknown = client.post("/book/find/", {"email": "nobody@example.com", "website": ""})

    def visible(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.text)

    assert known.status_code == unknown.status_code == 200
    assert visible(known) == visible(unknown)
    assert (
        BookingToken.objects.filter(booking=booking, purpose=Purpose.MANAGE).count()
        == 1
    )


def test_lookups_over_the_limit_get_429(client, service, settings):
    settings.BOOKING_RATE_LIMITS = {"lookup": (2, 600)}

    codes = [
        client.post(
            "/book/find/", {"email": f"a{n}@example.com", "website": ""}
        ).status_code
        for n in range(3)
    ]

    assert codes == [200, 200, 429]
    last = client.post("/book/find/", {"email": "b@example.com", "website": ""})
    assert last["Retry-After"] == "600"
    assert "Too many attempts" in last.text


def test_same_email_from_many_addresses_is_limited_too(client, service, settings):
    settings.BOOKING_RATE_LIMITS = {"lookup": (2, 600)}

    codes = [
        client.post(
            "/book/find/",
            {"email": "target@example.com", "website": ""},
            REMOTE_ADDR=f"10.0.0.{n}",
        ).status_code
        for n in range(3)
    ]

    assert codes == [200, 200, 429]


def test_manage_page_shows_details_privately(client, service):
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    response = client.get(f"/book/manage/{manage}/")

    assert response.status_code == 200
    assert booking.client_name in response.text
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert client.get(f"/book/manage/{manage[:-3]}abc/").status_code == 400


def test_client_cancels_through_the_manage_link(client, service):
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    response = client.post(
        f"/book/manage/{manage}/cancel/", {"reason": "Feeling better"}
    )

    assert response.status_code == 302
    row = Booking.objects.get(pk=booking.pk)
    assert row.status == S.CANCELLED and row.cancel_reason == "Feeling better"
    assert "is cancelled" in client.get(response.url).text


def test_a_refused_cancellation_reason_cancels_nothing(client, service):
    """A reason over the limit used to cancel anyway, with the default reason."""
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)
    before = Booking.objects.get(pk=booking.pk).status

    response = client.post(f"/book/manage/{manage}/cancel/", {"reason": "x" * 2001})

    assert response.status_code == 400
    assert "at most 2000 characters" in response.text
    row = Booking.objects.get(pk=booking.pk)
    assert row.status == before != S.CANCELLED
    assert not row.cancel_reason


def test_client_reschedules_through_the_manage_link(client, service):
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    page = client.get(f"/book/manage/{manage}/reschedule/")
    choices = re.findall(r'name="start" value="([^"]+)"', page.text)
    response = client.post(f"/book/manage/{manage}/reschedule/", {"start": choices[-1]})

    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).start.isoformat() == choices[-1]


def test_client_cannot_move_a_booking_inside_the_cutoff(client, service, settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 24 * 7
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    response = client.post(
        f"/book/manage/{manage}/reschedule/",
        {"start": tomorrow_at(12).isoformat()},
        follow=True,
    )

    assert "can no longer be moved online" in response.text
    assert Booking.objects.get(pk=booking.pk).start == tomorrow_at(10)


def test_content_pages_are_cacheable_but_booking_pages_are_not(client, service):
    consultant = service.consultants.get()

    slots = client.get(f"/book/{consultant.pk}/counselling/")
    form = client.get(details_url(service) + f"?start={tomorrow_at(10).isoformat()}")

    assert "no-store" not in slots.get("Cache-Control", "")
    assert "no-store" in form["Cache-Control"]


def test_behind_a_proxy_the_client_cannot_choose_its_address(client, service, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.BOOKING_RATE_LIMITS = {"lookup": (2, 600)}

    codes = [
        client.post(
            "/book/find/",
            {"email": f"a{n}@example.com", "website": ""},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",
        ).status_code
        for n in range(3)
    ]

    assert codes == [200, 200, 429]


def test_details_without_a_time_zone_is_a_clear_error_not_a_crash(client, service):
    data = details(tomorrow_at(10))
    del data["tz"]

    response = client.post(details_url(service), data)

    assert response.status_code == 400
    assert "Time zone" in response.text
    assert not Booking.objects.exists()


@pytest.mark.parametrize("far", ["0001-01-01T00:00+14:00", "9999-12-31T23:59:59Z"])
def test_dates_out_of_range_are_refused_not_crashed_on(client, service, far):
    booking, token = make_draft(service=service, start=tomorrow_at(10))
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    shown = client.get(details_url(service) + "?start=" + far.replace("+", "%2B"))
    posted = client.post(
        details_url(service), {**details(tomorrow_at(10)), "start": far}
    )
    moved = client.post(f"/book/manage/{manage}/reschedule/", {"start": far})

    assert shown.status_code == 200
    assert posted.status_code == 400
    assert moved.status_code == 400
    assert "Please choose one of the times shown" in moved.text
    assert Booking.objects.get(pk=booking.pk).start == tomorrow_at(10)
    assert Booking.objects.count() == 1
