"""A client answers a service's two intake questions on the details step in a real
browser, on a desktop and on a phone, and a booking admin adds a question on the
Intake questions screen. axe-core (bundled in axe-playwright-python,
read from disk, never the network) checks the step, before and after a missed
answer; screenshots go to test-artifacts/browser/."""

from pathlib import Path
from urllib.parse import quote

import axe_playwright_python
import pytest

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS
from booking.intake.models import ServiceQuestion
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    ask,
    member,
    next_monday_at,
)

# serialized_rollback: the admin needs the groups, root page and collection that
# migrations create, which a transactional test's flush would remove.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def violations(page) -> list[str]:
    page.evaluate(AXE)
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.map(v => `${v.id}: ${v.nodes.map(n => n.target).join(', ')}`)"
    )


@pytest.fixture
def details_url(transactional_db):
    consultant = ConsultantFactory(name="Maya Stone")
    service = ServiceFactory(title="Counselling", consultants=[consultant])
    ask(
        service, "What brings you here?", "multiline", help_text="A sentence is enough."
    )
    ask(service, "How did you hear of us?", "radio", choices="Friend\nDoctor\nWeb")
    start = quote(next_monday_at(9).isoformat())
    return (
        f"/book/{consultant.pk}/{service.slug}/details/?start={start}&tz=Europe/Berlin"
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_a_client_answers_the_intake_questions(
    browser, live_server, shoot, details_url, screen
):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + details_url)

    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("What brings you here?").fill("Trouble sleeping.")
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Request this time").click()
    # The radio question was missed: the page says so by the question.
    group = page.get_by_role("group", name="How did you hear of us?")
    group.get_by_text("This field is required.").wait_for()
    shoot(page, f"{screen}-missed-answer")
    assert violations(page) == []

    group.get_by_label("Doctor").check()
    page.get_by_label("I have read the privacy policy").check()
    shoot(page, f"{screen}-answered")
    assert violations(page) == []
    page.get_by_role("button", name="Request this time").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    shoot(page, f"{screen}-sent")
    context.close()

    assert Booking.objects.get().intake == {
        "What brings you here?": "Trouble sleeping.",
        "How did you hear of us?": "Doctor",
    }


def test_a_booking_admin_adds_an_intake_question(
    browser, live_server, shoot, transactional_db
):
    ServiceFactory(title="Couples counselling")
    member(BOOKING_ADMINS, username="frontdesk")
    context = browser.new_context(**SCREENS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server.url}/admin/intake_questions/new/")
    page.locator("#id_service").select_option(label="Couples counselling")
    page.locator("#id_label").fill("How long have you been together?")
    page.locator("#id_field_type").select_option(label="Drop-down choice")
    page.locator("#id_choices").fill("Under a year\nOne to five years\nLonger")
    shoot(page, "add-question")
    assert violations(page) == []
    page.get_by_role("button", name="Create").click()
    page.get_by_role("link", name="How long have you been together?").wait_for()
    # The list again, without Wagtail's "created" banner: axe reads its fade-in
    # animation's colours half-way, and the banner is Wagtail's own.
    page.goto(f"{live_server.url}/admin/intake_questions/")
    shoot(page, "questions")
    assert violations(page) == []
    context.close()

    question = ServiceQuestion.objects.get()
    assert question.choice_list == ["Under a year", "One to five years", "Longer"]
