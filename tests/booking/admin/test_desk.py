"""The dashboard as a practice's desk (issue 19): what needs someone now, with
Approve and Reject in place; today's sessions per consultant with Completed and
No-show once they ended; the content counts below; panels that refresh from a
fragment URL; and only what the user's role may see."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from wagtail.users.models import UserProfile

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.availability_factories import bulk_bookings
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db

HOME = "/admin/"
PANELS = "/admin/desk/panels/"


@pytest.fixture
def maya():
    return ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")


@pytest.fixture
def noah():
    return ConsultantFactory(name="Noah Park", time_zone="America/New_York")


@pytest.fixture
def counselling(maya, noah):
    return ServiceFactory(title="Counselling", consultants=[maya, noah])


def waiting(consultant, service, name, *, weeks=1):
    """A request waiting for approval, at 15:00 UTC (inside everyone's hours)."""
    _, token = make_draft(
        consultant=consultant,
        service=service,
        start=next_monday_at(15, weeks=weeks),
        client_name=name,
    )
    return services.verify_email(token=token)


@pytest.fixture
def desk_admin(client):
    user = member(BOOKING_ADMINS, username="frontdesk")
    client.force_login(user)
    return user


def test_needs_you_now_lists_requests_with_everything_to_decide_on(
    client, desk_admin, maya, counselling
):
    ada = waiting(maya, counselling, "Ada Lovelace")

    page = client.get(HOME).text

    needs = page.split('id="needs-you-now', 1)[1].split("</section>", 1)[0]
    for seen in (ada.reference, "Ada Lovelace", "Maya Stone", "Counselling"):
        assert seen in needs
    assert f"/admin/bookings/{ada.pk}/approve/" in needs
    assert "Reject…" in needs and f"/admin/bookings/{ada.pk}/reject/?next=" in needs
    # The work comes first, the page / image / document counts below it.
    assert page.index("Needs you now") < page.index("Site content")


def test_approve_from_the_dashboard_runs_the_transition_and_comes_back(
    client, desk_admin, maya, counselling
):
    ada = waiting(maya, counselling, "Ada Lovelace")

    response = client.post(f"/admin/bookings/{ada.pk}/approve/", {"next": HOME})

    assert response.status_code == 302 and response.url == HOME
    ada.refresh_from_db()
    assert ada.status == S.APPROVED
    assert ada.reference not in client.get(PANELS).text.split("Today")[0]


def test_reject_from_the_dialog_needs_a_reason(client, desk_admin, maya, counselling):
    ada = waiting(maya, counselling, "Ada Lovelace")
    url = f"/admin/bookings/{ada.pk}/reject/"

    refused = client.post(url, {"confirm": "1", "next": HOME, "reason": " "})
    assert refused.status_code == 400
    ada.refresh_from_db()
    assert ada.status == S.PENDING

    done = client.post(url, {"confirm": "1", "next": HOME, "reason": "Fully booked"})
    assert done.status_code == 302 and done.url == HOME
    ada.refresh_from_db()
    assert ada.status == S.REJECTED and ada.reject_reason == "Fully booked"


def test_reject_without_javascript_is_its_own_page_that_returns_to_the_dashboard(
    client, desk_admin, maya, counselling
):
    ada = waiting(maya, counselling, "Ada Lovelace")

    page = client.get(f"/admin/bookings/{ada.pk}/reject/?next=/admin/").text

    assert 'name="reason"' in page and 'name="next" value="/admin/"' in page


def _zone_at_midday(now) -> str:
    """A zone where it is early afternoon now, so that a session two hours ago
    was today there."""
    for offset in range(-12, 15):
        name = f"Etc/GMT{-offset:+d}" if offset else "UTC"
        if 12 <= now.astimezone(ZoneInfo(name)).hour < 20:
            return name
    raise AssertionError("no zone at midday")


def test_todays_sessions_per_consultant_with_completed_once_ended(
    client, desk_admin, maya, noah, counselling
):
    now = timezone.now()
    profile = UserProfile.get_for_user(desk_admin)
    profile.current_time_zone = _zone_at_midday(now)
    profile.save()
    ended = now - timedelta(hours=2)
    later = now + timedelta(hours=1)
    bulk_bookings(
        consultant=maya, service=counselling, starts=[ended], status=S.CONFIRMED
    )
    bulk_bookings(
        consultant=noah, service=counselling, starts=[later], status=S.CONFIRMED
    )
    past, upcoming = Booking.objects.order_by("start")

    panels = client.get(PANELS).text
    today = panels.split('id="todays-sessions', 1)[1]

    assert today.index("Maya Stone") < today.index(past.reference)
    assert today.index("Noah Park") < today.index(upcoming.reference)
    assert f"/admin/bookings/{past.pk}/complete/" in today
    assert f"/admin/bookings/{past.pk}/no_show/?next=" in today
    assert f"/admin/bookings/{upcoming.pk}/complete/" not in today  # not ended yet

    client.post(f"/admin/bookings/{past.pk}/complete/", {"next": HOME})
    past.refresh_from_db()
    assert past.status == S.COMPLETED


def test_a_consultant_sees_only_their_own_sessions_and_no_approvals(
    client, maya, noah, counselling
):
    user = member(CONSULTANTS, username="maya")
    maya.user = user
    maya.save()
    soon = timezone.now() + timedelta(minutes=5)
    bulk_bookings(
        consultant=maya, service=counselling, starts=[soon], status=S.CONFIRMED
    )
    bulk_bookings(
        consultant=noah, service=counselling, starts=[soon], status=S.CONFIRMED
    )
    own, other = Booking.objects.order_by("consultant__name")
    waiting(maya, counselling, "Ada Lovelace")
    client.force_login(user)

    panels = client.get(PANELS).text

    assert own.reference in panels and other.reference not in panels
    assert "Needs you now" not in panels and "/approve/" not in panels
    assert "Unpaid approvals" not in panels


def test_empty_panels_say_so_and_the_fragment_needs_a_sign_in(client, desk_admin):
    panels = client.get(PANELS).text

    assert "Nothing is waiting for approval." in panels
    assert "No sessions today." in panels
    client.logout()
    assert client.get(PANELS).status_code == 302


def test_the_dashboard_loads_its_refresh_script_and_names_the_practice(
    client, desk_admin, practice_settings
):
    practice_settings(practice_name="Riverside Counselling")

    page = client.get(HOME).text

    assert 'data-desk-refresh-url="/admin/desk/panels/"' in page
    assert "booking/admin/desk.js" in page
    assert "Riverside Counselling</span>" in page and "haven-brand--dashboard" in page
    assert "Welcome to" not in page


def test_an_outside_calendar_that_fails_to_read_shows_on_the_desk_of_those_it_concerns(
    client, desk_admin, maya, noah
):
    from booking.scheduling.models import OutsideCalendar

    OutsideCalendar.objects.create(
        consultant=maya,
        label="Maya's Google",
        url="https://calendar.example/secret-maya.ics",
        last_error="The calendar did not answer within 10 seconds.",
    )
    OutsideCalendar.objects.create(
        consultant=noah, label="Noah's Outlook", url="https://cal.example/n.ics"
    )

    panels = client.get(PANELS).text

    assert "Outside calendars that fail to read" in panels
    assert "Maya&#x27;s Google" in panels
    assert "did not answer within 10 seconds" in panels
    assert "secret-maya" not in panels
    assert "Noah&#x27;s Outlook" not in panels
    noah.user = member(CONSULTANTS, username="noah")
    noah.save()
    client.force_login(noah.user)
    assert "Outside calendars that fail to read" not in client.get(PANELS).text
