"""A booking admin reads the Reports in a real browser: opens them from Wagtail's
Reports menu, filters by a consultant and a month, sees each chart beside its
table, and downloads the revenue table. Screenshots at desktop and phone size (the
charts are looked at); axe-core finds no violation on the page.

Streams: a signed-in client likes and saves a post and comments on it; an editor
approves the comment in the admin and it shows on the post. Screenshots of the
stream, the post and the saved list at desktop and phone size; axe on the stream
page and the saved page."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from booking.core.roles import BOOKING_ADMINS, ensure_roles
from tests.booking.reports.data import practice
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import UserFactory, build_site, publish_consultant_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def a_practice(transactional_db):
    ensure_roles()
    admin = UserFactory(username="owner")
    admin.groups.add(Group.objects.get(name=BOOKING_ADMINS))
    return practice()


def test_an_admin_filters_the_reports_and_downloads_revenue(
    page, live_server, shoot, a_practice
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Reports").click()
    page.get_by_role("link", name="Practice reports").click()
    page.get_by_role("heading", name="Booking funnel").wait_for()

    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-31")
    shoot(page, "all-consultants-desktop")
    assert axe_violations(page) == []
    page.get_by_label("Consultant", exact=True).select_option(label="Ben Report")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("cell", name="Ben Report").first.wait_for()
    revenue = page.get_by_role("region", name="Revenue and refunds by month")
    assert "GBP" in revenue.inner_text() and "EUR" not in revenue.inner_text()
    assert page.get_by_role("img", name="Revenue and refunds in GBP").count() == 1
    shoot(page, "ben-desktop")
    assert axe_violations(page) == []

    with page.expect_download() as download:
        revenue.get_by_role("link", name="(CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["Month", "Currency", "Received", "Refunded", "Net"],
        ["2026-03", "GBP", "60.00", "10.00", "50.00"],
    ]

    page.set_viewport_size(PHONE)
    page.get_by_role(
        "heading", name="Consultant utilisation"
    ).scroll_into_view_if_needed()
    shoot(page, "ben-phone")
    assert axe_violations(page) == []


@pytest.fixture
def a_stream(transactional_db):
    from booking.accounts.models import ClientAccount
    from cms.models import StreamIndexPage, StreamPost

    home, team, _ = build_site()
    stream = home.add_child(
        instance=StreamIndexPage(
            title="Stream", slug="stream", intro="Short notes from our team."
        )
    )
    author = publish_consultant_page(team, "Maya Green")
    for title in ("Breathing out", "First light"):
        stream.add_child(
            instance=StreamPost(
                title=title,
                text=f"{title}: two minutes at the window before the day starts.",
                author=author,
            )
        ).save_revision().publish()
    ClientAccount.objects.create(email="ada@example.com", name="Ada Lovelace")
    UserFactory(username="editor", is_superuser=True)


def sign_in_by_link(page, live_server):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()
    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    link = re.search(r"https?://\S+(/account/link/\S+/)", email.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()


def test_a_client_likes_saves_and_comments_and_an_editor_approves(
    page, live_server, shoot, a_stream
):
    page.set_viewport_size(DESKTOP)
    sign_in_by_link(page, live_server)
    page.goto(f"{live_server.url}/stream/")
    page.get_by_role("button", name="Like 0 likes on “First light”").click()
    page.get_by_role("button", name="Liked 1 like on “First light”").wait_for()
    page.get_by_role("button", name="Save “First light”").click()
    page.get_by_role("button", name="Saved “First light”").wait_for()
    shoot(page, "stream-desktop")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    shoot(page, "stream-phone")

    page.get_by_role("link", name="First light").click()
    page.get_by_label("Your comment").fill("This helped me start slower.")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_text("your comment shows once an editor has approved it").wait_for()
    assert "This helped me start slower." not in page.content()

    page.goto(f"{live_server.url}/account/")
    page.get_by_role("link", name="Saved posts and articles").click()
    page.get_by_role("link", name="First light").wait_for()
    shoot(page, "saved-phone")
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    shoot(page, "saved-desktop")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Stream comments").click()
    page.get_by_role("link", name=re.compile("This helped me")).click()
    page.get_by_role("combobox", name="Decision").select_option(label="Approved")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("cell", name="Approved").wait_for()

    page.goto(f"{live_server.url}/stream/first-light/")
    page.get_by_text("This helped me start slower.").wait_for()
    shoot(page, "post-with-comment-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "post-with-comment-phone")
