"""A booking admin moderates reviews in a real browser: reads the stars, the
text, who wrote it and for which booking in the list, publishes one from its row,
and the consultant's page shows it. Screenshots at desktop and phone size; axe-core
finds no critical or serious violation on the review screens."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, ensure_roles
from booking.lifecycle import paying, services
from booking.reviews.services import submit_review
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import UserFactory, build_site, make_draft, publish_consultant_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SERIOUS = ("critical", "serious")


@pytest.fixture
def a_review(transactional_db):
    ensure_roles()
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    admin = UserFactory(username="frontdesk")
    admin.groups.add(Group.objects.get(name=BOOKING_ADMINS))
    booking, token = make_draft(
        service=page.consultant.services.get(), client_name="Ada Lovelace"
    )
    services.verify_email(token=token)
    services.approve(booking=booking, actor=admin)
    paying.record_offline_payment(
        booking=booking, actor=admin, amount=booking.amount, method="Card"
    )
    ended = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(
        start=ended - timedelta(hours=1), end=ended
    )
    services.complete(booking=Booking.objects.get(pk=booking.pk), actor=admin)
    review = submit_review(
        booking=booking,
        rating=4,
        comment="Maya helped me find words for things I had avoided for years.",
    )
    return page, review


def test_a_booking_admin_reads_and_publishes_a_review(
    page, live_server, shoot, a_review
):
    profile, review = a_review
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    shoot(page, "sign-in-with-the-practice-name")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Haven").wait_for()
    shoot(page, "dashboard")
    page.goto(f"{live_server.url}/admin/snippets/booking/review/")

    row = page.get_by_role("row").filter(has_text="Ada L.")
    assert "★★★★☆ 4 of 5" in row.inner_text()
    assert "Maya helped me find words" in row.inner_text()
    assert "awaiting moderation" in row.inner_text().lower()
    shoot(page, "list-desktop")
    assert axe_violations(page, impacts=SERIOUS) == []

    page.goto(f"{live_server.url}/admin/snippets/booking/review/inspect/{review.pk}/")
    page.get_by_text("for things I had avoided").wait_for()
    shoot(page, "review-desktop")
    assert axe_violations(page, impacts=SERIOUS) == []

    page.goto(f"{live_server.url}/admin/snippets/booking/review/")
    page.set_viewport_size(PHONE)
    shoot(page, "list-phone")
    page.set_viewport_size(DESKTOP)
    row = page.get_by_role("row").filter(has_text="Ada L.")
    row.get_by_role("button", name=re.compile("More options")).click()
    row.get_by_role("link", name="Publish").click()
    page.get_by_text("The review of Maya Stone is published").wait_for()
    shoot(page, "published")

    page.goto(f"{live_server.url}{profile.url}")
    assert "Maya helped me find words" in page.content()
