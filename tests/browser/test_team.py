"""A consultant accepts their invitation in a real browser (issue 18): the link is
read from the email the test sent, the consultant chooses a username and a
password and lands in the Wagtail admin. The /join/ page and the invitation page
pass axe-core's checks, on a desktop and a phone. Screenshots go to
test-artifacts/browser/."""

import re
from importlib import resources

import pytest
from django.core import mail
from django.core.cache import cache

from booking.core.roles import BOOKING_ADMINS
from booking.team import services
from tests.booking.team.helpers import invitation_link
from tests.factories import ConsultantFactory, build_site, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
PASSWORD = "a quiet harbour at dusk"
FIRST_PASSWORD = re.compile(r"^Password:?$")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, as “rule: element” lines.
    axe is evaluated through the browser's debugging protocol, which the
    Content-Security-Policy does not apply to, and read from disk (the
    axe-playwright-python package ships it)."""
    source = resources.files("axe_playwright_python").joinpath("axe.min.js")
    page.evaluate(source.read_text())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{violation['id']}: {node['target']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


@pytest.fixture
def invited(transactional_db):
    """Maya, invited by the front desk; the email is in the test's outbox."""
    cache.clear()
    build_site()
    admin = member(BOOKING_ADMINS, username="frontdesk")
    maya = ConsultantFactory(name="Maya Stone", email="maya@haven.test")
    mail.outbox.clear()
    services.invite(consultant=maya, email=maya.email, actor=admin, make_page=True)
    (email,) = mail.outbox
    return maya, invitation_link(email)


def test_the_join_page_passes_axe_on_desktop_and_phone(
    live_server, page, shoot, transactional_db
):
    cache.clear()
    page.goto(f"{live_server.url}/join/")
    page.get_by_role("heading", name="Apply to join the practice").wait_for()
    assert axe_violations(page) == []
    shoot(page, "join-desktop")
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    shoot(page, "join-phone")

    page.get_by_label("Your name").fill("Noah Park")
    page.get_by_label("Email").fill("noah@example.org")
    page.get_by_label("Qualifications and memberships").fill("MBACP")
    page.get_by_label("Specialisations").fill("grief")
    page.get_by_label("A short statement").fill("Ten years in bereavement care.")
    page.get_by_role("button", name="Send my application").click()
    page.get_by_text("Please accept the privacy policy to apply.").wait_for()
    assert axe_violations(page) == []
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Send my application").click()
    page.get_by_role("heading", name="Thank you for applying").wait_for()
    shoot(page, "join-thanks-phone")


def test_a_consultant_accepts_the_invitation_from_the_email(
    invited, live_server, page, shoot
):
    maya, link = invited
    page.goto(f"{live_server.url}{link}")
    page.get_by_role("heading", name="Welcome, Maya Stone").wait_for()
    assert page.get_by_label("Username").input_value() == "maya@haven.test"
    assert axe_violations(page) == []
    shoot(page, "invitation-desktop")

    page.get_by_label("Username").fill("maya")
    page.get_by_label(FIRST_PASSWORD).fill("password")
    page.get_by_label("Password again").fill("password")
    page.get_by_role("button", name="Create my login").click()
    page.get_by_text("This password is too common.").wait_for()
    assert axe_violations(page) == []
    shoot(page, "invitation-weak-password")

    page.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my login").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.get_by_role("link", name="My profile page").first.wait_for()
    shoot(page, "admin-dashboard")
    maya.refresh_from_db()
    assert maya.user.username == "maya" and maya.status == "verified"

    # The link is spent: opening it again says so.
    page.goto(f"{live_server.url}{link}")
    page.get_by_text("This invitation has been used already").wait_for()


def test_the_invitation_page_on_a_phone(invited, live_server, page, shoot):
    _, link = invited
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{link}")
    page.get_by_role("heading", name="Welcome, Maya Stone").wait_for()
    assert axe_violations(page) == []
    shoot(page, "invitation-phone")
    page.get_by_label("Username").fill("maya")
    page.get_by_label(FIRST_PASSWORD).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my login").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    shoot(page, "admin-phone")


def test_a_booking_admin_invites_and_decides_in_the_admin(
    live_server, page, shoot, transactional_db
):
    cache.clear()
    build_site()
    member(BOOKING_ADMINS, username="frontdesk")
    ConsultantFactory(name="Maya Stone", email="maya@haven.test")
    pending, _ = services.apply(
        name="Noah Park",
        email="noah@example.org",
        qualifications="MBACP",
        specialisations="grief",
        statement="Ten years in bereavement care.",
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/team/invitations/invite/")
    page.get_by_label("Consultant", exact=True).select_option(label="Maya Stone")
    page.get_by_role("textbox", name=re.compile(r"^Email")).fill("maya@haven.test")
    assert axe_violations(page) == []
    shoot(page, "invite-form")
    mail.outbox.clear()
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent to Maya Stone").wait_for()
    page.wait_for_timeout(1000)  # the message has faded in
    assert axe_violations(page) == []
    shoot(page, "invitations")
    assert invitation_link(mail.outbox[0])

    page.goto(f"{live_server.url}/admin/team/applications/inspect/{pending.pk}/")
    page.get_by_text("Ten years in bereavement care.").wait_for()
    assert axe_violations(page) == []
    shoot(page, "application")
    page.goto(f"{live_server.url}/admin/team/applications/{pending.pk}/decline/")
    reason = page.get_by_role("textbox", name=re.compile(r"^Reason"))
    reason.fill("We are not taking on new consultants.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Decline").click()
    page.get_by_text("Declined: Noah Park is told.").wait_for()
    shoot(page, "applications")
    assert "not taking on new consultants" in mail.outbox[-1].body
