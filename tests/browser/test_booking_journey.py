"""A new client books a session, and another cancels one, in a real browser."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.core import tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.factories import build_site, make_draft, publish_consultant_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consultant_page(transactional_db):
    _, team, _ = build_site()
    return publish_consultant_page(team, "Maya Stone", tags=["Anxiety"])


def test_a_new_client_books_a_session(live_server, page, shoot, consultant_page):
    page.goto(live_server.url)
    shoot(page, "home")
    page.get_by_role("link", name="Team").click()
    page.get_by_role("link", name="Maya Stone").first.click()
    shoot(page, "consultant")

    page.get_by_role("link", name="Book a session").click()
    service = consultant_page.consultant.services.get()
    page.get_by_role("link", name=service.title).click()
    # The browser is in New York; the page switches to its zone by itself.
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    page.get_by_text("Times are shown in America/New York — New York").wait_for()
    shoot(page, "slots")
    page.locator("a.slot").first.click()

    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("I have read the privacy policy").check()
    shoot(page, "details")
    page.get_by_role("button", name="Request this time").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    shoot(page, "check-inbox")

    booking = Booking.objects.get()
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    link = re.search(r"https?://\S+/book/verify/\S+/", email.body).group(0)
    page.goto(live_server.url + link[link.index("/book/") :])
    page.get_by_role("button", name="Confirm my booking").click()
    page.get_by_text("Thank you: your email address is confirmed.").wait_for()
    shoot(page, "status")

    assert page.get_by_text("Pending approval").is_visible()
    assert Booking.objects.get().status == S.PENDING


def test_a_client_cancels_through_the_manage_link(
    live_server, page, shoot, consultant_page
):
    start = (timezone.now() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booking, token = make_draft(
        consultant=consultant_page.consultant,
        service=consultant_page.consultant.services.get(),
        start=start,
    )
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    page.goto(f"{live_server.url}/book/manage/{manage}/")
    shoot(page, "manage")
    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_label("Reason (optional)").fill("Feeling much better")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text(f"Booking {booking.reference} is cancelled.").wait_for()
    shoot(page, "cancelled")

    row = Booking.objects.get(pk=booking.pk)
    assert row.status == S.CANCELLED
    assert row.cancel_reason == "Feeling much better"


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab (only the keyboard) until the focus is on `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_client_books_with_the_keyboard_only(live_server, page, consultant_page):
    """No mouse: from the consultant page to "Check your inbox" with Tab, Enter
    and Space, through the service card, the month picker and the form."""
    page.goto(live_server.url + consultant_page.url)

    tab_to(page, ".service-card__action a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    page.locator("a.slot").first.wait_for()
    tab_to(page, "a.slot")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Your details").wait_for()
    tab_to(page, "input[name=client_name]")
    page.keyboard.type("Ada Lovelace")
    tab_to(page, "input[name=client_email]")
    page.keyboard.type("ada@example.com")
    tab_to(page, "input[name=consent]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="Check your inbox").wait_for()
    booking = Booking.objects.get()
    assert booking.client_email == "ada@example.com"
    assert booking.client_time_zone == "America/New_York"
