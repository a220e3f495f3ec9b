"""Structured logs and error reports.

`JsonFormatter` writes one JSON object per record, for log collectors. Haven's own
log lines name bookings by reference and never carry a client's name, email or
notes; error reports to Sentry are sent without request bodies, cookies, headers
or user details, so a crash while handling a booking form does not ship the form.
"""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # exc_text first: the privacy filter (booking/redaction.py) masks it.
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(
                record.exc_info
            )
        return json.dumps(entry, default=str)


def without_personal_data(event: dict, hint=None) -> dict:
    """Sentry's `before_send`: keep where and what failed, drop who and what they
    typed."""
    request = event.get("request")
    if request:
        event["request"] = {
            key: request[key] for key in ("method", "url") if key in request
        }
        event["request"]["url"] = event["request"].get("url", "").split("?")[0]
    event.pop("user", None)
    for frame_list in _frames(event):
        for frame in frame_list:
            frame.pop("vars", None)
    return event


def _frames(event: dict):
    for exception in (event.get("exception") or {}).get("values", []):
        yield (exception.get("stacktrace") or {}).get("frames", [])
    for thread in (event.get("threads") or {}).get("values", []):
        yield (thread.get("stacktrace") or {}).get("frames", [])


def start_sentry(dsn: str, *, environment: str) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=without_personal_data,
    )
