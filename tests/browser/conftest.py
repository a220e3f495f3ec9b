"""Browser tests: Playwright for Python driving Debian's Chromium (never a browser
Playwright downloads) against pytest-django's live server. Screenshots of each step
go to test-artifacts/browser/."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def pytest_collection_modifyitems(config, items):
    missing = None
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            missing = "playwright is missing: pip install -r requirements-dev.txt"
    for item in items:
        if "browser" in item.keywords and missing:
            item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API keeps an event loop in
    this thread while it runs; the ORM calls the tests (and their database set-up)
    make here are still ordinary synchronous ones, so Django is told so for exactly
    that long."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    """A fresh browser tab for a visitor in New York (the consultants are not)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    # Every browser test also proves the pages it saw work under Haven's CSP.
    assert not refused, f"blocked by the Content-Security-Policy: {refused}"


@pytest.fixture
def shoot(request):
    """shoot(page, "step") saves a full-page screenshot named after the test."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 100))

    def take(page, step: str):
        page.screenshot(path=folder / f"{next(count):02d}-{step}.png", full_page=True)

    return take


def axe_violations(page, *, impacts=("critical", "serious", "moderate", "minor")):
    """axe-core's violations on the page as it is now, of the given impacts, as
    readable lines (rule, impact, where). axe-core is served from the installed
    axe-playwright-python package, never from a CDN."""
    from axe_playwright_python.sync_playwright import Axe

    # Colours are judged once transitions have ended (Wagtail's messages fade in).
    page.evaluate(
        "() => Promise.all(document.getAnimations()"
        ".map(a => a.finished.catch(() => 0)))"
    )
    results = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in impacts
    ]


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# browser.new_context(**SCREENS[name]) for a desktop or a phone.
SCREENS = {
    "desktop": {"viewport": DESKTOP},
    "phone": {
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
