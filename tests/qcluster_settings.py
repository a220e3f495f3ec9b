"""Settings for the processes tests start: the django-q2 cluster of
tests/booking/notifications/test_outbox_faults.py and the gunicorn + cluster of
tests/load/. The
test's own database and broker (from the environment), short timeouts, the fake
provider of tests/fake_esp.py, and static files from the finders (tests run
without `collectstatic`)."""

import json
import os

from config.settings import *  # noqa: F403

DATABASES = {"default": json.loads(os.environ["FAULT_TEST_DATABASE"])}
Q_CLUSTER = {
    "name": os.environ["FAULT_TEST_CLUSTER"],
    "workers": 2,
    "timeout": 3,
    "retry": 5,
    "max_attempts": 5,
    "queue_limit": 20,
    "bulk": 1,
    "poll": 0.05,
    "guard_cycle": 0.2,
    # The test runs the sweeps itself, at the pace it needs; the two-server test
    # turns the scheduler on to prove each schedule runs once across clusters.
    "scheduler": os.environ.get("FAULT_TEST_SCHEDULER") == "1",
    "log_level": "INFO",
    **(
        {"redis": os.environ["FAULT_TEST_REDIS"]}
        if os.environ.get("FAULT_TEST_REDIS")
        else {"orm": "default"}
    ),
}
EMAIL_BACKEND = "tests.fake_esp.EmailBackend"
OUTBOX_CLAIM_SECONDS = 4
OUTBOX_RETRY_DELAY_SECONDS = 0.1
OUTBOX_MAX_ATTEMPTS = 100
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if os.environ.get("FAULT_TEST_RATE_LIMITS"):
    BOOKING_RATE_LIMITS = json.loads(os.environ["FAULT_TEST_RATE_LIMITS"])
# Tests talk to gunicorn over loopback without TLS, so cookies may not be Secure.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# Benchmarks add a bare view beside Haven's URLs (tests/benchmarks/urls.py).
ROOT_URLCONF = os.environ.get("TEST_URLCONF", ROOT_URLCONF)  # noqa: F405
