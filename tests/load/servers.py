"""Haven as it runs in production, for the load and fault tests: gunicorn and a
django-q2 cluster in their own processes, on the test's PostgreSQL database, with
the fake email provider (tests/fake_esp.py) as the only thing faked."""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from tests.booking.notifications.test_outbox_faults import wait_for

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(provider: Path, cluster: str, **extra: str) -> dict:
    db = connection.settings_dict
    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    database = {key: db[key] for key in keys if key in db}
    # As in production: persistent connections, checked before reuse, so a
    # database restart costs the requests in flight and not the ones after it.
    database.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.qcluster_settings",
        "FAULT_TEST_DATABASE": json.dumps(database),
        "FAULT_TEST_CLUSTER": cluster,
        "FAULT_TEST_REDIS": "",
        "FAKE_ESP_DIR": str(provider),
        # Each simulated visitor has an address of its own behind one proxy.
        "TRUST_X_FORWARDED_FOR": "1",
        **extra,
    }


# The gunicorn process serving each base URL (a test may kill one).
SERVERS: dict[str, subprocess.Popen] = {}


def new_cluster_name() -> str:
    return f"haven-load-{uuid.uuid4().hex[:8]}"


@contextmanager
def process(args: list[str], env: dict, log_path: Path, ready):
    with open(log_path, "w") as log:
        child = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: ready(log_path.read_text()), f"{args[0]} to start")
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@contextmanager
def jobs(env: dict, provider: Path, *, log_name: str = "qcluster.log"):
    """A q2 cluster; yields its process (its own process group, so that a test
    can kill it whole)."""
    with process(
        [sys.executable, "manage.py", "qcluster"],
        env,
        provider / log_name,
        lambda log: "running" in log,
    ) as child:
        yield child


@contextmanager
def web(env: dict, provider: Path, *, workers: int = 3, log_name="gunicorn.log"):
    """gunicorn; yields the site's base URL once it answers."""
    port = free_port()
    args = [str(GUNICORN), "config.wsgi", f"--workers={workers}"]
    args += [f"--bind=127.0.0.1:{port}", "--timeout=60", "--graceful-timeout=5"]
    with process(
        args,
        env,
        provider / log_name,
        lambda log: log.count("Booting worker") >= workers,
    ) as child:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(url), "gunicorn to answer")
        SERVERS[url] = child
        yield url


@contextmanager
def haven(provider: Path, cluster: str, **extra: str):
    """gunicorn and a q2 cluster; yields the site's base URL."""
    env = environment(provider, cluster, **extra)
    with jobs(env, provider), web(env, provider) as url:
        yield url


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # an answer, even "unhealthy"
    except OSError:
        return False
