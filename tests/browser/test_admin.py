"""A booking admin works through the requests waiting for approval in the Wagtail
admin, in a real browser: filters the list, approves one booking with its row
button, rejects another with a reason, and finds both in their history."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, ensure_roles
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.availability_factories import weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, UserFactory, make_draft

# serialized_rollback: flushing after a transactional test would otherwise remove
# the root page, locale and groups that migrations create.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def requests_waiting(transactional_db):
    """Two requests waiting for approval and one already approved."""
    maya = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    weekly_hours(maya, weekdays=range(7), start="08:00", end="20:00")
    service = ServiceFactory(title="Counselling", consultants=[maya])
    day = (timezone.now() + timedelta(days=5)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    bookings = []
    for hours, name in ((0, "Ada Lovelace"), (2, "Grace Hopper"), (4, "Alan Kay")):
        _, token = make_draft(
            consultant=maya,
            service=service,
            start=day + timedelta(hours=hours),
            client_name=name,
        )
        bookings.append(services.verify_email(token=token))
    ensure_roles()
    admin = UserFactory(username="frontdesk", first_name="Fran")
    admin.groups.add(Group.objects.get(name=BOOKING_ADMINS))
    services.approve(booking=bookings[2], actor=admin)
    return bookings


def log_in(page, live_server, shoot=None):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    if shoot:
        shoot(page, "login")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Needs you now").wait_for()


def open_row_menu(page, booking):
    page.get_by_role("button", name=f"More options for '{booking.reference}'").click()


def test_a_booking_admin_approves_and_rejects_requests(
    requests_waiting, live_server, page, shoot
):
    ada, grace, alan = requests_waiting
    log_in(page, live_server, shoot)
    shoot(page, "dashboard")

    page.goto(f"{live_server.url}/admin/bookings/")
    page.get_by_role("link", name=alan.reference).wait_for()
    page.get_by_role("button", name="Show filters").click()
    page.get_by_role("button", name="Status").click()
    page.get_by_label("Pending approval").check()
    page.wait_for_url(re.compile(r"status=pending"))
    page.get_by_role("link", name=alan.reference).wait_for(state="detached")
    page.keyboard.press("Escape")
    shoot(page, "filtered")
    assert page.get_by_role("link", name=ada.reference).is_visible()

    open_row_menu(page, ada)
    page.get_by_role("link", name="Approve", exact=True).wait_for()
    page.wait_for_timeout(300)  # the menu's fade-in
    shoot(page, "row-menu")
    page.get_by_role("link", name="Approve", exact=True).click()
    page.get_by_text(f"Approved booking {ada.reference}").wait_for()
    assert "status=pending" in page.url
    page.wait_for_timeout(500)  # the message slides in
    shoot(page, "approved")

    open_row_menu(page, grace)
    page.get_by_role("link", name="Reject…").click()
    page.get_by_label("Reason").fill("We have no evening sessions this month.")
    shoot(page, "reject-form")
    page.get_by_role("button", name="Reject", exact=True).click()
    page.get_by_text(f"Rejected booking {grace.reference}").wait_for()
    page.wait_for_timeout(500)
    shoot(page, "rejected")

    assert Booking.objects.get(pk=ada.pk).status == S.APPROVED
    assert Booking.objects.get(pk=grace.pk).status == S.REJECTED

    page.goto(f"{live_server.url}/admin/bookings/history/{ada.pk}/")
    page.get_by_text(
        "Approved (Pending approval → Approved (awaiting payment))"
    ).wait_for()
    assert page.get_by_text("Fran").first.is_visible()
    shoot(page, "history-approved")

    page.goto(f"{live_server.url}/admin/bookings/inspect/{ada.pk}/")
    page.get_by_role("link", name="Record payment…").wait_for()
    shoot(page, "booking-page")

    page.goto(f"{live_server.url}/admin/bookings/inspect/{grace.pk}/")
    page.get_by_role("link", name="History").first.click()
    page.get_by_text("Rejected (Pending approval → Rejected)").wait_for()
    page.get_by_text("We have no evening sessions this month.").wait_for()
    shoot(page, "history-rejected")


def test_the_calendar_is_used_with_the_keyboard(
    requests_waiting, live_server, page, shoot
):
    ada, grace, alan = requests_waiting
    log_in(page, live_server)
    day = ada.start.date().isoformat()

    page.goto(f"{live_server.url}/admin/calendar/?view=week&date={day}")
    page.get_by_role("link", name=re.compile("Ada Lovelace")).wait_for()
    shoot(page, "week")

    page.keyboard.press("d")
    page.wait_for_url(re.compile(r"view=day"))
    page.get_by_role("heading", name="Maya Stone").wait_for()
    shoot(page, "day")
    next_day = (ada.start + timedelta(days=1)).date().isoformat()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"view=day&date={next_day}"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"view=day&date={day}"))
    page.keyboard.press("m")
    page.wait_for_url(re.compile(r"view=month"))
    page.get_by_role("link", name=re.compile("Alan Kay")).wait_for()
    shoot(page, "month")

    page.get_by_role("link", name=re.compile("Grace Hopper")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/admin/bookings/inspect/{grace.pk}/"))
    shoot(page, "booking")
