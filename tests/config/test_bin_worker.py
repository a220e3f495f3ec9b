# ruff: noqa: F811  (pytest fixtures imported from test_outbox_faults)
"""bin/worker (issue 17, item 24): a deploy's stop signal, sent to the whole process
group as process managers do, stops the job cluster within its timeout; django-q2's
parent used to hang for ever once its workers had been killed under it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.booking.notifications.test_outbox_faults import (  # noqa: F401
    REDIS_URL,
    broker,
    database_for_cluster,
    provider,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every process."""
    listing = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,pgid="], capture_output=True, text=True
    ).stdout
    return [tuple(map(int, line.split())) for line in listing.splitlines()]


def cluster_group(worker_pid: int) -> int:
    """The process group of the cluster bin/worker started in a session of its own."""
    [group] = [pgid for pid, ppid, pgid in processes() if ppid == worker_pid]
    return group


def test_a_deploys_stop_signal_stops_the_worker_in_time(broker, provider):
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "WORKER_STOP_SECONDS": "20",
        "DJANGO_SETTINGS_MODULE": "tests.qcluster_settings",
        "FAULT_TEST_DATABASE": database_for_cluster(),
        "FAULT_TEST_CLUSTER": broker["name"],
        "FAULT_TEST_REDIS": REDIS_URL if broker["kind"] == "redis" else "",
        "FAKE_ESP_DIR": str(provider),
    }
    log_path = provider / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [str(ROOT / "bin" / "worker")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "running" in log_path.read_text(), "the cluster to start")
        group = cluster_group(worker.pid)
        assert group != worker.pid
        assert len([p for p in processes() if p[2] == group]) > 1  # parent, workers
        started = time.monotonic()

        os.killpg(worker.pid, signal.SIGTERM)
        code = worker.wait(timeout=30)

        assert code == 0, log_path.read_text()
        assert time.monotonic() - started < 20
        assert "has stopped" in log_path.read_text()
        wait_for(
            lambda: not [p for p in processes() if p[2] == group],
            "every process of the cluster to be gone",
            timeout=5,
        )
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
