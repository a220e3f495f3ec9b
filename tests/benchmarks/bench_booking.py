"""Booking creation (DESIGN §11): a client's request through `services.create_draft`
(lock, availability with five years of history, insert, token, audit log, outbox
email) against replaying the SQL it runs. Each round runs inside a transaction
that is rolled back, for the figure and the baseline alike, so every round books
the same free slot on the same table."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from booking.lifecycle import services
from booking.scheduling import slots
from tests.benchmarks.bench_availability import practice
from tests.benchmarks.harness import Result, benchmark, recorded_queries, replay, timed


class RolledBack(Exception):
    pass


def rolled_back(action):
    def run():
        try:
            with transaction.atomic():
                action()
                raise RolledBack
        except RolledBack:
            pass

    return run


@benchmark("booking creation: create_draft with 5 years of history")
def create_draft() -> Result:
    consultants, service = practice()
    consultant = consultants[0]
    now = timezone.now()
    slot = slots.free_slots(
        consultant=consultant,
        service=service,
        start=now + timedelta(days=2),
        end=now + timedelta(days=9),
    )[0]

    def book():
        services.create_draft(
            consultant=consultant,
            service=service,
            start=slot.start,
            client_name="Bench Client",
            client_email="bench@example.test",
            client_time_zone="Europe/Berlin",
            consent=True,
        )

    queries = []

    def record():
        queries.extend(recorded_queries(book))

    rolled_back(record)()
    return Result(
        figure=timed(rolled_back(book), rounds=100),
        baseline=timed(rolled_back(replay(queries)), rounds=100),
        queries=len(queries),
    )
