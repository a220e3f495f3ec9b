"""A separate frontend's sockets, signed in by the client's API access token
offered as a subprotocol: they hear that client's events only (on the
in-memory and the Redis layer), from any origin, whatever cookies ride along;
missing, bad, expired, foreign and signed-out tokens are closed with 4401."""

from datetime import timedelta

import jwt
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from booking.accounts import api_tokens
from booking.accounts.models import ClientAccount
from booking.lifecycle import services as lifecycle
from booking.messaging import services
from booking.messaging.models import Side
from booking.web import socket_auth
from config.asgi import application
from tests.booking.messaging.test_sockets import NOTHING, second_booking, staff
from tests.channels_testing import WebsocketCommunicator, hang_up
from tests.factories import member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

FRONTEND = (b"origin", b"https://app.example.net")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def pair_for(email: str) -> dict:
    account, _ = ClientAccount.objects.get_or_create(email=email)
    return api_tokens.issue_pair(account)


async def open_with(path: str, token: str | None, headers=(FRONTEND,)):
    """(communicator, the subprotocol answered, close code and reason if refused)."""
    protocols = [socket_auth.BEARER] + ([token] if token else [])
    communicator = WebsocketCommunicator(
        application, path, headers=list(headers), subprotocols=protocols
    )
    connected, subprotocol = await communicator.connect()
    assert connected, "a token socket is answered, then closed with a code"
    if await communicator.receive_nothing(timeout=0.05):
        return communicator, subprotocol, None
    output = await communicator.receive_output()
    await hang_up(communicator)
    return communicator, subprotocol, (output.get("code"), output.get("reason"))


async def test_a_token_socket_hears_its_client_only_from_any_origin(layer, booking):
    other = await sync_to_async(second_booking)()
    ada = (await sync_to_async(pair_for)("ada@example.com"))["access"]
    bob = (await sync_to_async(pair_for)("bob@example.com"))["access"]
    mine = await sync_to_async(services.open_conversation)(booking=booking)
    theirs = await sync_to_async(services.open_conversation)(booking=other)

    sockets = {}
    for name, token, path in [
        ("ada updates", ada, "/ws/booking-updates/"),
        ("ada notices", ada, "/ws/notifications/"),
        ("ada chat", ada, f"/ws/chat/{mine.pk}/"),
        ("bob updates", bob, "/ws/booking-updates/"),
        ("bob notices", bob, "/ws/notifications/"),
    ]:
        sockets[name], subprotocol, refused = await open_with(path, token)
        assert refused is None, name
        assert subprotocol == "haven.bearer"  # never the token itself
    # Ada's token does not open Bob's conversation.
    _, _, refused = await open_with(f"/ws/chat/{theirs.pk}/", ada)
    assert refused[0] == 4403

    desk = await sync_to_async(member)("Booking admins", username="desk")
    await sync_to_async(lifecycle.approve)(booking=booking, actor=desk)
    event = await sockets["ada updates"].receive_json_from(timeout=2)
    assert (event["reference"], event["status"]) == (booking.reference, "approved")
    await sync_to_async(services.post_message)(
        conversation=mine, sender=Side.CONSULTANT, body="see you on Monday"
    )
    notice = await sockets["ada notices"].receive_json_from(timeout=2)
    assert notice["conversation"] == mine.pk and "Monday" not in str(notice)
    message = await sockets["ada chat"].receive_json_from(timeout=2)
    assert message["body"] == "see you on Monday"
    for name in ("bob updates", "bob notices"):
        assert await sockets[name].receive_nothing(timeout=NOTHING), name

    await sync_to_async(lifecycle.approve)(booking=other, actor=desk)
    assert (await sockets["bob updates"].receive_json_from(timeout=2))["status"]
    assert await sockets["ada updates"].receive_nothing(timeout=NOTHING)
    for socket in sockets.values():
        await socket.disconnect()


async def test_a_token_socket_ignores_the_cookies_that_ride_along(booking):
    """A booking admin's browser opening a socket with a client's token hears
    that client, not every booking: the session is not read."""
    other = await sync_to_async(second_booking)()
    desk = await sync_to_async(member)("Booking admins", username="desk")
    browser = await sync_to_async(staff)(desk)
    jar = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())
    ada = (await sync_to_async(pair_for)("ada@example.com"))["access"]
    socket, _, refused = await open_with(
        "/ws/booking-updates/", ada, headers=[(b"cookie", jar.encode()), FRONTEND]
    )
    assert refused is None
    await sync_to_async(lifecycle.approve)(booking=other, actor=desk)
    assert await socket.receive_nothing(timeout=NOTHING)
    await socket.disconnect()


def expired_token(email: str) -> str:
    account, _ = ClientAccount.objects.get_or_create(email=email)
    token = api_tokens.ClientAccess()
    token[api_tokens.ACCOUNT] = account.pk
    token[api_tokens.EPOCH] = account.session_epoch
    token.set_exp(lifetime=-timedelta(minutes=1))
    return str(token)


def signed_out_token(email: str) -> str:
    pair = pair_for(email)
    api_tokens.revoke(pair["refresh"], everywhere=True)
    return pair["access"]


def foreign_tokens(email: str) -> dict:
    account, _ = ClientAccount.objects.get_or_create(email=email)
    claims = {
        "token_type": "client_access",
        "client_account": account.pk,
        "epoch": account.session_epoch,
        "exp": 4102444800,
        "jti": "x",
    }
    user = member("Booking admins", username="desk")
    return {
        "signed with another key": jwt.encode(
            claims, "a-key-that-is-not-haven-s-own-signing-key", "HS256"
        ),
        "a staff user's simplejwt token": str(AccessToken.for_user(user)),
        "a refresh token": pair_for(email)["refresh"],
        "not a token at all": "hello",
    }


async def test_missing_bad_expired_foreign_and_signed_out_tokens_are_refused(booking):
    tokens = {
        "expired": await sync_to_async(expired_token)("ada@example.com"),
        "signed out everywhere": await sync_to_async(signed_out_token)(
            "ada@example.com"
        ),
        **await sync_to_async(foreign_tokens)("ada@example.com"),
    }
    for name, token in tokens.items():
        socket, subprotocol, refused = await open_with("/ws/notifications/", token)
        assert refused is not None and refused[0] == 4401, name
        assert subprotocol == "haven.bearer", name
        assert token not in (refused[1] or ""), name
    _, _, refused = await open_with("/ws/notifications/", "")
    assert refused == (4401, "Send your access token after “haven.bearer”.")
    _, _, refused = await open_with("/ws/notifications/", tokens["expired"])
    assert refused[1] == "This access token has expired. Sign in again."
    _, _, refused = await open_with(
        "/ws/notifications/", tokens["signed out everywhere"]
    )
    assert refused[1] == "You have been signed out. Sign in again."


async def test_a_socket_stops_when_its_token_expires(booking, monkeypatch):
    ada = (await sync_to_async(pair_for)("ada@example.com"))["access"]
    socket, _, refused = await open_with("/ws/booking-updates/", ada)
    assert refused is None
    later = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=1)
    now = socket_auth.clock()
    monkeypatch.setattr(socket_auth, "clock", lambda: now + later.total_seconds())
    desk = await sync_to_async(member)("Booking admins", username="desk")
    await sync_to_async(lifecycle.approve)(booking=booking, actor=desk)
    closed = await socket.receive_output(timeout=2)
    assert closed == {
        "type": "websocket.close",
        "code": 4401,
        "reason": "Your access token has expired. Sign in again.",
    }


async def test_a_session_socket_from_another_origin_is_still_refused(booking):
    """Sockets that ride on cookies keep the Origin check."""
    desk = await sync_to_async(member)("Booking admins", username="desk")
    browser = await sync_to_async(staff)(desk)
    jar = "; ".join(f"{k}={v.value}" for k, v in browser.cookies.items())
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"cookie", jar.encode()), FRONTEND],
    )
    connected, _ = await communicator.connect()
    await hang_up(communicator)
    assert not connected
