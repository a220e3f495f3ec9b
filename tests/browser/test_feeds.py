"""A consultant adds their own calendar's secret address on the Availability screen
in a real browser, reads it (its busy hour shows in the preview), then sees the
error and the last good read when the calendar stops answering a calendar; the
screen passes axe (no critical or serious violation), on a desktop and a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.core.roles import CONSULTANTS
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import ConsultantFactory, member
from tests.feed_server import calendar, event, feed_server, stamp

__all__ = ["feed_server"]  # the fixture, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def maya(transactional_db):
    login = member(CONSULTANTS, username="maya", first_name="Maya")
    return ConsultantFactory(name="Maya Stone", user=login, time_zone="Europe/Berlin")


def busy_tomorrow_at_ten(consultant) -> bytes:
    day = (timezone.now() + timedelta(days=1)).astimezone(consultant.zone)
    ten = day.replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
    return calendar(
        event(
            "supervision",
            f"DTSTART;TZID={consultant.time_zone}:{stamp(ten)}",
            f"DTEND;TZID={consultant.time_zone}:{stamp(ten + timedelta(hours=1))}",
        )
    )


def serious(page) -> list[str]:
    return axe_violations(page, impacts=("critical", "serious"))


def test_a_consultant_adds_their_calendar_and_sees_when_it_fails(
    browser, live_server, feed_server, maya, shoot
):
    feed_server.body = busy_tomorrow_at_ten(maya)
    context = browser.new_context(**SCREENS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []  # as the `page` fixture: everything works under Haven's CSP
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/admin/availability/")
    page.get_by_role("link", name="Add outside calendar").click()
    page.get_by_label("Name").fill("Private")
    page.get_by_label("Calendar address").fill(feed_server.url)
    shoot(page, "address")
    assert serious(page) == []
    page.get_by_role("button", name="Save").click()

    page.get_by_role("button", name="Read now").click()
    page.get_by_text("Read “Private”: 1 busy time read.").wait_for()
    row = page.locator("[data-outside-calendar]")
    assert "OK" in row.inner_text()
    assert "private-abc123" not in page.content()
    assert page.get_by_role("cell", name="10:00–11:00").count() == 1
    row.scroll_into_view_if_needed()
    shoot(page, "read")
    assert serious(page) == []

    feed_server.status, feed_server.body = 500, b"Internal error"
    page.get_by_role("button", name="Read now").click()
    page.get_by_text("“Private” could not be read").first.wait_for()
    assert "Failing" in row.inner_text()
    assert "The server answered 500" in row.inner_text()
    assert page.get_by_role("cell", name="10:00–11:00").count() == 1  # kept
    row.scroll_into_view_if_needed()
    shoot(page, "failing")
    assert serious(page) == []
    context.close()
    assert not refused, f"blocked by the Content-Security-Policy: {refused}"

    phone = browser.new_context(**SCREENS["phone"])
    page = phone.new_page()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/availability/")
    page.locator("[data-outside-calendar]").scroll_into_view_if_needed()
    shoot(page, "phone")
    assert serious(page) == []
    phone.close()
