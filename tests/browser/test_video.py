"""The LiveKit join page in a real browser, at desktop and phone size: a client
follows the join link from their email shortly before the session, presses Join
and is given the server address and access code (LiveKit faked at its HTTP edge).
axe finds nothing, and no page is wider than the screen."""

import pytest

from booking.core import tokens
from booking.core.models import BookingToken
from booking.video.models import VideoRoom
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.booking.video.conftest import SECRET, FakeLiveKit, starting_in
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import ConsultantFactory, build_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def livekit(settings):
    server = FakeLiveKit()
    settings.LIVEKIT_URL = server.url
    settings.LIVEKIT_API_KEY = "haven-key"
    settings.LIVEKIT_API_SECRET = SECRET
    settings.BOOKING_VIDEO_PROVIDER = "auto"
    settings.LIVEKIT_MEET_URL = ""
    yield server
    server.close()


def check(page, shoot, step):
    shoot(page, step)
    assert axe_violations(page) == [], step
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{step} is wider than the screen"
    )


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_client_joins_their_video_session(
    live_server, browser, shoot, livekit, screen
):
    build_site()
    consultant = ConsultantFactory(name="Maya Stone")
    booking = confirmed_booking(
        service=free_service(consultant, title="Online counselling"),
        client_email="ada@example.com",
    )
    booking = starting_in(booking, 5)
    raw = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.goto(f"{live_server.url}/book/manage/{raw}/")
    page.get_by_role("link", name="Join the session").click()
    page.get_by_role("heading", name="Join your video session").wait_for()
    check(page, shoot, f"{screen}-join-page")
    page.get_by_role("button", name="Join the session").click()
    page.get_by_role("heading", name="Your room is ready").wait_for()
    assert page.get_by_label("Server address").input_value() == livekit.url
    assert page.get_by_label("Access code").input_value().count(".") == 2  # a JWT
    check(page, shoot, f"{screen}-room-ready")
    assert livekit.methods() == ["CreateRoom"]
    assert VideoRoom.objects.get().created_at is not None
    context.close()
