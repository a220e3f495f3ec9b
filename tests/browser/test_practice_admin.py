"""A booking admin sets up the practice in a real browser (issue 18): opens
Practice → Consultants, edits a consultant (with a location), and the Services
and Service categories screens. axe-core (bundled in axe-playwright-python, read
from disk, never the network) checks each screen on a desktop and on a phone;
screenshots of both go to test-artifacts/browser/."""

import pytest

from booking.core.models import Location, ServiceCategory
from booking.core.roles import BOOKING_ADMINS
from tests.browser.conftest import ARTIFACTS, SCREENS, axe_violations
from tests.factories import ConsultantFactory, ServiceFactory, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations(page) -> list[str]:
    return axe_violations(page)


@pytest.fixture
def practice(transactional_db):
    maya = ConsultantFactory(name="Maya Stone", featured=True)
    Location.objects.create(
        consultant=maya,
        label="City practice",
        address="1 High Street",
        city="Leeds",
        is_primary=True,
    )
    category = ServiceCategory.objects.create(name="Individual", slug="individual")
    ServiceFactory(title="Counselling", consultants=[maya], category=category)
    member(BOOKING_ADMINS, username="frontdesk")
    return maya


@pytest.mark.parametrize("screen", SCREENS)
def test_the_practice_screens_pass_axe(browser, live_server, practice, screen):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = ARTIFACTS / f"test_the_practice_screens[{screen}]"
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    screens = {
        "consultants": "/admin/practice/consultants/",
        "consultant-edit": f"/admin/practice/consultants/edit/{practice.pk}/",
        "consultant-new": "/admin/practice/consultants/new/",
        "services": "/admin/practice/services/",
        "service-new": "/admin/practice/services/new/",
        "categories": "/admin/practice/service-categories/",
    }
    found = {}
    for number, (name, url) in enumerate(screens.items(), start=1):
        page.goto(f"{live_server.url}{url}")
        page.locator("main").wait_for()
        page.screenshot(path=folder / f"{number:02d}-{name}.png", full_page=True)
        found[name] = violations(page)
    context.close()

    assert not any(found.values()), found


def test_the_time_zone_question_is_on_the_edit_screen(
    page, live_server, practice, shoot
):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/practice/consultants/edit/{practice.pk}/")

    page.get_by_role("combobox", name="Time zone").select_option("Europe/London")
    page.get_by_label("Keep the same local times").check()
    page.get_by_role("button", name="Save").first.click()
    shoot(page, "saved")

    page.get_by_text("updated", exact=False).first.wait_for()
    practice.refresh_from_db()
    assert practice.time_zone == "Europe/London"
