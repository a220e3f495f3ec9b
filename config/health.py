"""`/healthz`: is this app server able to do its work?

Checks the database, the cache, the job broker and whether a django-q2 cluster is
running: the cluster's scheduler moves every schedule's next run forward, and
Haven's sweeps run every minute, so a schedule overdue by more than
`HEALTHZ_CLUSTER_LATE_SECONDS` means no cluster is consuming jobs. Answers 200 when
all pass and 503 otherwise, with one line per check. Error details stay in the log:
the answer is public, so it names only the check and the kind of failure."""

import logging
import uuid
from datetime import timedelta
from time import perf_counter

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_q.brokers import get_broker
from django_q.models import Schedule

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = "healthz:probe", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return what was written")


def check_broker() -> None:
    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("the broker did not answer")
    broker.queue_size()  # the ORM broker's ping is always true: touch its table


def check_cluster() -> None:
    late = timezone.now() - timedelta(seconds=settings.HEALTHZ_CLUSTER_LATE_SECONDS)
    overdue = Schedule.objects.filter(next_run__lt=late).order_by("next_run").first()
    if overdue is not None:
        raise RuntimeError(f"schedule {overdue.name!r} is overdue: no cluster running")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "cluster": check_cluster,
}


def run_check(name, check) -> dict:
    started = perf_counter()
    try:
        check()
    except Exception as error:  # a health check reports every failure, never raises
        logger.warning("healthz: %s failed: %s", name, error)
        status = {"ok": False, "error": type(error).__name__}
    else:
        status = {"ok": True}
    status["ms"] = round((perf_counter() - started) * 1000, 1)
    return status


@never_cache
def healthz(request):
    checks = {name: run_check(name, check) for name, check in CHECKS.items()}
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )
