"""A booking admin moves a booking on the calendar's week view in a real browser:
a drop on a taken time is refused with the service's message, a drop on a free
time moves it, and Undo moves it back. A workshop of 12 beside them is one block
with its type and seats, which does not drag. Screenshots at desktop and phone size;
axe-core finds no critical or serious violation on the calendar or its popover."""

import pytest
from django.contrib.auth.models import Group
from wagtail.users.models import UserProfile

from booking.core.models import Booking, Service
from booking.core.roles import BOOKING_ADMINS, ensure_roles
from booking.core.states import BookingStatus as S
from tests.availability_factories import bulk_bookings
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    next_monday_at,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SERIOUS = ("critical", "serious")


@pytest.fixture
def week(transactional_db):
    ensure_roles()
    admin = UserFactory(username="frontdesk")
    admin.groups.add(Group.objects.get(name=BOOKING_ADMINS))
    profile = UserProfile.get_for_user(admin)
    profile.current_time_zone = "UTC"
    profile.save()
    maya = ConsultantFactory(name="Maya Stone", time_zone="UTC")
    service = ServiceFactory(title="Counselling", consultants=[maya])
    for hour, name in ((9, "Ada Lovelace"), (12, "Grace Hopper")):
        bulk_bookings(
            consultant=maya,
            service=service,
            starts=[next_monday_at(hour)],
            status=S.CONFIRMED,
        )
        Booking.objects.filter(pk=maya.bookings.latest("pk").pk).update(
            client_name=name
        )
    workshop = ServiceFactory(
        title="Clay workshop",
        consultants=[maya],
        kind=Service.Kind.WORKSHOP,
        capacity=12,
    )
    bulk_bookings(
        consultant=maya,
        service=workshop,
        starts=[next_monday_at(15)] * 12,
        status=S.CONFIRMED,
    )
    return maya, maya.bookings.get(client_name="Ada Lovelace")


def drag(page, entry, hour: int):
    """Drag the entry by its top edge to `hour` o'clock in its own column."""
    grid = page.locator(".cal-grid")
    first = int(grid.get_attribute("data-first-hour"))
    hours = int(grid.get_attribute("data-hours"))
    body = entry.locator("xpath=..")
    box = body.bounding_box()
    y = (hour - first) / hours * box["height"] + 3
    entry.drag_to(
        body,
        source_position={"x": 8, "y": 3},
        target_position={"x": box["width"] / 2, "y": y},
    )


def test_a_booking_admin_drags_a_booking_and_undoes_it(page, live_server, shoot, week):
    maya, ada = week
    start = ada.start
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    page.goto(
        f"{live_server.url}/admin/calendar/?view=week&date={start.date()}"
        f"&consultant={maya.pk}"
    )
    entry = page.locator(".cal-entry", has_text="Ada Lovelace")
    entry.wait_for()
    shoot(page, "week-desktop")
    assert axe_violations(page, impacts=SERIOUS) == []
    meeting = page.locator(".cal-entry--meeting")
    assert meeting.count() == 1  # not 12 overlapping blocks
    assert "12/12 seats" in meeting.inner_text()
    assert "Workshop · Clay workshop" in meeting.inner_text()
    assert meeting.get_attribute("draggable") is None
    meeting.scroll_into_view_if_needed()
    shoot(page, "workshop-block")
    page.evaluate("window.scrollTo(0, 0)")

    page.get_by_role("button", name=f"Details and actions: {ada.reference}").click()
    popover = page.get_by_role("dialog", name=f"Booking {ada.reference}")
    popover.get_by_role("link", name="Move…").wait_for()
    shoot(page, "popover")
    assert axe_violations(page, impacts=SERIOUS) == []
    popover.get_by_role("button", name="Close").click()

    drag(page, entry, 12)  # Grace's time
    page.get_by_role("alert").filter(has_text="is not free").wait_for()
    shoot(page, "refused")
    assert Booking.objects.get(pk=ada.pk).start == start

    drag(page, entry, 7)
    undo = page.get_by_role("button", name="Undo")
    undo.wait_for()
    assert Booking.objects.get(pk=ada.pk).start == start.replace(hour=7)
    assert (
        page.locator(".cal-entry", has_text="Ada Lovelace")
        .inner_text()
        .startswith("● 07:00")
    )
    shoot(page, "moved-with-undo")

    undo.click()
    page.get_by_text(f"Undone: booking {ada.reference} is back").wait_for()
    assert Booking.objects.get(pk=ada.pk).start == start
    shoot(page, "undone")

    page.set_viewport_size(PHONE)
    shoot(page, "week-phone")
