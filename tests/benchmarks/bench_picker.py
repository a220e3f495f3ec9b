"""The month picker (DESIGN §11): a month of free days for one consultant, with
five years of history, against replaying the two queries it runs."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking.web.picker import month_of_times
from tests.benchmarks.bench_availability import _compare, practice
from tests.benchmarks.harness import Result, benchmark

# DESIGN §11: a month of free days, one consultant: 2 queries, within 2x of its SQL.
MONTH_BUDGET = 2.0


@benchmark("picker: month of free days, 1 consultant")
def month_of_free_days() -> Result:
    consultants, service = practice()
    consultant, now = consultants[0], timezone.now()
    zone = ZoneInfo("America/New_York")
    today = now.astimezone(zone).date()
    month = date(today.year + today.month // 12, today.month % 12 + 1, 1)

    def compute():
        return month_of_times(consultant, service, zone, month, now)

    assert compute(), "the benchmark consultant should have free days next month"
    result = _compare(compute, rounds=100, budget=MONTH_BUDGET)
    assert result.queries == 2, f"a month should cost 2 queries, not {result.queries}"
    return result
