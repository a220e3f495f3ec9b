# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""A client books an 8-meeting course and pays once (Stripe faked at its HTTP
edge, as the payment tests fake it); the practice moves meeting 3 in the admin and
the client gets one email; after meeting 4 the client cancels and gets back what
the policy gives for meetings 5-8."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import F
from django.test import Client
from django.utils import timezone

from booking.core import tokens
from booking.core.models import Booking, BookingToken, Service
from booking.core.states import BookingStatus as S
from booking.courses.models import CourseMeeting
from booking.lifecycle import courses
from booking.payments.models import Payment, Refund
from tests.booking.stripe_fakes import (  # noqa: F401  (fixture)
    deliver,
    fake_stripe,
    session_event,
)
from tests.browser.conftest import axe_violations
from tests.factories import UserFactory, build_site, publish_consultant_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def course(transactional_db, practice_settings):
    # The site first: after another live-server test the database is flushed,
    # and the practice's settings belong to the default site.
    _, team, _ = build_site()
    practice_settings(full_refund_until_hours=48, late_refund_percent=0)
    consultant = publish_consultant_page(team, "Maya Stone").consultant
    service = Service.objects.create(
        title="Calm in eight weeks",
        slug="calm-in-eight-weeks",
        kind=Service.Kind.COURSE,
        capacity=6,
        price=Decimal("400.00"),
        currency="EUR",
        duration_minutes=90,
        requires_approval=False,
    )
    service.consultants.add(consultant)
    admin = UserFactory(username="frontdesk", is_superuser=True, is_staff=True)
    first = (timezone.now() + timedelta(days=10)).astimezone(consultant.zone).date()
    dates = courses.meeting_dates(
        first_day=first,
        count=8,
        start_time=time(18),
        end_time=time(19, 30),
        zone=consultant.zone,
    )
    courses.set_meetings(service=service, actor=admin, dates=dates)
    return consultant, service


def test_a_client_books_pays_and_cancels_a_course(
    live_server, page, shoot, course, fake_stripe
):
    consultant, service = course
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            body="<html lang=en><title>Checkout</title><h1>Checkout</h1></html>",
            content_type="text/html",
        ),
    )
    page.goto(f"{live_server.url}/book/{consultant.pk}/{service.slug}/")
    page.get_by_role("heading", name="The meetings").wait_for()
    assert page.locator("ol.meetings li").count() == 8
    shoot(page, "course-dates")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "course-dates-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Book the course").click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("I have read the privacy policy").check()
    assert page.get_by_label("Repeat").count() == 0  # a course has its dates
    shoot(page, "details")
    page.get_by_role("button", name="Book the course").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    parent = Booking.objects.get(parent__isnull=True)
    assert parent.children.count() == 7 and parent.amount == Decimal("400.00")
    [email] = [m for m in mail.outbox if parent.reference in m.subject]
    link = re.search(r"https?://\S+/book/verify/\S+/", email.body).group(0)
    page.goto(live_server.url + link[link.index("/book/") :])
    page.get_by_role("button", name="Confirm my booking").click()
    page.get_by_text("Thank you: your email address is confirmed.").wait_for()

    # Pay once, for the whole course.
    manage = tokens.issue_token(booking=parent, purpose=BookingToken.Purpose.MANAGE)
    page.goto(f"{live_server.url}/book/manage/{manage}/")
    page.get_by_role("heading", name="The course's meetings").wait_for()
    shoot(page, "manage-before-paying")
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url(re.compile("checkout.stripe.com"))
    [session] = fake_stripe.sessions.values()
    assert session["amount_total"] == 40000
    fake_stripe.pay(session["id"])
    deliver(Client(), session_event("checkout.session.completed", session))
    assert Payment.objects.count() == 1
    assert set(Booking.objects.values_list("status", flat=True)) == {S.CONFIRMED}

    # The practice moves meeting 3 by a day: the client gets one email.
    mail.outbox.clear()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/admin/$"))
    page.goto(f"{live_server.url}/admin/course-meetings/")
    third = CourseMeeting.objects.order_by("start")[2]
    moved_to = (third.start + timedelta(days=1)).astimezone(consultant.zone)
    page.get_by_label("New start of meeting 3").fill(
        moved_to.strftime("%Y-%m-%dT%H:%M")
    )
    shoot(page, "admin-course-meetings")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Move meeting 3").click()
    page.get_by_text("Meeting moved; 1 participant(s) were emailed.").wait_for()
    page.set_viewport_size(PHONE)
    shoot(page, "admin-course-meetings-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    to_ada = [m for m in mail.outbox if "ada@example.com" in m.to]
    assert len(to_ada) == 1 and "moved" in to_ada[0].subject.lower()
    assert Booking.objects.filter(start=moved_to).count() == 1

    # Four meetings later: as if now were just after meeting 4.
    fourth = CourseMeeting.objects.order_by("start")[3]
    back = fourth.end - timezone.now() + timedelta(hours=1)
    CourseMeeting.objects.update(start=F("start") - back, end=F("end") - back)
    Booking.objects.update(start=F("start") - back, end=F("end") - back)

    page.goto(f"{live_server.url}/book/manage/{manage}/")
    page.get_by_role("link", name="Cancel this booking…").click()
    shoot(page, "cancel")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_role("heading", name="The course's meetings").wait_for()
    shoot(page, "after-cancelling")
    page.set_viewport_size(PHONE)
    shoot(page, "after-cancelling-phone")

    statuses = [b.status for b in Booking.objects.order_by("start")]
    assert statuses == [S.CONFIRMED] * 4 + [S.CANCELLED] * 4
    assert [r.amount for r in Refund.objects.all()] == [Decimal("200.00")]
