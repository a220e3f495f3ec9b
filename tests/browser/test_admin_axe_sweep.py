"""axe-core over every admin screen Haven adds (issue 19): the screens are read
from the URL resolver the way the role sweep reads them (a new screen is checked
without editing this file), filled with the role sweep's practice, opened in
Chromium as a booking admin and as a consultant, and checked for critical and
serious violations. Wagtail's own screens (pages, images, users...) are
Wagtail's to answer for; fragments, downloads and POST-only addresses are not
pages. Screenshots go to test-artifacts/browser/test_admin_screens_pass_axe/.

Long (about 55 screens at some 25 s each on the 2-core machine, over 20 minutes), so
it runs on purpose only, with HAVEN_AXE_SWEEP=1 and `bin/test --slow` (README,
"Tests and CI"). Why a screen takes that long is not known yet."""

import os

import pytest
from django.test import Client

from tests.booking.admin.sweep_practice import build_practice
from tests.booking.admin.test_role_sweep import CASES, argument_sets, url_for
from tests.browser.conftest import ARTIFACTS, SCREENS, axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("HAVEN_AXE_SWEEP"),
        reason="over 20 minutes: run with HAVEN_AXE_SWEEP=1 bin/test --slow",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Wagtail's own screens, and Django's.
WAGTAILS = (
    "admin/pages/",
    "admin/images/",
    "admin/documents/",
    "admin/users/",
    "admin/groups/",
    "admin/sites/",
    "admin/collections/",
    "admin/workflows/",
    "admin/redirects/",
    "admin/snippets/",
    "admin/reports/",
    "admin/locales/",
    "admin/bulk/",
    "admin/api/",
    "admin/tag",
    "admin/editing",
    "admin/account/",
    "admin/password",
    "admin/login/",
    "admin/logout/",
    "admin/jsi18n/",
    "admin/choose",
    "admin/searchpicks/",
    "admin/forms/",
    "admin/embeds/",
    "admin/sharing/",
    "admin/dismissibles/",
    "admin/generic",
    "admin/active",
    "admin/test404/",
    "admin/block-preview/",
    "admin/sprite/",
    "admin/workflow",
)
# Parts of a route that mark a fragment, a download or an address that only acts.
NOT_PAGES = (
    "results/",
    "/status/",
    "/download/",
    ".csv",
    "calendar-feed",
    "panels",
    "/undo/",
    "/read/",
    "usage/",
    "reorder/",
    "retry",
    "preview/",
    "/publish/",
    "/hide/",
    "/resend/",
    "/revoke/",
    "/connect/",
    # Wagtail's own history and delete-confirmation templates, whoever registers them.
    "history/",
    "delete/",
)


def haven_screens() -> list:
    return [
        case
        for case in CASES
        if case.route.startswith("admin/")
        and not case.route.startswith(WAGTAILS)
        and not any(part in case.route for part in NOT_PAGES)
        and case.name
    ]


def pages_for(practice, role: str) -> dict[str, str]:
    """Each screen's address for this role, where it answers with a page."""
    client = Client()
    client.force_login(practice.users[role])
    found = {}
    for case in haven_screens():
        try:
            url = url_for(case, argument_sets(practice, role, case)[0])
        except (AssertionError, IndexError):
            continue
        response = client.get(url)
        kind = response.get("Content-Type", "")
        if response.status_code == 200 and kind.startswith("text/html"):
            found[case.id] = url
    return found


def test_admin_screens_pass_axe(browser, live_server, tmp_path, settings):
    """One practice for both roles: a booking admin, then a consultant."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"
    practice = build_practice()
    found = {}
    for role, at_least in (("booking_admin", 25), ("consultant_a", 6)):
        pages = pages_for(practice, role)
        assert len(pages) >= at_least, (role, sorted(pages))
        found.update(axe_each(browser, live_server, practice, role, pages))

    assert not found, found


def axe_each(browser, live_server, practice, role: str, pages: dict) -> dict:
    """Critical and serious violations on each page, opened as `role`."""
    signed_in = Client()
    signed_in.force_login(practice.users[role])
    context = browser.new_context(**SCREENS["desktop"])
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": signed_in.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    folder = ARTIFACTS / f"test_admin_screens_pass_axe[{role}]"
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for number, (name, url) in enumerate(sorted(pages.items()), start=1):
        page.goto(f"{live_server.url}{url}")
        page.locator("main").first.wait_for()
        page.screenshot(path=folder / f"{number:02d}-{name[:60]}.png")
        problems = axe_violations(page, impacts=("critical", "serious"))
        if problems:
            found[f"{role}: {name} {url}"] = problems
    context.close()
    return found
