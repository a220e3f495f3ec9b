"""A consultant opens My practice in a real browser, on a desktop and on a phone:
finds it in the menu, reads today's and the coming sessions, marks an ended
session a no-show after reading what the practice's fee does, and the page passes
axe (axe-core from the installed axe-playwright-python, never the network)."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from booking.core.models import Booking
from booking.core.roles import CONSULTANTS
from booking.core.states import BookingStatus as S
from tests.booking.admin.test_my_practice import daytime_zone, session
from tests.factories import ConsultantFactory, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# The button reads "No-show"; its accessible name says whose session it is.
ADA_NO_SHOW = re.compile(r"^No-show\s+for Ada, ")


@pytest.fixture
def consultants_day(transactional_db):
    desk = member("Booking admins", username="desk")
    login = member(CONSULTANTS, username="maya", first_name="Maya")
    maya = ConsultantFactory(name="Maya Stone", user=login, time_zone=daytime_zone())
    now, two_hours = timezone.now(), timedelta(hours=2)
    return {
        "ended": session(maya, desk, name="Ada Lovelace", start=now - two_hours),
        "later": session(maya, desk, name="Grace Hopper", start=now + two_hours),
        "soon": session(
            maya,
            desk,
            name="Alan Kay",
            start=now + timedelta(days=4),
            state=S.APPROVED,
            title="Couples",
        ),
    }


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()


def test_a_consultant_marks_a_no_show_from_my_practice(
    consultants_day, live_server, page, shoot
):
    ended = consultants_day["ended"]
    log_in(page, live_server)
    page.get_by_role("link", name="My practice").click()
    page.get_by_role("heading", name="My practice").wait_for()
    page.get_by_role("heading", name="Next 14 days").wait_for()
    assert page.get_by_role("cell", name="Ada", exact=True).is_visible()
    assert page.get_by_role("cell", name="Alan", exact=True).is_visible()
    shoot(page, "my-practice-desktop")
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name=ADA_NO_SHOW).scroll_into_view_if_needed()
    shoot(page, "my-practice-phone")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name=ADA_NO_SHOW).click()
    page.get_by_text("The practice keeps the fee").wait_for()
    shoot(page, "no-show-confirm")
    assert_accessible(page)
    page.get_by_role("button", name="Mark no-show").click()

    page.get_by_text(f"Marked as a no-show booking {ended.reference}").wait_for()
    assert Booking.objects.get(pk=ended.pk).status == S.NO_SHOW
    assert page.get_by_role("button", name=ADA_NO_SHOW).count() == 0
    shoot(page, "after-no-show")

    page.set_viewport_size(PHONE)
    shoot(page, "after-no-show-phone")
