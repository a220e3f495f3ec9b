"""A client in New York picks a time in the month picker: a day, Tokyo's time
zone found by typing, a 12-hour clock, then a time; desktop and phone, axe, and
the booking pages' weight."""

import gzip
import re

import pytest

from tests.browser.conftest import DESKTOP, SCREENS, axe_violations
from tests.factories import build_site, publish_consultant_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JS_BUDGET, CSS_BUDGET = 60 * 1024, 40 * 1024


@pytest.fixture
def slot_page(transactional_db, live_server):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone", tags=["Anxiety"])
    service = page.consultant.services.get()
    return f"{live_server.url}/book/{page.consultant_id}/{service.slug}/"


def weight(page, kind: str) -> int:
    """Gzipped bytes of the page's scripts or style sheets."""
    urls = page.evaluate(
        "(kind) => performance.getEntriesByType('resource')"
        ".filter(e => e.initiatorType === kind).map(e => e.name)",
        "script" if kind == "script" else "link",
    )
    return sum(len(gzip.compress(page.request.get(url).body())) for url in urls)


def test_a_new_york_client_picks_a_day_a_zone_a_clock_and_a_time(
    page, browser, shoot, slot_page
):
    page.set_viewport_size(DESKTOP)
    page.goto(slot_page)
    # The browser's zone is read and the page reloads in it.
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    zone = re.compile(r"America/New York — New York \(GMT-[45]\)")
    page.locator("strong", has_text=zone).wait_for()
    assert weight(page, "script") <= JS_BUDGET
    assert weight(page, "link") <= CSS_BUDGET

    days = page.locator("a[data-day]")
    second = days.nth(1)
    chosen = second.get_attribute("data-day")
    second.click()
    page.wait_for_url(re.compile(rf"day={chosen}"))
    assert (
        page.locator("a[data-day][aria-current=true]").get_attribute("data-day")
        == chosen
    )
    assert page.evaluate("document.activeElement.id") == "times-heading"

    page.get_by_text("Change time zone").click()
    page.get_by_label("Search a city, country or time zone").fill("Tokyo")
    page.locator("[data-zone-matches] a", has_text="Asia/Tokyo — Tokyo (GMT+9)").click()
    page.wait_for_url(re.compile(r"tz=Asia%2FTokyo"))
    page.get_by_role("button", name="12-hour").click()
    page.get_by_role("button", name="12-hour", pressed=True).wait_for()
    first = page.locator("a.slot").first
    assert re.match(r"\d{1,2}:\d\d [ap]m", first.inner_text())
    shoot(page, "desktop-tokyo-12-hour")
    assert axe_violations(page) == []

    first.click()
    page.get_by_role("heading", name="Your details").wait_for()
    assert re.search(r"tz=Asia(/|%2F)Tokyo", page.url)

    phone = browser.new_context(**SCREENS["phone"], timezone_id="America/New_York")
    small = phone.new_page()
    small.goto(slot_page + "?tz=America/New_York")
    small.locator("a.slot").first.wait_for()
    shoot(small, "phone")
    calendar = small.locator("table.month").bounding_box()
    times = small.locator("[data-times]").bounding_box()
    assert times["y"] >= calendar["y"] + calendar["height"]
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(small) == []
    phone.close()
