"""One time-zone rule in the admin (issue 19): every time on the booking list, the
booking page and the dashboard is in the signed-in user's own zone (Wagtail's
account preference, else the practice's), labelled, with a 24-hour or 12-hour
clock by their language."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from wagtail.users.models import UserProfile

from booking.admin.zones import admin_zone, format_admin_range, format_admin_time
from booking.core.roles import BOOKING_ADMINS
from booking.lifecycle import services
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

pytestmark = pytest.mark.django_db

# Monday 7 January 2030, 09:00 UTC: 10:00 in Berlin, 18:00 in Tokyo, 04:00 in New York.
START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def admin_in(zone: str, language: str = ""):
    user = member(BOOKING_ADMINS, username=f"desk-{zone.replace('/', '-')}")
    profile = UserProfile.get_for_user(user)
    profile.current_time_zone = zone
    profile.preferred_language = language
    profile.save()
    return user


def as_request(user):
    return SimpleNamespace(user=user)


def test_a_user_in_tokyo_reads_24_hour_times_labelled_with_their_zone():
    request = as_request(admin_in("Asia/Tokyo", "en-gb"))

    assert admin_zone(request).key == "Asia/Tokyo"
    assert format_admin_time(START, request) == "Mon 7 Jan 2030, 18:00 JST"


def test_a_user_in_new_york_writing_us_english_reads_12_hour_times():
    request = as_request(admin_in("America/New_York", "en-us"))

    assert format_admin_time(START, request) == "Mon 7 Jan 2030, 4:00 AM EST"
    end = datetime(2030, 1, 7, 17, 30, tzinfo=UTC)
    assert format_admin_range(START, end, request) == (
        "Mon 7 Jan 2030, 4:00 AM–12:30 PM EST"
    )


def test_without_a_choice_the_practice_zone_applies(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    user = member(BOOKING_ADMINS, username="no-choice")

    assert format_admin_time(START, as_request(user)) == "Mon 7 Jan 2030, 10:00 CET"
    anonymous = as_request(AnonymousUser())
    assert format_admin_time(START, anonymous) == "Mon 7 Jan 2030, 10:00 CET"


def test_a_zone_without_letters_is_labelled_by_its_offset():
    request = as_request(admin_in("Asia/Dubai"))

    assert format_admin_time(START, request) == "Mon 7 Jan 2030, 13:00 UTC+04"


@pytest.fixture
def waiting():
    """A request waiting for approval with a Berlin consultant, from a client in
    Sydney."""
    maya = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    service = ServiceFactory(
        title="Counselling", consultants=[maya], booking_window_days=3650
    )
    _, token = make_draft(
        consultant=maya,
        service=service,
        start=START,
        client_name="Ada Client",
        client_time_zone="Australia/Sydney",
    )
    return services.verify_email(token=token)


@pytest.mark.parametrize(
    "zone, language, your_time, your_range",
    [
        (
            "Asia/Tokyo",
            "en-gb",
            "Mon 7 Jan 2030, 18:00 JST",
            "Mon 7 Jan 2030, 18:00–18:50 JST",
        ),
        (
            "America/New_York",
            "en-us",
            "Mon 7 Jan 2030, 4:00 AM EST",
            "Mon 7 Jan 2030, 4:00 AM–4:50 AM EST",
        ),
    ],
)
def test_list_booking_page_and_dashboard_show_the_users_own_time(
    client, waiting, zone, language, your_time, your_range
):
    client.force_login(admin_in(zone, language))

    listing = client.get("/admin/bookings/").text
    assert f"Starts ({zone})" in listing
    assert your_time in listing
    assert "10:00 CET" not in listing  # not the consultant's time

    page = client.get(f"/admin/bookings/inspect/{waiting.pk}/").text
    assert f'{your_range} <span class="help">(your time, {zone})' in page
    # …and the consultant's and the client's own times, each labelled.
    berlin = "10:00–10:50 CET" if language == "en-gb" else "10:00 AM–10:50 AM CET"
    sydney = "20:00–20:50 AEDT" if language == "en-gb" else "8:00 PM–8:50 PM AEDT"
    assert f'{berlin} <span class="help">(the consultant’s time, Europe/Berlin)' in page
    assert f'{sydney} <span class="help">(the client’s time, Australia/Sydney)' in page

    dashboard = client.get("/admin/").text
    assert f"Times in {zone}" in dashboard
    needs = dashboard.split('id="needs-you-now', 1)[1]
    assert waiting.reference in needs and your_time in needs
