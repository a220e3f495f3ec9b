"""axe-core over every admin screen Haven adds (issue 19): the screens are read
from the URL resolver the way the role sweep reads them (a new screen is checked
without editing this file), filled with the role sweep's practice, opened in
Chromium as a booking admin and as a consultant, and checked for critical and
serious violations. Wagtail's own screens (pages, images, users...) are
Wagtail's to answer for; fragments, downloads and POST-only addresses are not
pages. Screenshots go to test-artifacts/browser/test_admin_screens_pass_axe/.

Slow (about two minutes): it runs once, in .ci/run's PostgreSQL pass."""

import pytest
from django.test import Client

from tests.booking.admin.sweep_practice import build_practice
from tests.booking.admin.test_role_sweep import CASES, argument_sets, url_for
from tests.browser.conftest import ARTIFACTS, SCREENS, axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
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


@pytest.mark.parametrize("role", ["booking_admin", "consultant_a"])
def test_admin_screens_pass_axe(browser, live_server, role, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BOOKING_SPREADSHEET_ROOT = tmp_path / "private"
    practice = build_practice()
    pages = pages_for(practice, role)
    assert len(pages) >= (25 if role == "booking_admin" else 6), sorted(pages)

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
            found[f"{name} {url}"] = problems
    context.close()

    assert not found, found
