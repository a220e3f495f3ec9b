"""A calendar server for tests of outside calendars (booking.scheduling.feeds): a
real HTTP server on 127.0.0.1 in a thread, answering what the test sets, and
remembering the requests it got. Tests turn CALENDAR_FEEDS_ALLOW_PRIVATE on to
reach it (it is on loopback), except those about refusing it."""

import contextlib
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FeedServer:
    def __init__(self):
        self.body = b""
        self.status = 200
        self.headers = {}
        self.delay = 0.0
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests.append(dict(self.headers))
                if server.delay:
                    time.sleep(server.delay)
                if (
                    server.headers.get("ETag")
                    and self.headers.get("If-None-Match") == server.headers["ETag"]
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(server.status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(server.body)))
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(OSError):  # the reader gave up first
                    self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/private-abc123/basic.ics"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server(settings):
    settings.CALENDAR_FEEDS_ALLOW_PRIVATE = True
    settings.CALENDAR_FEEDS_TIMEOUT_SECONDS = 2
    server = FeedServer()
    yield server
    server.close()


def stamp(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%S}"


def calendar(*events: str) -> bytes:
    body = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Feeds//EN", *events]
        + ["END:VCALENDAR", ""]
    )
    return body.encode()


def event(uid: str, *lines: str) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines]
        + ["END:VEVENT"]
    )


def weekly(uid: str, first: datetime, minutes: int, zone: str, *extra: str) -> str:
    """A weekly event from `first` (a naive local time in `zone`)."""
    return event(
        uid,
        f"DTSTART;TZID={zone}:{stamp(first)}",
        f"DTEND;TZID={zone}:{stamp(first + timedelta(minutes=minutes))}",
        "RRULE:FREQ=WEEKLY",
        *extra,
    )


def all_day(uid: str, day: date) -> str:
    return event(
        uid,
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
    )
