"""Faults with a real django-q2 cluster in other processes, on the ORM broker and,
when Redis answers, the Redis broker: the provider down for a while, a worker
killed while sending, one task enqueued twice, the reminder sweep run many times.
In every case each email reaches the (fake) provider exactly once.

The cluster uses the test's database (a file on SQLite, see tests/conftest.py)
and tests/qcluster_settings.py; the provider is tests/fake_esp.py."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from booking.core.models import Booking
from booking.notifications import outbox
from booking.notifications.models import OutboxEmail
from tests import fake_esp
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.factories import ConsultantFactory

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
Status = OutboxEmail.Status
Kind = OutboxEmail.Kind

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def redis_answers() -> bool:
    try:
        return redis.from_url(REDIS_URL, socket_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture(
    params=[
        "orm",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not redis_answers(), reason=f"Redis does not answer at {REDIS_URL}"
            ),
        ),
    ]
)
def broker(request, monkeypatch, settings):
    """This process enqueues where the cluster will look: the same broker, under
    a cluster name of its own (so parallel runs sharing a Redis keep apart)."""
    name = f"haven-faults-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    if request.param == "redis":
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    settings.OUTBOX_CLAIM_SECONDS = 4
    settings.OUTBOX_RETRY_DELAY_SECONDS = 0.1
    settings.OUTBOX_MAX_ATTEMPTS = 100
    yield {"kind": request.param, "name": name}
    if request.param == "redis":
        redis.from_url(REDIS_URL).delete(f"django_q:{name}:q")


@pytest.fixture
def provider(tmp_path):
    fake_esp.set_mode(tmp_path, fake_esp.UP)
    return tmp_path


def database_for_cluster() -> str:
    db = connection.settings_dict
    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    return json.dumps({key: db[key] for key in keys if key in db})


@contextmanager
def qcluster(broker, provider):
    """A real `manage.py qcluster`, stopped (and if need be killed) on exit."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.qcluster_settings",
        "FAULT_TEST_DATABASE": database_for_cluster(),
        "FAULT_TEST_CLUSTER": broker["name"],
        "FAULT_TEST_REDIS": REDIS_URL if broker["kind"] == "redis" else "",
        "FAKE_ESP_DIR": str(provider),
    }
    log_path = provider / "qcluster.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "running" in log_path.read_text(), "the cluster to start")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition, what: str, *, timeout: float = 30, every=None):
    """Poll until `condition()` holds, calling `every()` (a sweep) in between."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}.")
        if every:
            every()
        time.sleep(0.2)


def all_sent() -> bool:
    return not OutboxEmail.objects.exclude(status=Status.SENT).exists()


def queue_empty(broker) -> bool:
    if broker["kind"] == "redis":
        return redis.from_url(REDIS_URL).llen(f"django_q:{broker['name']}:q") == 0
    return not OrmQ.objects.exists()


def assert_each_email_accepted_once(provider):
    accepted = Counter(record["outbox_id"] for record in fake_esp.accepted(provider))
    emails = set(OutboxEmail.objects.values_list("pk", flat=True))
    assert emails, "the test wrote no emails"
    assert set(accepted) == emails
    assert set(accepted.values()) == {1}, f"sent more than once: {accepted}"


def test_provider_down_for_a_while_every_email_arrives_once(broker, provider):
    fake_esp.set_mode(provider, fake_esp.DOWN)
    with qcluster(broker, provider):
        service = free_service()
        for _ in range(3):
            confirmed_booking(service=service)
        # Each: verify your email, confirmed, and the consultant's copy.
        assert OutboxEmail.objects.count() == 9

        wait_for(
            lambda: not OutboxEmail.objects.filter(attempts__lt=2).exists(),
            "every email to fail twice",
            every=outbox.retry_unsent,
        )
        assert fake_esp.accepted(provider) == []
        fake_esp.set_mode(provider, fake_esp.UP)
        wait_for(all_sent, "every email to be sent", every=outbox.retry_unsent)

    assert_each_email_accepted_once(provider)
    assert not OutboxEmail.objects.exclude(last_error="").exists()


def test_worker_killed_while_sending_loses_and_doubles_nothing(broker, provider):
    fake_esp.set_mode(provider, fake_esp.HANG)
    with qcluster(broker, provider):
        service = free_service()
        for _ in range(2):
            confirmed_booking(service=service)

        wait_for(lambda: list(provider.glob("sending-*")), "a send to begin")
        marker = next(provider.glob("sending-*"))
        killed_email = int(marker.read_text())
        os.kill(int(marker.name.removeprefix("sending-")), signal.SIGKILL)
        fake_esp.set_mode(provider, fake_esp.UP)

        wait_for(all_sent, "every email to be sent", every=outbox.retry_unsent)

    assert_each_email_accepted_once(provider)
    # The killed attempt counted; the email went out on a later one.
    assert OutboxEmail.objects.get(pk=killed_email).attempts >= 2


def test_the_same_task_enqueued_twice_sends_one_email(broker, provider):
    booking = confirmed_booking()  # its send tasks are enqueued on commit
    for email in booking.emails.all():
        outbox.enqueue_send(email.pk)
        outbox.enqueue_send(email.pk)

    with qcluster(broker, provider):
        wait_for(lambda: all_sent() and queue_empty(broker), "the queue to drain")
        time.sleep(1)  # let any task still in a worker finish

    assert_each_email_accepted_once(provider)


def test_the_reminder_sweep_run_many_times_sends_each_reminder_once(broker, provider):
    consultant = ConsultantFactory()
    one_to_one = free_service(consultant)
    group = free_service(consultant, capacity=3)
    now = timezone.now().replace(second=0, microsecond=0)
    # One session just inside the 24-hour window; the others hours into it, as
    # when no sweep ran while their window opened: they are caught up.
    for hours in (24, 22, 20):
        start = now + timedelta(hours=hours, minutes=5 if hours == 24 else 0)
        confirmed_booking(service=one_to_one, start=start)
    group_start = now + timedelta(hours=18)
    for _ in range(3):
        confirmed_booking(service=group, start=group_start)
    # Confirmed two days ago, long before the 24-hour window opened.
    earlier = timezone.now() - timedelta(days=2)
    OutboxEmail.objects.update(created_at=earlier, status=Status.SENT)
    Booking.objects.update(confirmed_at=earlier)

    for _ in range(8):
        async_task("booking.tasks.send_reminders")
    with qcluster(broker, provider):
        wait_for(lambda: all_sent() and queue_empty(broker), "the sweeps to finish")
        time.sleep(1)

    reminders = OutboxEmail.objects.filter(kind=Kind.REMINDER_24H)
    assert Counter(reminders.values_list("booking", flat=True)) == {
        booking.pk: 1 for booking in Booking.objects.all()
    }
    consultant_reminders = OutboxEmail.objects.filter(kind=Kind.CONSULTANT_REMINDER)
    assert consultant_reminders.count() == 4  # one per session
    group_reminder = consultant_reminders.get(
        occurrence=group_start.strftime("%Y%m%dT%H%M%SZ")
    )
    assert group_reminder.text_body.count(" (MS-") == 3
    sent = Counter(record["outbox_id"] for record in fake_esp.accepted(provider))
    assert sent == {email.pk: 1 for email in reminders | consultant_reminders}
