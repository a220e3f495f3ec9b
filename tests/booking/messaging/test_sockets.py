"""The WebSockets: a socket only ever receives what its user may see. Run on
the in-memory channel layer, and on the Redis layer (marked slow): the Redis at
CHANNEL_REDIS_URL, else at 127.0.0.1:6379; skipped only when none answers."""

import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.conf import settings
from django.test import Client

from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services as lifecycle
from booking.messaging import services
from booking.messaging.models import Side
from config.asgi import application
from tests.channels_testing import (
    WebsocketCommunicator,
    hang_up,
    redis_layer,
    redis_url,
)
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture
def anyio_backend():
    return "asyncio"


NOTHING = 0.3


def cookies_of(client: Client | None) -> list:
    origin = (b"origin", b"http://testserver")
    if client is None:
        return [origin]
    jar = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    return [(b"cookie", jar.encode()), origin]


async def connect(path: str, client: Client | None = None):
    """(communicator, allowed, close code when refused)."""
    communicator = WebsocketCommunicator(application, path, headers=cookies_of(client))
    connected, _ = await communicator.connect()
    if not connected:  # refused before the handshake (no Origin, say)
        await hang_up(communicator)
        return communicator, False, None
    if await communicator.receive_nothing(timeout=0.05):
        return communicator, True, None
    output = await communicator.receive_output()
    await hang_up(communicator)
    return communicator, False, output.get("code")


def client_with_link(booking) -> Client:
    browser = Client()
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    browser.get(f"/book/manage/{token}/messages/")
    return browser


def second_booking():
    consultant = ConsultantFactory()
    consultant.user = member("Consultants", username="dr-b")
    consultant.save()
    service = ServiceFactory(consultants=[consultant], requires_approval=True)
    _, token = make_draft(
        consultant=consultant, service=service, client_email="bob@example.com"
    )
    return lifecycle.verify_email(token=token)


async def consultant_of(booking) -> Client:
    return await sync_to_async(lambda: staff(booking.consultant.user))()


def staff(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


async def test_chat_events_reach_the_two_parties_and_nobody_else(layer, booking):
    other = await sync_to_async(second_booking)()
    ada = await sync_to_async(client_with_link)(booking)
    bob = await sync_to_async(client_with_link)(other)
    conversation = await sync_to_async(services.open_conversation)(booking=booking)
    path = f"/ws/chat/{conversation.pk}/"

    ada_socket, ok, _ = await connect(path, ada)
    assert ok
    lee = await consultant_of(booking)
    lee_socket, ok, _ = await connect(path, lee)
    assert ok
    # Bob (a client with a link of his own), the other consultant and nobody
    # at all are refused this conversation's socket.
    for browser in (bob, await consultant_of(other), None):
        _, ok, code = await connect(path, browser)
        assert not ok and code == 4403
    theirs = await sync_to_async(services.open_conversation)(booking=other)
    bob_socket, ok, _ = await connect(f"/ws/chat/{theirs.pk}/", bob)
    assert ok

    await sync_to_async(services.post_message)(
        conversation=conversation, sender=Side.CLIENT, body="hello Dr Lee"
    )
    for socket in (ada_socket, lee_socket):
        event = await socket.receive_json_from(timeout=2)
        assert event["type"] == "message" and event["body"] == "hello Dr Lee"
    assert await bob_socket.receive_nothing(timeout=NOTHING)

    await ada_socket.send_json_to({"type": "typing"})
    assert (await lee_socket.receive_json_from(timeout=2))["type"] == "typing"
    await lee_socket.send_json_to({"type": "read"})
    assert (await ada_socket.receive_json_from(timeout=2)) == {
        "type": "read",
        "reader": "consultant",
    }
    assert await bob_socket.receive_nothing(timeout=NOTHING)
    for socket in (ada_socket, lee_socket, bob_socket):
        await socket.disconnect()


async def test_booking_updates_reach_only_those_who_may_see_the_booking(layer, booking):
    other = await sync_to_async(second_booking)()
    desk = await sync_to_async(member)("Booking admins", username="desk")
    sockets = {}
    browsers = {
        "desk": await sync_to_async(staff)(desk),
        "lee": await consultant_of(booking),
        "other consultant": await consultant_of(other),
        "ada (status page)": Client(),
        "bob (status page)": Client(),
    }
    await sync_to_async(browsers["ada (status page)"].get)(
        f"/book/status/?reference={booking.reference}"
    )
    await sync_to_async(browsers["bob (status page)"].get)(
        f"/book/status/?reference={other.reference}"
    )
    for name, browser in browsers.items():
        sockets[name], ok, _ = await connect("/ws/booking-updates/", browser)
        assert ok, name
    _, ok, code = await connect("/ws/booking-updates/", Client())
    assert not ok and code == 4403

    await sync_to_async(lifecycle.approve)(booking=booking, actor=desk)
    for name in ("desk", "lee", "ada (status page)"):
        event = await sockets[name].receive_json_from(timeout=2)
        assert event["reference"] == booking.reference
        assert event["status"] == "approved"
    for name in ("other consultant", "bob (status page)"):
        assert await sockets[name].receive_nothing(timeout=NOTHING), name
    for socket in sockets.values():
        await socket.disconnect()


async def test_notifications_tell_the_recipient_only_and_carry_no_words(layer, booking):
    lee = await consultant_of(booking)
    other = await sync_to_async(second_booking)()
    them = await consultant_of(other)
    lee_socket, ok, _ = await connect("/ws/notifications/", lee)
    them_socket, ok2, _ = await connect("/ws/notifications/", them)
    assert ok and ok2
    conversation = await sync_to_async(services.open_conversation)(booking=booking)
    await sync_to_async(services.post_message)(
        conversation=conversation, sender=Side.CLIENT, body="private words"
    )
    event = await lee_socket.receive_json_from(timeout=2)
    assert event["conversation"] == conversation.pk
    assert "private words" not in str(event)
    assert await them_socket.receive_nothing(timeout=NOTHING)
    await lee_socket.disconnect()
    await them_socket.disconnect()


def test_the_embedded_default_is_the_in_memory_layer():
    if not (os.environ.get("CHANNEL_REDIS_URL") or os.environ.get("REDIS_URL")):
        backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
        assert backend == "channels.layers.InMemoryChannelLayer"


@pytest.mark.slow
async def test_a_quiet_socket_on_redis_still_hears_the_next_event(booking, settings):
    """Longer than Redis' blocking read (5 seconds) without an event, a socket
    still hears the next one: redis-py's default 5-second socket timeout used
    to drop it (config/channel_layer.py)."""
    url, why_not = redis_url()
    if url is None:
        pytest.skip(why_not)
    settings.CHANNEL_LAYERS = {"default": redis_layer(url)}
    channel_layers.backends.clear()
    socket, ok, _ = await connect("/ws/booking-updates/", await consultant_of(booking))
    assert ok
    assert await socket.receive_nothing(timeout=6.5, interval=0.5)
    desk = await sync_to_async(member)("Booking admins", username="desk")
    await sync_to_async(lifecycle.approve)(booking=booking, actor=desk)
    event = await socket.receive_json_from(timeout=3)
    assert event["reference"] == booking.reference
    await socket.disconnect()
    channel_layers.backends.clear()
