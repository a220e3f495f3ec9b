"""A consultant marks who came to a couple's group session from My practice, in a
real browser on a desktop and on a phone: the Attendance link of a session that
has begun, a Present / Absent / Not marked choice per person, and the count back
on My practice. The new page passes axe (axe-core from the installed
axe-playwright-python, never the network)."""

import re

import pytest

from booking.core.models import Booking
from tests.booking.admin.test_my_practice import daytime_zone
from tests.booking.participants.helpers import (
    began,
    group_practice,
    local_start,
    phone_booking,
)
from tests.browser.conftest import axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ANA_ATTENDANCE = re.compile(r"^Attendance\s+of Ana, ")


@pytest.fixture
def couples_session(transactional_db):
    consultant, group, desk, login = group_practice(zone=daytime_zone())
    booking = phone_booking(
        desk,
        consultant,
        group,
        local_start(consultant, 9),
        name="Ana Ruiz",
        participants=["Ben Ruiz", "Cy Ruiz"],
    )
    return began(booking), login


def assert_accessible(page):
    # After Wagtail's messages have faded in (`axe_violations` waits for them).
    assert axe_violations(page) == []


def test_a_consultant_marks_attendance_from_my_practice(
    couples_session, live_server, page, shoot
):
    booking, login = couples_session
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(login.username)
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="My practice").click()
    page.get_by_role("heading", name="My practice").wait_for()
    assert page.get_by_text("(party of 3)").first.is_visible()

    page.get_by_role("link", name=ANA_ATTENDANCE).first.click()
    page.get_by_role("heading", name="Attendance").first.wait_for()
    shoot(page, "attendance-desktop")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    shoot(page, "attendance-phone")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("group", name="Ana Ruiz (client)").get_by_label("Present").check()
    page.get_by_role("group", name="Ben Ruiz").get_by_label("Present").check()
    page.get_by_role("group", name="Cy Ruiz").get_by_label("Absent").check()
    page.get_by_role("button", name="Save attendance").click()

    page.get_by_text(f"Attendance of {booking.reference} saved.").wait_for()
    page.get_by_text("2 of 3 present").first.wait_for()
    booking = Booking.objects.get(pk=booking.pk)
    assert booking.attendance == "present"
    assert [p.attendance for p in booking.participants.all()] == ["present", "absent"]
    shoot(page, "my-practice-after")
    page.set_viewport_size(PHONE)
    shoot(page, "my-practice-after-phone")
    assert_accessible(page)
