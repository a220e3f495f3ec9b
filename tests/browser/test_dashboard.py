"""A booking admin works from the dashboard in a real browser (issue 19): approves
one request and rejects another with its reason in a dialog, without leaving
the dashboard; times in their own zone; axe finds nothing critical or serious."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.users.models import UserProfile

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def two_requests(transactional_db):
    maya = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    service = ServiceFactory(title="Counselling", consultants=[maya])
    day = (timezone.now() + timedelta(days=5)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    bookings = []
    for hours, name in ((0, "Ada Lovelace"), (2, "Grace Hopper")):
        _, token = make_draft(
            consultant=maya,
            service=service,
            start=day + timedelta(hours=hours),
            client_name=name,
        )
        bookings.append(services.verify_email(token=token))
    admin = member(BOOKING_ADMINS, username="frontdesk", first_name="Fran")
    profile = UserProfile.get_for_user(admin)
    profile.current_time_zone = "Asia/Tokyo"
    profile.save()
    return bookings


def serious(page) -> list[str]:
    return axe_violations(page, impacts=("critical", "serious"))


def test_a_booking_admin_approves_and_rejects_from_the_dashboard(
    two_requests, live_server, browser, shoot
):
    ada, grace = two_requests
    context = browser.new_context(**SCREENS["desktop"], timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Needs you now").wait_for()
    assert page.get_by_text("Times in Asia/Tokyo").is_visible()
    assert page.get_by_text(" JST").first.is_visible()
    shoot(page, "desk")
    assert serious(page) == []

    page.get_by_role("button", name=f"Approve {ada.reference}").click()
    page.get_by_text(f"Approved booking {ada.reference}").wait_for()
    assert page.url.endswith("/admin/")

    page.get_by_role("link", name=f"Reject {grace.reference}").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert grace.reference in dialog.inner_text()
    assert "Grace Hopper" in dialog.inner_text()
    shoot(page, "reject-dialog")
    assert serious(page) == []
    dialog.get_by_label("Reason").fill("Maya is away that week.")
    dialog.get_by_role("button", name="Reject").click()
    page.get_by_text(f"Rejected booking {grace.reference}").wait_for()
    page.get_by_text("Nothing is waiting for approval.").wait_for()

    statuses = dict(Booking.objects.values_list("reference", "status"))
    assert statuses == {ada.reference: S.APPROVED, grace.reference: S.REJECTED}
    assert Booking.objects.get(pk=grace.pk).reject_reason == "Maya is away that week."
    context.close()

    phone = browser.new_context(**SCREENS["phone"], timezone_id="Europe/London")
    small = phone.new_page()
    small.goto(f"{live_server.url}/admin/login/")
    small.get_by_label("Username").fill("frontdesk")
    small.get_by_label("Password").fill("correct horse")
    small.get_by_role("button", name="Sign in").click()
    small.get_by_role("heading", name="Today’s sessions").wait_for()
    shoot(small, "desk-phone")
    assert serious(small) == []
    phone.close()
