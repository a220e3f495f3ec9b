"""A full workshop: a client joins its waitlist from the dates page, confirms by
the emailed link, someone cancels, the offer email's link takes the place and
the client is booked. A one-to-one time taken: the picker lists it, and its link
joins its waitlist. Desktop and phone screenshots; axe on each page."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from booking.core.models import Booking, Service
from booking.core.states import SLOT_HOLDING
from booking.lifecycle import courses, services
from booking.waitlist.models import WaitlistEntry
from tests.browser.conftest import axe_violations
from tests.factories import UserFactory, build_site, publish_consultant_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def link_in_last_email(to: str, live_server) -> str:
    [*_, email] = [m for m in mail.outbox if to in m.to]
    found = re.search(r"https?://\S+?(/book/waitlist/\S+/)", email.body).group(1)
    return live_server.url + found


def both_sizes(page, shoot, name):
    shoot(page, name)
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_a_client_waits_for_a_full_workshop_and_takes_the_freed_place(
    live_server, page, shoot, transactional_db
):
    _, team, _ = build_site()
    consultant = publish_consultant_page(team, "Maya Stone").consultant
    workshop = Service.objects.create(
        title="Sleep workshop",
        slug="sleep-workshop",
        kind=Service.Kind.WORKSHOP,
        capacity=1,
        price=Decimal("0.00"),
        currency="EUR",
        duration_minutes=120,
        requires_approval=False,
    )
    workshop.consultants.add(consultant)
    desk = UserFactory(username="frontdesk", is_superuser=True, is_staff=True)
    day = (timezone.now() + timedelta(days=10)).astimezone(consultant.zone).date()
    dates = courses.meeting_dates(
        first_day=day,
        count=1,
        start_time=time(18),
        end_time=time(20),
        zone=consultant.zone,
    )
    courses.set_meetings(service=workshop, actor=desk, dates=dates)
    seat = services.create_admin_booking(
        actor=desk,
        consultant=consultant,
        service=workshop,
        start=dates[0][0],
        client_name="First Guest",
        client_email="first@example.com",
    )

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/book/{consultant.pk}/{workshop.slug}/")
    page.get_by_role("link", name="Join the waitlist").click()
    page.get_by_role("heading", name="Join the waitlist").wait_for()
    page.get_by_label("Your name").fill("Wren Waiting")
    page.get_by_label("Your email").fill("wren@example.com")
    page.get_by_label("Your time zone").fill("Europe/Berlin")
    # The time in the consultant's zone, where the workshop meets at 18:00.
    page.get_by_text("18:00 (Europe/Berlin) is full").wait_for()
    both_sizes(page, shoot, "join")
    page.get_by_role("button", name="Join the waitlist").click()
    page.get_by_role("heading", name="You are on the waitlist").wait_for()
    both_sizes(page, shoot, "joined")

    page.goto(link_in_last_email("wren@example.com", live_server))
    page.get_by_role("button", name="Confirm my place").click()
    page.get_by_text("You are number 1 in line.").wait_for()
    both_sizes(page, shoot, "waiting")

    services.cancel(booking=seat, reason="Cannot come", actor=desk)
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.OFFERED
    page.goto(link_in_last_email("wren@example.com", live_server))
    page.get_by_role("button", name="Take the place").wait_for()
    both_sizes(page, shoot, "offer")
    page.get_by_label("I accept the privacy policy").check()
    page.get_by_role("button", name="Take the place").click()
    page.get_by_role("heading", name="The place is yours").wait_for()
    both_sizes(page, shoot, "booked")

    booked = Booking.objects.get(client_email="wren@example.com")
    assert booked.status in SLOT_HOLDING and booked.start == dates[0][0]

    # The desk sees the line (now empty) in the admin.
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/admin/$"))
    page.goto(f"{live_server.url}/admin/waitlist/")
    page.get_by_text("Nobody is waiting.").wait_for()
    both_sizes(page, shoot, "admin-waitlist")


def test_a_client_finds_a_one_to_one_time_taken_and_joins_its_waitlist(
    live_server, page, shoot, transactional_db
):
    _, team, _ = build_site()
    consultant = publish_consultant_page(team, "Maya Stone").consultant
    session = Service.objects.create(
        title="Counselling",
        slug="counselling",
        price=Decimal("0.00"),
        currency="EUR",
        duration_minutes=50,
        requires_approval=False,
    )
    session.consultants.add(consultant)
    desk = UserFactory(username="frontdesk", is_superuser=True, is_staff=True)
    day = (timezone.now() + timedelta(days=10)).astimezone(consultant.zone).date()
    start = timezone.datetime.combine(day, time(10), tzinfo=consultant.zone)
    services.create_admin_booking(
        actor=desk,
        consultant=consultant,
        service=session,
        start=start,
        client_name="First Client",
        client_email="first@example.com",
        override_reason="Arranged by phone.",
    )

    page.set_viewport_size(DESKTOP)
    page.goto(
        f"{live_server.url}/book/{consultant.pk}/counselling/"
        f"?tz={consultant.time_zone}&day={day.isoformat()}"
    )
    page.get_by_role("heading", name="Taken on this day").wait_for()
    both_sizes(page, shoot, "picker-taken")
    page.get_by_role("link", name="10:00 (taken: join the waitlist)").click()
    page.get_by_text(f"10:00 ({consultant.time_zone}) is taken").wait_for()
    page.get_by_label("Your name").fill("Wren Waiting")
    page.get_by_label("Your email").fill("wren@example.com")
    page.get_by_label("Your time zone").fill(consultant.time_zone)
    page.get_by_role("button", name="Join the waitlist").click()
    page.get_by_role("heading", name="You are on the waitlist").wait_for()
    entry = WaitlistEntry.objects.get()
    assert (entry.service, entry.start) == (session, start)
