"""My practice (issue 18): a consultant's own corner of the admin. Their sessions
of today and the next 14 days in their own time zone, "Completed" and "No-show"
once a session has ended (through the booking actions and their services), links
to their own screens, and never another consultant's sessions."""

import itertools
import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.payments.models import Payout
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    build_site,
    make_draft,
    member,
    publish_consultant_page,
)

pytestmark = pytest.mark.django_db
URL = "/admin/my-practice/"
# Wherever the test runs, one of these zones is in its working day (10:00–18:00).
ZONES = (
    "Pacific/Honolulu",
    "America/New_York",
    "Europe/London",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
)


def daytime_zone() -> str:
    now = timezone.now()
    return next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 18)


_hours = itertools.count(0)


def free_start(consultant):
    """A start in the consultant's working hours next week, one hour after the
    last one (bookings are moved to their real times afterwards)."""
    day = timezone.now().astimezone(consultant.zone).date() + timedelta(days=7)
    hour = 7 + next(_hours) % 12
    return datetime.combine(day, time(hour), tzinfo=consultant.zone)


@pytest.fixture
def desk(db):
    return member(BOOKING_ADMINS, username="desk")


def session(consultant, desk, *, name, start, state=S.CONFIRMED, title="Talk"):
    """A booking of `consultant` in `state`, moved to `start` (past starts too)."""
    service = ServiceFactory(consultants=[consultant], title=title, price=Decimal(60))
    booking, verify = make_draft(
        consultant=consultant,
        service=service,
        client_name=name,
        start=free_start(consultant),
    )
    if state != S.DRAFT:
        services.verify_email(token=verify)
        booking = services.approve(booking=booking, actor=desk)
    if state == S.CONFIRMED:
        booking = paying.record_offline_payment(
            booking=booking, actor=desk, amount=booking.amount, method="Cash"
        )
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(minutes=50)
    )
    return Booking.objects.get(pk=booking.pk)


@pytest.fixture
def practice(desk):
    """Consultant A (with a login) and B, each with their own clients."""
    zone = daytime_zone()
    login = member(CONSULTANTS, username="dr-a")
    mine = ConsultantFactory(name="Dr A", user=login, time_zone=zone)
    theirs = ConsultantFactory(
        name="Dr B", user=member(CONSULTANTS, username="dr-b"), time_zone=zone
    )
    now = timezone.now()
    rows = {
        "ended": session(mine, desk, name="Anna Ashby", start=now - timedelta(hours=2)),
        "later": session(mine, desk, name="Lena Long", start=now + timedelta(hours=2)),
        "soon": session(
            mine,
            desk,
            name="Bea Brook",
            start=now + timedelta(days=3),
            state=S.APPROVED,
            title="Couples",
        ),
        "forgotten": session(
            mine, desk, name="Fay Fern", start=now - timedelta(days=3)
        ),
        "far": session(mine, desk, name="Cleo Far", start=now + timedelta(days=20)),
        "draft": session(
            mine, desk, name="Dora Draft", start=now + timedelta(days=1), state=S.DRAFT
        ),
        "theirs": session(
            theirs, desk, name="Zelda Other", start=now - timedelta(hours=2)
        ),
        "theirs_soon": session(
            theirs, desk, name="Yara Other", start=now + timedelta(days=2)
        ),
    }
    return login, mine, theirs, rows


def page(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """The text of one section of the page, by its heading's id."""
    match = re.search(
        rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S
    )
    return match.group(1)


def transition(booking, action):
    return reverse("bookings:transition", args=[booking.pk, action])


def test_a_consultant_sees_their_sessions_by_day_in_their_time_zone(client, practice):
    login, mine, _, rows = practice
    html = page(client, login)

    today = section(html, "today-heading")
    upcoming = section(html, "upcoming-heading")
    to_mark = section(html, "to-mark-heading")
    zone = mine.zone
    ended = rows["ended"].start.astimezone(zone)
    assert f"{ended:%H:%M}–" in today
    assert "Anna" in today and "Lena" in today and "Talk" in today
    assert "Ashby" not in html  # first names only
    soon = rows["soon"].start.astimezone(zone)
    assert f"{soon:%a} {soon.day} {soon:%b}, {soon:%H:%M}" in upcoming
    assert "Bea" in upcoming and "Couples" in upcoming
    assert "Approved (awaiting payment)" in upcoming
    assert "Fay" in to_mark and "Fay" not in today
    assert "Cleo" not in html  # beyond 14 days
    assert "Dora" not in html  # a draft holds nothing
    assert mine.time_zone in html


def test_other_consultants_sessions_are_never_shown(client, practice):
    login, _, theirs, rows = practice

    html = page(client, login)

    for booking in (rows["theirs"], rows["theirs_soon"]):
        assert booking.client_name.split()[0] not in html
        assert booking.reference not in html
        assert transition(booking, "complete") not in html


def test_a_consultant_who_also_sees_every_booking_sees_only_their_own_here(
    client, practice, desk
):
    login, mine, _, rows = practice
    mine.user = desk
    mine.save()

    html = page(client, desk)

    assert "Anna" in html
    assert "Zelda" not in html and "Yara" not in html


def test_buttons_appear_once_the_session_has_ended(client, practice):
    login, _, _, rows = practice

    html = page(client, login)

    for name in ("ended", "forgotten"):
        assert transition(rows[name], "complete") in html
        assert transition(rows[name], "no_show") in html
    for name in ("later", "soon"):
        assert transition(rows[name], "complete") not in html
        assert transition(rows[name], "no_show") not in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4
    assert re.search(r'class="button button-small serious">No-show', html)


def test_completed_runs_the_service_and_returns_here(client, practice):
    login, _, _, rows = practice
    client.force_login(login)

    response = client.post(
        transition(rows["ended"], "complete"), {"next": URL}, follow=True
    )

    assert response.redirect_chain[-1][0] == URL
    assert Booking.objects.get(pk=rows["ended"].pk).status == S.COMPLETED
    html = response.content.decode()
    assert "Marked completed booking" in html
    assert transition(rows["ended"], "complete") not in html
    assert rows["ended"].emails.filter(kind="completed").exists()


def test_no_show_says_what_the_fee_does_then_marks_it(
    client, practice, practice_settings
):
    practice_settings(no_show_fee="none")
    login, _, _, rows = practice
    client.force_login(login)
    url = transition(rows["ended"], "no_show")

    asked = client.post(url, {"next": URL})
    done = client.post(url, {"next": URL, "confirm": "1"})

    assert asked.status_code == 200
    assert "the 60.00 EUR paid is refunded" in asked.content.decode()
    assert Booking.objects.get(pk=rows["ended"].pk).status == S.NO_SHOW
    assert done.status_code == 302 and done["Location"] == URL
    assert rows["ended"].refunds.get().amount == Decimal("60.00")


def test_a_refusal_is_the_services_own_message(client, practice):
    login, _, _, rows = practice
    client.force_login(login)

    response = client.post(
        transition(rows["later"], "complete"), {"next": URL}, follow=True
    )

    assert (
        f"Cannot mark completed booking {rows['later'].reference}: the session "
        "has not ended yet." in response.content.decode()
    )
    assert Booking.objects.get(pk=rows["later"].pk).status == S.CONFIRMED


def test_another_consultants_session_cannot_be_marked(client, practice):
    login, _, _, rows = practice
    client.force_login(login)

    for action in ("complete", "no_show"):
        response = client.post(
            transition(rows["theirs"], action), {"next": URL, "confirm": "1"}
        )
        assert response.status_code == 404
    assert Booking.objects.get(pk=rows["theirs"].pk).status == S.CONFIRMED


def test_links_to_the_consultants_own_screens(client, practice):
    login, mine, theirs, _ = practice
    _, team, _ = build_site()
    profile = publish_consultant_page(team, "Dr A", consultant=mine)
    publish_consultant_page(team, "Dr B", consultant=theirs)

    html = page(client, login)

    assert reverse("booking_availability:consultant", args=[mine.pk]) in html
    assert f"consultant={mine.pk}" in html
    assert reverse("booking_earnings") in html
    assert reverse("wagtailadmin_pages:edit", args=[profile.pk]) in html
    assert f"consultant={theirs.pk}" not in html
    assert reverse("booking_availability:consultant", args=[theirs.pk]) not in html


def test_payout_requests_are_the_consultants_own(client, practice):
    login, mine, theirs, _ = practice
    Payout.objects.create(consultant=mine, amount=Decimal("120.00"), currency="EUR")
    Payout.objects.create(consultant=theirs, amount=Decimal("999.00"), currency="EUR")

    payouts = section(page(client, login), "payouts-heading")

    assert "120.00 EUR" in payouts and "Requested" in payouts
    assert "999.00" not in payouts


def test_empty_states_say_what_to_do(client, db):
    login = member(CONSULTANTS, username="dr-new")
    ConsultantFactory(name="Dr New", user=login)

    html = page(client, login)

    assert "No sessions today." in html
    assert "Nothing booked in the next 14 days." in html
    assert "Ask the practice's editors to create your profile page" in html
    assert "No payout requests yet." in html
    assert "to-mark-heading" not in html


def test_only_consultants_get_the_menu_item_and_the_page(client, practice, desk):
    login, _, _, _ = practice

    client.force_login(desk)
    admin_home = client.get("/admin/").content.decode()
    refused = client.get(URL)
    client.force_login(login)
    consultant_home = client.get("/admin/").content.decode()

    assert URL not in admin_home
    assert refused.status_code == 403
    assert "Ask a booking admin to link your login" in refused.content.decode()
    assert URL in consultant_home
