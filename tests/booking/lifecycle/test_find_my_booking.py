""" "Find my booking" (issue 17, item 20): the page and the API answer the same for
an address with bookings and one without, and do the same work, so the answer's
timing tells nobody who books here: each request only queues the lookup as a job."""

import statistics
import time

import pytest
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from rest_framework.test import APIClient

from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from tests.factories import make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(settings):
    # Many lookups in a row: lift the limits that would otherwise answer them.
    settings.BOOKING_RATE_LIMITS = {"lookup": (10_000, 3600)}
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {scope: "10000/hour" for scope in rates},
    }
    booking, token = make_draft(client_email="known@example.com")
    services.verify_email(token=token)
    return booking


@pytest.fixture
def queued(monkeypatch):
    """Jobs are queued for a cluster (the ORM broker), not run in the request."""
    monkeypatch.setattr(Conf, "SYNC", False)


def ask_page(client, email):
    return client.post("/book/find/", {"email": email, "website": ""})


def ask_api(client, email):
    return APIClient().post("/api/v1/bookings/find/", {"email": email}, format="json")


@pytest.mark.parametrize("ask", [ask_page, ask_api], ids=["page", "API"])
def test_a_known_and_an_unknown_address_cost_the_same_work(client, known, queued, ask):
    for email in ("known@example.com", "nobody@example.com"):
        jobs, emails = OrmQ.objects.count(), OutboxEmail.objects.count()

        ask(client, email)

        assert OrmQ.objects.count() == jobs + 1, email
        assert OutboxEmail.objects.count() == emails, email


@pytest.mark.parametrize("ask", [ask_page, ask_api], ids=["page", "API"])
def test_the_answers_take_the_same_time_beyond_noise(client, known, queued, ask):
    times = {"known@example.com": [], "nobody@example.com": []}
    for _ in range(3):  # warm up both paths
        for email in times:
            ask(client, email)
    for _ in range(15):
        for email, seen in times.items():  # interleaved, so drift hits both
            started = time.perf_counter()
            answer = ask(client, email)
            seen.append(time.perf_counter() - started)
            assert answer.status_code in (200, 202), answer.status_code

    known_ms, unknown_ms = (1000 * statistics.median(t) for t in times.values())
    # Before, a known address took about twice as long (62 ms against 29 ms).
    assert known_ms < unknown_ms * 1.4 + 3, (known_ms, unknown_ms)
    assert unknown_ms < known_ms * 1.4 + 3, (known_ms, unknown_ms)


def test_the_job_emails_the_links_and_keeps_no_record_of_the_address(client, known):
    ask_page(client, "KNOWN@example.com")

    assert known.emails.filter(kind=OutboxEmail.Kind.MANAGE_LINK).count() == 1
    assert not Task.objects.exists()
