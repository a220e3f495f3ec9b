"""A booking admin reads the Reports in a real browser: opens them from Wagtail's
Reports menu, filters by a consultant and a month, sees each chart beside its
table, and downloads the revenue table. Screenshots at desktop and phone size (the
charts are looked at); axe-core finds no violation on the page.

(Streams, the other half of issue 25, is not built yet; its steps join this module
when it is.)"""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from booking.core.roles import BOOKING_ADMINS, ensure_roles
from tests.booking.reports.data import practice
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import UserFactory

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
