"""LiveKit faked at its HTTP edge: a real HTTP server on 127.0.0.1 that speaks
the RoomService's Twirp protocol (protobuf in, protobuf out), checks the
server-to-server JWT livekit-api signs, and remembers every call."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from django.core.cache import cache
from django.utils import timezone
from livekit.protocol.models import Room
from livekit.protocol.room import (
    CreateRoomRequest,
    DeleteRoomRequest,
    DeleteRoomResponse,
)

from booking.core.models import Booking
from tests.booking.outbox_helpers import confirmed_booking
from tests.factories import ConsultantFactory, member

SECRET = "a-secret-long-enough-for-hs256-signing"
PREFIX = "/twirp/livekit.RoomService/"


class FakeLiveKit:
    def __init__(self):
        self.calls = []
        self.fail_with = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                bearer = self.headers["Authorization"].removeprefix("Bearer ")
                grants = jwt.decode(bearer, SECRET, algorithms=["HS256"])["video"]
                method = self.path.removeprefix(PREFIX)
                if method == "CreateRoom":
                    request = CreateRoomRequest.FromString(body)
                    assert grants.get("roomCreate")
                    answer = Room(name=request.name, sid="RM_fake").SerializeToString()
                elif method == "DeleteRoom":
                    request = DeleteRoomRequest.FromString(body)
                    assert grants.get("roomCreate")
                    answer = DeleteRoomResponse().SerializeToString()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                server.calls.append((method, request))
                if server.fail_with:
                    status, code = server.fail_with
                    payload = f'{{"code": "{code}", "msg": "fake"}}'.encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True
        ).start()

    def methods(self):
        return [method for method, _ in self.calls]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def livekit(settings):
    server = FakeLiveKit()
    settings.LIVEKIT_URL = server.url
    settings.LIVEKIT_API_KEY = "haven-key"
    settings.LIVEKIT_API_SECRET = SECRET
    settings.LIVEKIT_TOKEN_MINUTES = 15
    settings.BOOKING_VIDEO_PROVIDER = "auto"
    settings.BOOKING_VIDEO_JOIN_EARLY_MINUTES = 10
    cache.clear()
    yield server
    server.close()
    cache.clear()


@pytest.fixture
def consultant(db):
    consultant = ConsultantFactory()
    consultant.user = member("Consultants", username="dr-lee")
    consultant.save()
    return consultant


def starting_in(booking: Booking, minutes: float) -> Booking:
    """Move the session in time (the tests' clock): it starts in `minutes`."""
    start = timezone.now() + timedelta(minutes=minutes)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + booking.service.duration
    )
    booking.refresh_from_db()
    return booking


@pytest.fixture
def session(consultant):
    """A confirmed online session of ada@example.com starting in 5 minutes."""
    from tests.booking.outbox_helpers import free_service

    booking = confirmed_booking(
        service=free_service(consultant), client_email="ada@example.com"
    )
    return starting_in(booking, 5)


def wait_until(predicate, seconds=2.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()
