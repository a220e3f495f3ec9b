"""Two of everything (issue 26): two gunicorn servers and two django-q2 clusters
on one PostgreSQL database and one Redis (job broker and page cache), as two
machines behind a load balancer would run. The load test's visitors are spread
over both servers; midway one server and one cluster are killed (SIGKILL, no
goodbye). Afterwards: no slot is held twice, every email went out exactly once,
the surviving server served on without an error, and a page published from
anywhere is fresh on both servers at once (the page cache is Redis, shared).

Scheduled jobs: every cluster runs django-q2's scheduler here (a third cluster
is started so that two still do after the kill). The periodic jobs (reminders,
payouts, expiry, retention, calendar-feed fetches) are made due at the start;
after both surviving schedulers have looked at least once, each job ran exactly
once for its period and is not due again within it: the scheduler claims
a due schedule under a row lock and moves it on in the same transaction."""

import dataclasses
import os
import signal
import threading
import time
import urllib.request
from datetime import timedelta

import pytest
import redis
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule, Task

from cms.models import ConsultantPage
from tests.booking.notifications.test_outbox_faults import wait_for
from tests.load import loadgen
from tests.load.checks import (
    assert_everything_written_whole,
    assert_nothing_lost_or_doubled,
)
from tests.load.servers import SERVERS, environment, jobs, web

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
# Helper G's Redis database (CONVENTIONS: one per worktree), emptied first.
REDIS_URL = os.environ.get("TWO_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/7")
# The periodic jobs, each due once in the test (an hour's period).
PERIODIC = {
    "reminders": "booking.tasks.send_reminders",
    "payouts": "booking.tasks.run_weekly_payouts",
    "expiry": "booking.tasks.expire_stale_bookings",
    "retention": "booking.tasks.apply_retention",
    "calendar feeds": "booking.tasks.refresh_outside_calendars",
}
PERIOD = timedelta(hours=1)
# django-q2's guard calls the scheduler every 30 s of its cycle; a margin for a
# busy machine, whose sleeps run long.
SCHEDULER_EVERY_SECONDS = 30


@pytest.fixture
def shared_redis(settings, monkeypatch):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    # This process's sweeps and publishes reach the same broker and cache.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    settings.CACHES = {
        alias: {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": alias if alias != "default" else "",
        }
        for alias in ("default", "renditions")
    }
    return REDIS_URL


@pytest.fixture
def due_schedules():
    """The periodic jobs, due now (the table's migrated rows are flushed between
    transactional tests, so the test makes its own)."""
    Schedule.objects.all().delete()
    due = timezone.now() - timedelta(seconds=1)
    for name, func in PERIODIC.items():
        Schedule.objects.create(
            name=name,
            func=func,
            schedule_type=Schedule.MINUTES,
            minutes=int(PERIOD.total_seconds() // 60),
            repeats=-1,
            next_run=due,
        )
    return due


def assert_each_job_ran_once_for_its_period(due, last_cluster_started: float):
    """Every schedule ran (its task saved), then both surviving schedulers have
    looked again: still one run each, and none is due again before a period."""
    wait_for(
        lambda: (
            Task.objects.filter(group__in=PERIODIC).values("group").distinct().count()
            == len(PERIODIC)
        ),
        "every periodic job to run",
        timeout=4 * SCHEDULER_EVERY_SECONDS,
    )
    seen_by_both = last_cluster_started + 1.5 * SCHEDULER_EVERY_SECONDS
    time.sleep(max(0.0, seen_by_both - time.monotonic()))
    runs = {name: Task.objects.filter(group=name).count() for name in PERIODIC}
    assert runs == dict.fromkeys(PERIODIC, 1)
    assert all(
        Task.objects.filter(group__in=PERIODIC).values_list("success", flat=True)
    )
    for schedule in Schedule.objects.filter(name__in=PERIODIC):
        # At least one period on: the payouts job sets its own next run (the
        # next payout day), the others are moved on by exactly one period.
        assert schedule.next_run >= due + PERIOD, schedule.name


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_two_servers_and_two_clusters_one_of_each_killed_mid_load(
    practice, provider, cluster, shared_redis, due_schedules, capsys
):
    env = environment(
        provider,
        cluster,
        FAULT_TEST_REDIS=shared_redis,
        REDIS_URL=shared_redis,
        FAULT_TEST_SCHEDULER="1",
    )
    page = ConsultantPage.objects.get(slug="maya-stone")
    page_path = page.url
    with (
        jobs(env, provider, log_name="qcluster-1.log") as first_cluster,
        jobs(env, provider, log_name="qcluster-2.log"),
        jobs(env, provider, log_name="qcluster-3.log"),
        web(env, provider, log_name="gunicorn-1.log") as one,
        web(env, provider, log_name="gunicorn-2.log") as two,
    ):
        clusters_started = time.monotonic()
        for url in (one, two):  # both fill (and answer from) the shared cache
            assert "Maya Stone, counsellor" not in get(url + page_path)
        page.title = "Maya Stone, counsellor"
        page.save_revision().publish()  # from a third process, this test's
        for url in (one, two):
            assert "Maya Stone, counsellor" in get(url + page_path)
        plans = [
            dataclasses.replace(practice, base_url=url, visitors=6, seconds=20)
            for url in (one, two)
        ]
        reports = {}
        runners = [
            threading.Thread(
                target=lambda p=p: reports.setdefault(p.base_url, loadgen.run(p))
            )
            for p in plans
        ]
        for runner in runners:
            runner.start()
        time.sleep(8)
        os.killpg(SERVERS[two].pid, signal.SIGKILL)
        os.killpg(first_cluster.pid, signal.SIGKILL)
        for runner in runners:
            runner.join()
        assert_nothing_lost_or_doubled(provider)
        assert_each_job_ran_once_for_its_period(due_schedules, clusters_started)

    survivor, killed = reports[one], reports[two]
    with capsys.disabled():
        print(f"\nsurviving server: {len(survivor.outcomes)} requests")
        print(survivor.table())
        print(f"killed server: {len(killed.outcomes)} requests")
    assert survivor.errors() == []
    assert_everything_written_whole(survivor)
    assert_everything_written_whole(killed)
    assert len(survivor.outcomes) > 100
