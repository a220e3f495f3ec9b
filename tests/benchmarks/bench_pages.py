"""Public pages under gunicorn (DESIGN §11): a consultant's profile page for
anonymous visitors, from the page cache and uncached, against a bare Django view
on the same server in the same run. The figure is wall time per request with
several clients at once (the inverse of throughput); the budget asks cached pages
for at least half the bare view's throughput, a ratio of at most 2."""

import functools
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from django.db import connection
from django.test import Client, override_settings

from tests.benchmarks.bench_scale import PLAIN_STATIC
from tests.benchmarks.harness import Result, Timing, benchmark, recorded_queries
from tests.factories import build_site, publish_consultant_page
from tests.load.servers import environment, new_cluster_name, web

REQUESTS = 600
CLIENTS = 8
CACHED_BUDGET = 2.0


@functools.cache
def profile_page():
    """A consultant's page, with this run's five years of bookings behind them
    when the slots benchmark ran first."""
    _, team, _ = build_site()
    return publish_consultant_page(team, "Maya Stone")


def seconds_per_request(url: str) -> Timing:
    """Wall time for REQUESTS requests by CLIENTS threads, per request."""
    remaining = iter(range(REQUESTS))
    failures = []

    def client():
        while next(remaining, None) is not None:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                if response.status != 200:
                    failures.append(response.status)

    for _ in range(20):  # warm up each worker's caches and connections
        urllib.request.urlopen(url, timeout=30).read()
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_request = (time.perf_counter() - started) / REQUESTS
    assert not failures, failures
    return Timing(p50=per_request, p95=per_request)


def measure(page_url: str, **env: str) -> tuple[Timing, Timing]:
    connection.close()  # gunicorn's workers open their own
    with tempfile.TemporaryDirectory() as folder:
        server_env = environment(
            Path(folder),
            new_cluster_name(),
            TEST_URLCONF="tests.benchmarks.urls",
            **env,
        )
        with web(server_env, Path(folder), workers=3) as url:
            page = seconds_per_request(url + page_url)
            bare = seconds_per_request(url + "/bench/bare/")
    return page, bare


def queries_for(path: str, **settings) -> int:
    client = Client()
    with override_settings(**PLAIN_STATIC, **settings):
        client.get(path)  # the first visit may fill the cache
        return len(recorded_queries(lambda: client.get(path)))


@benchmark("public consultant page, cached, vs bare view (gunicorn, 8 clients)")
def cached_page() -> Result:
    page = profile_page()
    figure, baseline = measure(page.url)
    return Result(figure, baseline, queries_for(page.url), budget=CACHED_BUDGET)


@benchmark("public consultant page, uncached, vs bare view (gunicorn, 8 clients)")
def uncached_page() -> Result:
    page = profile_page()
    figure, baseline = measure(page.url, PAGE_CACHE_SECONDS="0")
    return Result(figure, baseline, queries_for(page.url, PAGE_CACHE_SECONDS=0))
