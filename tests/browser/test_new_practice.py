"""Issue 18's "done when", in a real browser: a new practice's owner sets it up
and a client books. The owner (a booking admin who also edits the website) adds a
service category, a service in it and the service's two intake questions, and
invites a consultant with a draft profile page. The consultant (a second browser)
opens the link from the email, chooses a password, turns on two-factor sign-in
(the test reads the key off the page and computes the code), sets weekly hours and
writes their profile page. The owner publishes the page and offers the service
with the consultant. A client (a third browser, no login) books the service from
the consultant's page, answers both questions, confirms by the email's link, and
the consultant reads both answers on the booking in the admin. axe-core checks
the admin screens issue 18 added; screenshots of every step go to
test-artifacts/browser/test_a_new_practice_is_set_up_and_takes_a_booking/."""

import base64
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django_otp.oath import totp

from booking.core.models import Booking, Consultant, Service
from booking.core.roles import BOOKING_ADMINS, EDITORS
from cms.models import ConsultantPage
from tests.booking.team.helpers import invitation_link
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import build_site, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a quiet harbour at dusk"
FIRST_PASSWORD = re.compile(r"^Password:?$")
WHY = "What brings you to counselling?"
HEARD = "How did you hear of us?"
SUBMIT = re.compile(r"^(Create|Save)$")


def serious(page) -> list[str]:
    return axe_violations(page, impacts=("critical", "serious"))


def open_tab(browser, screen="desktop"):
    context = browser.new_context(**SCREENS[screen], timezone_id="Europe/London")
    page = context.new_page()
    # Generous: the page editor is the admin's heaviest page, and bin/test's other
    # process may be driving its own browser on the same two cores.
    page.set_default_timeout(45_000)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    return context, page, refused


def sign_in(page, url, username, password="correct horse"):
    page.goto(f"{url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/admin/")


def menu(page, *labels):
    """Follow the admin's sidebar menu, e.g. menu(page, "Practice", "Services")."""
    for label in labels[:-1]:
        page.get_by_role("button", name=label, exact=True).first.click()
    page.get_by_role("link", name=labels[-1], exact=True).first.click()


def test_a_new_practice_is_set_up_and_takes_a_booking(
    browser, live_server, shoot, settings, transactional_db
):
    settings.ADMIN_REQUIRE_2FA = False
    cache.clear()
    build_site()
    owner = member(BOOKING_ADMINS, username="owner", first_name="Olive")
    owner.groups.add(Group.objects.get(name=EDITORS))
    url = live_server.url
    problems = {}

    # 1. The owner adds a category, a service in it and two intake questions.
    owner_context, desk, desk_refused = open_tab(browser)
    sign_in(desk, url, "owner")
    menu(desk, "Practice", "Service categories")
    desk.get_by_role("heading", name="Service categories").first.wait_for()
    desk.get_by_role("link", name=re.compile("Add service category")).first.click()
    desk.locator("#id_name").fill("Individual sessions")
    desk.locator("#id_slug").fill("individual")
    problems["category form"] = serious(desk)
    shoot(desk, "owner-new-category")
    desk.get_by_role("button", name=SUBMIT).first.click()
    desk.get_by_role("link", name="Individual sessions").wait_for()
    shoot(desk, "owner-categories")

    menu(desk, "Practice", "Services")
    desk.get_by_role("link", name=re.compile("Add service")).first.click()
    desk.locator("#id_title").fill("Counselling session")
    desk.locator("#id_slug").fill("counselling-session")
    desk.locator("#id_category").select_option(label="Individual sessions")
    desk.locator("#id_duration_minutes").fill("50")
    desk.locator("#id_price").fill("60.00")
    problems["service form"] = serious(desk)
    shoot(desk, "owner-new-service")
    desk.get_by_role("button", name=SUBMIT).first.click()
    desk.get_by_role("link", name="Counselling session").wait_for()
    shoot(desk, "owner-services")
    service = Service.objects.get(slug="counselling-session")
    assert service.category.name == "Individual sessions"

    for label, kind, choices in (
        (WHY, "Multi-line text", ""),
        (HEARD, "Radio buttons", "A friend\nMy doctor\nThe web"),
    ):
        menu(desk, "Practice", "Intake questions")
        desk.get_by_role("link", name=re.compile("Add intake question")).first.click()
        desk.locator("#id_service").select_option(label="Counselling session")
        desk.locator("#id_label").fill(label)
        desk.locator("#id_field_type").select_option(label=kind)
        if choices:
            desk.locator("#id_choices").fill(choices)
        problems[f"question {kind}"] = serious(desk)
        shoot(desk, "owner-new-question")
        desk.get_by_role("button", name="Create").click()
        desk.get_by_role("link", name=label).wait_for()
    shoot(desk, "owner-questions")
    assert [q.label for q in service.questions.order_by("sort_order", "pk")] == [
        WHY,
        HEARD,
    ]

    # 2. The owner invites a new consultant, with a draft profile page.
    menu(desk, "Team", "Invitations")
    desk.get_by_role("link", name="Invite a consultant").click()
    desk.get_by_label("Name of a new consultant").fill("Maya Stone")
    desk.get_by_role("textbox", name=re.compile(r"^Email")).fill("maya@haven.test")
    assert desk.get_by_label("Create a draft profile page").is_checked()
    problems["invite"] = serious(desk)
    shoot(desk, "owner-invite")
    mail.outbox.clear()
    desk.get_by_role("button", name="Send the invitation").click()
    desk.get_by_text("Invitation sent to Maya Stone").wait_for()
    shoot(desk, "owner-invitations")
    [invitation] = [m for m in mail.outbox if "maya@haven.test" in m.to]
    link = invitation_link(invitation)

    # 3. The consultant accepts, turns on two-factor sign-in, sets weekly hours
    #    and writes their profile page.
    maya_context, maya, maya_refused = open_tab(browser)
    maya.goto(f"{url}{link}")
    maya.get_by_role("heading", name="Welcome, Maya Stone").wait_for()
    shoot(maya, "consultant-invitation")
    maya.get_by_label("Username").fill("maya")
    maya.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    maya.get_by_label("Password again").fill(PASSWORD)
    maya.get_by_role("button", name="Create my login").click()
    maya.wait_for_url(f"{url}/admin/")
    shoot(maya, "consultant-dashboard")

    maya.get_by_role("link", name="Account", exact=True).first.click()
    # Wagtail lists the account's extra items under its "More actions" tab.
    maya.get_by_role("tab", name="More actions").click()
    maya.get_by_role("link", name="Two-factor sign-in").click()
    maya.wait_for_url(f"{url}/admin/two-factor/")
    problems["two-factor"] = serious(maya)
    shoot(maya, "consultant-two-factor-off")
    maya.get_by_role("link", name="Set up two-factor sign-in").click()
    maya.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    secret = maya.locator("[data-secret]").inner_text().replace(" ", "")
    maya.get_by_label("Code").fill(f"{totp(base64.b32decode(secret)):06d}")
    shoot(maya, "consultant-two-factor-set-up")
    maya.get_by_role("button", name="Turn on two-factor sign-in").click()
    maya.get_by_role("heading", name="Your recovery codes").wait_for()
    shoot(maya, "consultant-recovery-codes")
    maya.get_by_role("button", name="I have saved my recovery codes").click()
    maya.goto(f"{url}/admin/two-factor/")
    maya.get_by_text("Two-factor sign-in is on.").wait_for()

    maya.goto(f"{url}/admin/")
    maya.get_by_role("link", name="Availability", exact=True).first.click()
    maya.get_by_role("link", name="Add weekly hours").click()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        maya.get_by_label(day).check()
    maya.get_by_label("From").fill("09:00")
    maya.get_by_label("Until").fill("17:00")
    today = timezone.localdate()
    maya.get_by_label("Starting on").fill(today.isoformat())
    maya.get_by_label("Last day").fill((today + timedelta(days=90)).isoformat())
    # Close the date picker the last field opened, as a click elsewhere would.
    maya.keyboard.press("Escape")
    maya.get_by_text("Dates and times are in Maya Stone").click()
    shoot(maya, "consultant-weekly-hours")
    maya.get_by_role("button", name="Save", exact=True).click()
    maya.get_by_text("Saved weekly hours").first.wait_for()
    problems["availability"] = serious(maya)
    shoot(maya, "consultant-availability")

    maya.get_by_role("link", name="My profile page").first.click()
    maya.locator("#id_summary").fill("Person-centred counselling for adults.")
    maya.locator("#id_role").fill("Counsellor, MBACP")
    shoot(maya, "consultant-profile-page")
    maya.get_by_role("button", name="Save draft").click()
    maya.get_by_text(re.compile("has been updated|saved", re.I)).first.wait_for()
    shoot(maya, "consultant-profile-saved")

    consultant = Consultant.objects.get(email="maya@haven.test")
    assert consultant.user.username == "maya"
    assert consultant.status == Consultant.Status.VERIFIED
    assert consultant.user.totpdevice_set.filter(confirmed=True).exists()

    # 4. The owner publishes the page and offers the service with the consultant.
    page = ConsultantPage.objects.get(consultant=consultant)
    desk.goto(f"{url}/admin/pages/{page.pk}/edit/")
    desk.locator("#id_summary").wait_for()
    assert desk.locator("#id_summary").input_value() == (
        "Person-centred counselling for adults."
    )
    desk.get_by_role("button", name="More actions").click()
    desk.get_by_role("button", name="Publish").click()
    desk.get_by_text(re.compile("has been published")).first.wait_for()
    shoot(desk, "owner-published")

    menu(desk, "Practice", "Services")
    desk.get_by_role("link", name="Counselling session").click()
    desk.get_by_label("Maya Stone").check()
    problems["service edit"] = serious(desk)
    shoot(desk, "owner-service-consultants")
    desk.get_by_role("button", name=SUBMIT).first.click()
    desk.get_by_text(re.compile("updated")).first.wait_for()
    assert list(service.consultants.all()) == [consultant]

    # 5. A client books from the consultant's page, on a phone.
    client_context, client, client_refused = open_tab(browser, "phone")
    client.goto(f"{url}/team/")
    client.get_by_text("Person-centred counselling for adults.").first.wait_for()
    client.get_by_role("link", name="Maya Stone").first.click()
    client.get_by_role("heading", name="Maya Stone").first.wait_for()
    client.get_by_text("Counsellor, MBACP").first.wait_for()
    shoot(client, "client-profile")
    client.get_by_role("link", name="Book a session").first.click()
    client.get_by_role("link", name="Counselling session").first.click()
    client.locator("a.slot").first.click()
    client.get_by_label("Your name").fill("Ada Lovelace")
    client.get_by_label("Email").fill("ada@example.com")
    client.get_by_label(WHY).fill("Trouble sleeping since the move.")
    client.get_by_role("group", name=HEARD).get_by_label("My doctor").check()
    client.get_by_label("I have read the privacy policy").check()
    shoot(client, "client-details")
    client.get_by_role("button", name=re.compile("Request this time|Book")).click()
    client.get_by_role("heading", name="Check your inbox").wait_for()
    shoot(client, "client-check-inbox")

    booking = Booking.objects.get()
    [email] = [m for m in mail.outbox if booking.reference in m.subject]
    verify = re.search(r"https?://\S+/book/verify/\S+/", email.body).group(0)
    client.goto(url + verify[verify.index("/book/") :])
    client.get_by_role("button", name="Confirm my booking").click()
    client.get_by_text("Thank you: your email address is confirmed.").wait_for()
    shoot(client, "client-confirmed")

    # 6. The consultant reads both answers on the booking.
    maya.goto(f"{url}/admin/")
    maya.get_by_role("link", name="Bookings", exact=True).first.click()
    maya.get_by_role("link", name=re.compile(booking.reference)).first.click()
    maya.get_by_text("Trouble sleeping since the move.").wait_for()
    assert maya.get_by_text(WHY).is_visible()
    assert maya.get_by_text(HEARD).is_visible()
    assert maya.get_by_text("My doctor", exact=True).is_visible()
    shoot(maya, "consultant-booking")

    for context in (owner_context, maya_context, client_context):
        context.close()
    refused = desk_refused + maya_refused + client_refused
    assert not refused, f"blocked by the Content-Security-Policy: {refused}"
    assert not any(problems.values()), problems
