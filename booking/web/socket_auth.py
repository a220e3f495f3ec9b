"""The WebSockets' sign-in by the API's JWT (issue 24), for a separate frontend
that has no Haven session cookie: it offers the signed-in client's access token
(`POST /api/v1/auth/token/`, booking.accounts.api_tokens) as a WebSocket
subprotocol after `haven.bearer`:

    new WebSocket("wss://haven.example/ws/notifications/", ["haven.bearer", access])

The server answers with the subprotocol `haven.bearer`, never with the token.
The token travels in the handshake's `Sec-WebSocket-Protocol` header, not in
the URL, so it never lands in a server's access log as a query string would.

A socket that offers a token is that client's only: the browser's session is
not read for it. So the Origin check, which guards the sockets that ride on
cookies, is not needed for it (`OriginOrToken`), and a frontend on another
origin, or an app that sends no Origin, can connect. A missing, bad, expired,
foreign (another kind of token, or signed with another key) or signed-out
token is closed with 4401 and the reason; a socket whose token expires is
closed with 4401 at its next event (reconnect with a fresh token)."""

import time
from dataclasses import dataclass

from channels.security.websocket import AllowedHostsOriginValidator

from booking.accounts import api_tokens
from booking.core.errors import TokenError

BEARER = "haven.bearer"
UNAUTHENTICATED = 4401
EXPIRED = "Your access token has expired. Sign in again."

# The socket's clock (the tests move it).
clock = time.time


def offered_token(scope) -> str | None:
    """The access token a socket offers ('' when it names `haven.bearer` but
    brings no token), or None when it offers none."""
    protocols = [str(p) for p in scope.get("subprotocols") or ()]
    if BEARER not in protocols:
        return None
    others = [p for p in protocols if p != BEARER]
    return others[0] if others else ""


@dataclass(frozen=True)
class TokenSignIn:
    email: str = ""
    expires: float | None = None
    problem: str = ""


def sign_in(raw: str) -> TokenSignIn:
    """Who an offered access token signs in (database access: run it off the
    event loop), or why not."""
    if not raw:
        return TokenSignIn(problem="Send your access token after “haven.bearer”.")
    try:
        account = api_tokens.account_for_access(raw)
    except TokenError as error:
        return TokenSignIn(problem=error.message[:120])
    expires = api_tokens.ClientAccess(raw, verify=False)["exp"]
    return TokenSignIn(email=account.email, expires=float(expires))


def expired(expires: float | None) -> bool:
    return expires is not None and clock() >= expires


class OriginOrToken:
    """ALLOWED_HOSTS' Origin check for the sockets that ride on the session;
    none for those that bring a token (and never read the session)."""

    def __init__(self, app):
        self.app = app
        self.checked = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        if offered_token(scope) is not None:
            return await self.app(scope, receive, send)
        return await self.checked(scope, receive, send)
