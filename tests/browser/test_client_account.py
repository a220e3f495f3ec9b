"""A client signs in with an emailed link, sees their sessions and cancels one,
in a real browser, on a desktop and a phone."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import build_site, make_draft, publish_consultant_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked(transactional_db):
    _, team, _ = build_site()
    consultant = publish_consultant_page(team, "Maya Stone").consultant
    start = (timezone.now() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booking, token = make_draft(
        consultant=consultant,
        service=consultant.services.get(),
        start=start,
        client_email="ada@example.com",
    )
    return services.verify_email(token=token)


def test_a_client_signs_in_by_link_sees_sessions_and_cancels_one(
    live_server, page, shoot, booked
):
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url)
    page.get_by_role("link", name="My sessions").click()
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()

    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    link = re.search(r"https?://\S+(/account/link/\S+/)", email.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()
    assert page.get_by_text(booked.reference).is_visible()
    shoot(page, "my-sessions-desktop")
    assert axe_violations(page) == []

    page.set_viewport_size(PHONE)
    shoot(page, "my-sessions-phone")
    assert axe_violations(page) == []

    page.get_by_role(
        "button", name=f"Manage, pay, move or cancel: booking {booked.reference}"
    ).click()
    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_label("Reason (optional)").fill("Feeling much better")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text(f"Booking {booked.reference} is cancelled.").wait_for()
    assert Booking.objects.get(pk=booked.pk).status == S.CANCELLED

    page.get_by_role("link", name="My sessions").click()
    page.get_by_text("No upcoming sessions.").wait_for()
    shoot(page, "after-cancelling-phone")
