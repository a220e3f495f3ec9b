"""A fake email provider, faked at its network edge, for tests that run a real
django-q2 cluster in other processes
(tests/booking/notifications/test_outbox_faults.py).

It is anymail's test backend, except that each message the "provider" accepts is
appended to `accepted.jsonl` in FAKE_ESP_DIR, where every process can see it, and
that the file `mode` there makes the provider be up, down (every call fails), or
hang (each call waits, having written `sending-<pid>`, until the mode changes or
the process is killed)."""

import json
import os
import time
from pathlib import Path

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus

UP, DOWN, HANG = "up", "down", "hang"


def state_dir() -> Path:
    return Path(os.environ["FAKE_ESP_DIR"])


def mode() -> str:
    path = state_dir() / "mode"
    return path.read_text().strip() if path.exists() else UP


def set_mode(directory: Path, value: str) -> None:
    (directory / "mode.tmp").write_text(value)
    (directory / "mode.tmp").replace(directory / "mode")


def accepted(directory: Path) -> list[dict]:
    path = directory / "accepted.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


class EmailBackend(AnymailTestBackend):
    esp_name = "FakeESP"

    def post_to_esp(self, payload, message):
        if mode() == DOWN:
            raise AnymailAPIError("The provider is unavailable (fake outage).")
        if mode() == HANG:
            marker = state_dir() / f"sending-{os.getpid()}"
            marker.write_text(message.metadata["outbox_id"])
            while mode() == HANG:
                time.sleep(0.05)
        record = {
            "outbox_id": int(message.metadata["outbox_id"]),
            "to": payload.recipient_emails,
            "subject": message.subject,
            "body": message.body,
            "tags": message.tags,
            "pid": os.getpid(),
        }
        with open(state_dir() / "accepted.jsonl", "a") as log:
            log.write(json.dumps(record) + "\n")
        message_id = f"fake-{record['outbox_id']}-{time.monotonic_ns()}"
        status = AnymailRecipientStatus(message_id=message_id, status="sent")
        return {"recipient_status": {to: status for to in payload.recipient_emails}}
