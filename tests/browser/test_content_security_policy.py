"""The public site and the admin work under Haven's Content-Security-Policy in a
real browser: the `page` fixture fails any test whose pages had something blocked
by it, and this test walks the pages that use the most script."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import build_site, publish_consultant_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def profile(transactional_db):
    _, team, _ = build_site()
    get_user_model().objects.create_superuser(
        "editor", "editor@example.org", "correct horse"
    )
    return publish_consultant_page(team, "Maya Stone")


def test_public_pages_and_the_admin_work_under_the_policy(
    page, live_server, profile, shoot
):
    page.goto(f"{live_server.url}{profile.url}")
    page.get_by_role("heading", name="Maya Stone").first.wait_for()
    shoot(page, "consultant-page")

    # The API's browsable docs: Swagger UI from local files, under the public policy.
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info").wait_for()
    shoot(page, "api-docs")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main menu").wait_for()

    # The page editor: Wagtail's React sidebar, rich text, choosers and the
    # date widgets' inline scripts.
    page.goto(f"{live_server.url}/admin/pages/{profile.pk}/edit/")
    page.locator("form[data-edit-form]").wait_for()
    shoot(page, "page-editor")
    page.get_by_role("button", name="Choose an image").first.click()
    page.get_by_role("dialog").get_by_text("Upload").first.wait_for()
    shoot(page, "image-chooser")
    page.keyboard.press("Escape")

    for path in ("/admin/bookings/booking/", "/admin/images/", "/admin/reports/"):
        page.goto(f"{live_server.url}{path}")
        page.locator("main").wait_for()
    shoot(page, "admin")
