"""The public site in a real browser, on the demo content: from the home page's "Book
a session" to a consultant's service and its times, at desktop and phone size, and
axe-core on every public page at both sizes."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import include, path, re_path
from django.views.static import serve

from tests.browser.conftest import SCREENS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def media(request, path):
    """The demo's drawn portraits, served as `bin/run` serves them (DEBUG)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


# Haven's URLs plus the uploaded images, which production serves from elsewhere.
urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", media),
    path("", include("config.urls")),
]
handler400 = "config.errors.bad_request"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"


@pytest.fixture
def demo(transactional_db, settings):
    """The demo as `bin/run` loads it. An earlier transactional test's flush took
    the locale and root collection Wagtail's migrations made: made again here."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale

    settings.PAGE_CACHE_SECONDS = 0
    code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    Locale.objects.get_or_create(pk=1, defaults={"language_code": code})
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    call_command("load_initial_data", verbosity=0)


PUBLIC_PAGES = {
    "home": "/",
    "listing": "/consultants/",
    "consultant": "/consultants/dr-maya-lindqvist/",
    "article": "/articles/what-to-expect-from-your-first-counselling-session/",
    "about": "/about/",
    "privacy": "/privacy/",
    "find-my-booking": "/book/find/",
    "not-found": "/no-such-page/",
}


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_from_the_home_page_to_a_service_s_times(
    live_server, browser, shoot, demo, screen
):
    context = browser.new_context(**SCREENS[screen], timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url)
        shoot(page, f"{screen}-home")
        page.get_by_role("link", name="Book a session").click()

        page.get_by_role("heading", name="Our consultants", level=1).wait_for()
        # The style sheet decides what is visible: wait until it has applied.
        page.wait_for_load_state("load")
        filters = page.locator(".filters")
        # On a phone the filters wait behind the "Filter" button.
        assert filters.is_visible() == (screen == "desktop")
        if screen == "phone":
            shoot(page, f"{screen}-listing-filters-closed")
            page.locator("summary", has_text="Filter").click()
            assert filters.is_visible()
        maya = page.locator("article.consultant-card", has_text="Maya Lindqvist")
        assert re.search(r"from \d+\.\d\d EUR", maya.inner_text())
        assert "Next free" in maya.inner_text()
        shoot(page, f"{screen}-listing")
        maya.get_by_role("link", name="Book with Dr. Maya Lindqvist").click()

        page.get_by_role("heading", name="Choose a session").wait_for()
        shoot(page, f"{screen}-consultant")
        card = page.locator(".service-card", has_text="Individual counselling")
        assert "Next free:" in card.inner_text()
        card.get_by_role("link", name="Choose Individual counselling").click()

        page.wait_for_url(re.compile(r"/book/\d+/individual-counselling/"))
        page.get_by_text("Individual counselling").first.wait_for()
        shoot(page, f"{screen}-slots")
    finally:
        context.close()


@pytest.mark.urls(__name__)
def test_public_pages_have_no_axe_violations_on_desktop_and_phone(
    live_server, browser, shoot, demo
):
    found = {}
    for screen in ("desktop", "phone"):
        context = browser.new_context(**SCREENS[screen])
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, url in PUBLIC_PAGES.items():
            page.goto(live_server.url + url)
            if name in ("article", "about", "not-found"):
                shoot(page, f"{screen}-{name}")
            # Images are really served (drawn portraits, not broken links).
            broken = page.evaluate(
                "() => [...document.images].filter(i => !i.naturalWidth).length"
            )
            violations = axe_violations(page)
            if violations or broken:
                found[f"{screen} {name}"] = violations + [f"{broken} broken images"]
        context.close()

    assert not found, found
