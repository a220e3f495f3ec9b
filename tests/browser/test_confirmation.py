"""Issue 20 in a real browser, at desktop and phone size: a client in New York
makes a mistake in the details form and fixes it from the error summary,
verifies, sees the booking page, downloads the .ics (which parses), and later
cancels with the refund shown before confirming. axe finds nothing on any step,
and no page is wider than the phone."""

import re
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    build_site,
    user_with_perms,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(transactional_db):
    build_site()
    consultant = ConsultantFactory(name="Maya Stone")
    return ServiceFactory(
        title="Individual counselling",
        slug="counselling",
        consultants=[consultant],
        price=Decimal("80.00"),
        requires_approval=False,
    )


def check(page, shoot, step):
    """Screenshot the step, and hold it to axe and to the screen's width."""
    shoot(page, step)
    assert axe_violations(page) == [], step
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{step} is wider than the screen"
    )


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_client_books_fixes_a_mistake_adds_to_calendar_and_cancels(
    live_server, browser, shoot, service, screen
):
    context = browser.new_context(
        **SCREENS[screen], timezone_id="America/New_York", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    start = (timezone.now() + timedelta(days=4)).replace(
        hour=15, minute=0, second=0, microsecond=0, tzinfo=UTC
    )
    consultant = service.consultants.get()
    page.goto(
        f"{live_server.url}/book/{consultant.pk}/counselling/details/"
        f"?tz=America/New_York&start={start.isoformat().replace('+', '%2B')}"
    )

    # One mistake: an email address without its @.
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada.example.com")
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Request this time").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    summary.wait_for()
    assert page.evaluate("document.activeElement.dataset.errorSummary") == ""
    check(page, shoot, "details-error")
    summary.get_by_role(
        "link", name="Enter an email address like name@example.com"
    ).click()
    assert page.evaluate("document.activeElement.id") == "id_client_email"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("ada@example.com")
    page.get_by_role("button", name="Request this time").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    booking = Booking.objects.get()
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    link = re.search(r"/book/verify/\S+/", email.body).group(0)
    page.goto(live_server.url + link)
    page.get_by_text("Individual counselling with Maya Stone").wait_for()
    check(page, shoot, "verify")
    page.get_by_role("button", name="Confirm my booking").click()
    page.get_by_role("heading", name="Approved: one step left").wait_for()
    check(page, shoot, "booked")

    with page.expect_download() as download:
        page.get_by_role("link", name="Apple Calendar and others (.ics)").click()
    ics = Path(download.value.path()).read_bytes()
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == start
    assert str(event["SUMMARY"]).startswith("Individual counselling with Maya Stone")

    # Later: the practice records the payment, and the client cancels.
    booking.refresh_from_db()
    admin = user_with_perms("record_offline_payment")
    paying.record_offline_payment(
        booking=booking, actor=admin, amount=Decimal("80.00"), method="Cash"
    )
    page.get_by_role("link", name="Go to my booking page").click()
    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_text("You get back 80.00 EUR: everything you paid.").wait_for()
    assert Booking.objects.get().status == S.CONFIRMED
    check(page, shoot, "cancel")
    page.get_by_label("Reason (optional)").fill("Feeling much better")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text(f"Booking {booking.reference} is cancelled.").wait_for()
    check(page, shoot, "cancelled")

    assert Booking.objects.get().status == S.CANCELLED
    context.close()
    assert not refused, refused
