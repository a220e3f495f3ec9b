"""Secure messages and live updates in real browsers (issue 24): a client and
their consultant, in two browser contexts, exchange messages that appear without
reloading; the emails carry no words; a booking admin's approval updates the
client's open status page. Served by uvicorn (HTTP and WebSockets, one process,
the in-memory channel layer), as production serves with uvicorn's workers."""

import importlib.util
import re
import socket
import threading
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services
from booking.messaging.models import Conversation, Message
from tests.browser.conftest import SCREENS, axe_violations
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WS_LIBRARY = any(importlib.util.find_spec(m) for m in ("websockets", "wsproto"))
FIRST = "I have been sleeping badly since the move."
REPLY = "Thank you for telling me. Let us start there on Monday."


@pytest.fixture
def asgi_server(transactional_db):
    """Haven's ASGI application under uvicorn in a thread (static files from the
    finders, as pytest-django's live server serves them)."""
    if not WS_LIBRARY:
        pytest.skip("uvicorn needs a WebSocket library: pip install websockets")
    import uvicorn
    from channels.layers import channel_layers
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from config.asgi import application

    channel_layers.backends.clear()
    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": application.application_mapping["websocket"],
        }
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def request_to_approve(transactional_db):
    maya = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    maya.user = member("Consultants", username="maya", first_name="Maya")
    maya.save()
    service = ServiceFactory(
        title="Counselling", consultants=[maya], requires_approval=True
    )
    start = (timezone.now() + timedelta(days=5)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    _, token = make_draft(
        consultant=maya,
        service=service,
        start=start,
        client_name="Ada Lovelace",
        client_email="ada@example.com",
    )
    member("Booking admins", username="frontdesk")
    return services.verify_email(token=token)


def new_page(browser, screen="desktop"):
    context = browser.new_context(**SCREENS[screen], timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security" in m.text else None,
    )
    return page, refused


def sign_in(page, url, username):
    page.goto(f"{url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/admin/$"))


def live(page):
    # An attribute selector, not wait_for_function: the page's Content Security
    # Policy refuses the eval Playwright's polling predicate needs.
    page.locator("html[data-live='open']").wait_for(state="attached")
    page.evaluate("window.notReloaded = true")


def test_client_and_consultant_talk_live_and_an_approval_reaches_the_client(
    asgi_server, request_to_approve, browser, shoot
):
    booking, url = request_to_approve, asgi_server
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    ada, ada_refused = new_page(browser, "phone")
    ada.goto(f"{url}/book/manage/{token}/messages/")
    ada.get_by_role("heading", name="Messages with Maya Stone").wait_for()
    live(ada)

    maya, maya_refused = new_page(browser)
    sign_in(maya, url, "maya")
    maya.get_by_role("link", name="Messages").first.click()
    maya.get_by_role("heading", name="Messages").first.wait_for()
    # Ada's visit opened the conversation; its id is not 1 after earlier tests.
    conversation = Conversation.objects.get(
        client_email="ada@example.com", consultant=booking.consultant
    )
    conversation_url = f"{url}/admin/messages/{conversation.pk}/"
    maya.goto(conversation_url)
    live(maya)

    ada.get_by_label("Your message").fill(FIRST)
    ada.get_by_role("button", name="Send").click()
    maya.get_by_text(FIRST).wait_for()
    ada.get_by_text(FIRST).wait_for()
    maya.get_by_label("Your message").fill(REPLY)
    maya.get_by_role("button", name="Send").click()
    ada.get_by_text(REPLY).wait_for()
    # Messages that arrive live show their time as the page writes it: to the
    # minute, in the viewer's zone (Ada's booking's; Maya's admin zone).
    for page, words, zone in [
        (ada, REPLY, booking.client_time_zone),
        (maya, FIRST, settings.TIME_ZONE),
    ]:
        sent = Message.objects.get(body=words).created_at.astimezone(ZoneInfo(zone))
        shown = page.locator(".msg", has_text=words).locator("time").inner_text()
        assert shown == f"{sent.day} {sent:%b %Y, %H:%M}", (shown, zone)
    # Maya's page read Ada's message as it arrived: Ada sees the receipt.
    ada.locator(".msg--mine .msg__read", has_text="Read").wait_for()
    assert ada.evaluate("window.notReloaded") and maya.evaluate("window.notReloaded")

    shoot(ada, "client-conversation-phone")
    assert axe_violations(ada) == []
    ada.set_viewport_size(SCREENS["desktop"]["viewport"])
    shoot(ada, "client-conversation-desktop")
    assert axe_violations(ada) == []
    shoot(maya, "consultant-conversation-desktop")
    assert axe_violations(maya, impacts=("critical", "serious")) == []
    maya.set_viewport_size(SCREENS["phone"]["viewport"])
    shoot(maya, "consultant-conversation-phone")

    notices = [m for m in mail.outbox if "new" in m.subject and "message" in m.subject]
    assert {m.to[0] for m in notices} == {"ada@example.com", booking.consultant.email}
    for email in notices:
        for words in (FIRST, REPLY):
            assert words not in email.body
            assert words not in email.alternatives[0][0]

    # Ada keeps her booking's status page open; the desk approves.
    ada.goto(f"{url}/book/status/?reference={booking.reference}")
    ada.locator(".status--pending").wait_for()
    live(ada)
    desk, desk_refused = new_page(browser)
    sign_in(desk, url, "frontdesk")
    desk.get_by_role("button", name=f"Approve {booking.reference}").click()
    desk.get_by_text(f"Approved booking {booking.reference}").wait_for()
    ada.locator(".status--approved").wait_for()
    shoot(ada, "status-updated-live")

    assert not (ada_refused or maya_refused or desk_refused)
    for page in (ada, maya, desk):
        page.context.close()
