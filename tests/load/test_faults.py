"""Faults under load, against gunicorn and a django-q2 cluster on PostgreSQL:
PostgreSQL restarted, the job cluster killed and started again, and Redis (job
broker and cache) stopped and started again. Requests may fail while a part is
down, always with an answer; afterwards everything works, no slot is held twice,
no booking is half-written, and every email goes out exactly once."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django_q.conf import Conf

from tests import fake_esp
from tests.booking.notifications.test_outbox_faults import wait_for
from tests.load import loadgen
from tests.load.checks import (
    assert_everything_written_whole,
    assert_nothing_lost_or_doubled,
)
from tests.load.servers import environment, free_port, haven, jobs, web

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@contextmanager
def load_in_background(plan: loadgen.Plan):
    """Runs the load while the block injects a fault; yields a list that holds
    the report once the load has finished (on leaving the block)."""
    reports = []
    runner = threading.Thread(target=lambda: reports.append(loadgen.run(plan)))
    runner.start()
    try:
        yield reports
    finally:
        runner.join()


def print_report(capsys, title, report, **marks):
    start = min(o.finished - o.seconds for o in report.outcomes)
    window = ", ".join(f"{name} at {at - start:.1f} s" for name, at in marks.items())
    with capsys.disabled():
        print(f"\n{title}: {len(report.outcomes)} requests ({window})")
        print(report.table())


# --- PostgreSQL restarted ---------------------------------------------------------


def postgresql_cluster() -> list[str] | None:
    """`pg_ctlcluster` arguments for the local server, when this user may
    restart it (CI runs as root on the machine that runs PostgreSQL)."""
    if os.geteuid() != 0 or not shutil.which("pg_lsclusters"):
        return None
    if connection.settings_dict["HOST"] not in ("127.0.0.1", "localhost", ""):
        return None
    lines = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True
    ).stdout.split("\n")
    online = [line.split() for line in lines if "online" in line]
    return online[0][:2] if len(online) == 1 else None


def postgresql_answers() -> bool:
    db = connection.settings_dict
    try:
        psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
        ).close()
        return True
    except psycopg.OperationalError:
        return False


def test_postgresql_restarted_mid_load(practice, provider, cluster, capsys):
    server = postgresql_cluster()
    if server is None:
        pytest.skip("needs root and one local PostgreSQL cluster to restart")
    practice.seconds = 40
    # Failed requests answer fast: a request budget would be spent during the
    # outage, leaving nothing to show the recovery. The time bound still holds.
    practice.max_requests = 50_000
    with haven(provider, cluster) as url:
        practice.base_url = url
        with load_in_background(practice) as reports:
            time.sleep(12)
            down = time.monotonic()
            subprocess.run(["pg_ctlcluster", *server, "restart", "-m", "fast"])
            wait_for(postgresql_answers, "PostgreSQL to come back")
            up = time.monotonic()
            connection.close()  # this process's connection died with the server
        report = reports[0]
        assert_nothing_lost_or_doubled(provider)

    print_report(capsys, "PostgreSQL restart", report, down=down, up=up)
    assert_everything_written_whole(report)
    failed = report.errors()
    # Only requests in flight around the restart failed, each with an answer.
    assert all(down - 1 <= o.finished <= up + 5 for o in failed), failed
    assert all(o.status is not None for o in failed), failed
    after = [o for o in report.outcomes if o.finished > up + 5]
    assert len(after) > 50 and all(o.status < 500 for o in after)


# --- the job cluster killed -------------------------------------------------------


def test_job_cluster_killed_mid_load_and_started_again(
    practice, provider, cluster, capsys
):
    env = environment(provider, cluster)
    practice.seconds = 30
    with web(env, provider) as url:
        practice.base_url = url
        with load_in_background(practice) as reports:
            with jobs(env, provider) as first:
                time.sleep(8)
                # Hold sends before the provider accepts them, so that the kill
                # lands mid-send (a kill after acceptance is the documented gap:
                # no idempotency at the provider).
                fake_esp.set_mode(provider, fake_esp.HANG)
                time.sleep(0.5)
                os.killpg(first.pid, signal.SIGKILL)
                killed = time.monotonic()
            fake_esp.set_mode(provider, fake_esp.UP)
            time.sleep(3)  # emails wait in the outbox meanwhile
            second = jobs(env, provider, log_name="qcluster-2.log")
            second.__enter__()
            restarted = time.monotonic()
        try:
            report = reports[0]
            assert_nothing_lost_or_doubled(provider)
        finally:
            second.__exit__(None, None, None)

    print_report(capsys, "job cluster", report, killed=killed, restarted=restarted)
    assert report.errors() == []
    assert_everything_written_whole(report)


# --- Redis down ---------------------------------------------------------------------


def start_redis(port: int, folder) -> subprocess.Popen:
    """A Redis of this test's own (the machine's is shared), on a fixed port so
    that it can be stopped and started again where clients expect it."""
    log_path = folder / f"redis-{time.monotonic_ns()}.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(port), "--save", ""]
            + ["--appendonly", "no", "--bind", "127.0.0.1"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for(lambda: "Ready to accept" in log_path.read_text(), "Redis to start")
    return server


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def redis_parts_ok(url: str) -> bool:
    checks = health(url)[1]["checks"]
    return checks["broker"]["ok"] and checks["cache"]["ok"]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_redis_down_mid_load_bookings_go_on_and_emails_follow(
    practice, provider, cluster, capsys, monkeypatch
):
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    # This process's sweeps enqueue where the cluster looks.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_url)
    practice.seconds = 35
    servers = [start_redis(port, provider)]
    try:
        extra = {"FAULT_TEST_REDIS": redis_url, "REDIS_URL": redis_url}
        with haven(provider, cluster, **extra) as url:
            practice.base_url = url
            with load_in_background(practice) as reports:
                time.sleep(8)
                stop(servers[0])
                down = time.monotonic()
                status, body = health(url)
                time.sleep(6)
                servers.append(start_redis(port, provider))
                up = time.monotonic()
                wait_for(lambda: redis_parts_ok(url), "Haven to reach Redis again")
            report = reports[0]
            assert_nothing_lost_or_doubled(provider)
    finally:
        for server in servers:
            stop(server)

    print_report(capsys, "Redis outage", report, down=down, up=up)
    # While Redis was down, /healthz said which parts failed...
    assert status == 503
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    # ...and visitors noticed nothing: pages, slots and bookings went on, and the
    # emails written meanwhile went out once Redis was back.
    assert report.errors() == []
    assert_everything_written_whole(report)
