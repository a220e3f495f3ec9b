"""Load and fault tests against Haven as production runs it (gunicorn and a
django-q2 cluster on PostgreSQL, over loopback): many visitors browse, look up
slots and race each other for the same few slots through the real forms and
emails. However the run goes, no slot is held twice and every email that was
written is sent exactly once.

Each prints its figures (requests, errors, latency percentiles per kind)."""

import pytest

from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.notifications.models import OutboxEmail
from tests.load import loadgen
from tests.load.checks import (
    assert_everything_written_whole,
    assert_nothing_lost_or_doubled,
)
from tests.load.servers import haven

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_many_visitors_browse_and_race_for_the_same_slots(
    practice, provider, cluster, capsys
):
    with haven(provider, cluster) as url:
        practice.base_url = url
        report = loadgen.run(practice)
        assert_nothing_lost_or_doubled(provider)

    with capsys.disabled():
        print(f"\nload: {len(report.outcomes)} requests\n{report.table()}")
    assert report.errors() == []
    assert_everything_written_whole(report)
    assert len(report.outcomes) > 200
    # Everyone wanted the same four slots: at most four were verified, and the
    # database holds exactly those.
    assert 1 <= len(report.verified) <= len(practice.contested_starts)
    held = Booking.objects.filter(status__in=SLOT_HOLDING)
    assert sorted(held.values_list("client_email", flat=True)) == sorted(
        report.verified
    )
    assert OutboxEmail.objects.filter(booking__in=held).count() >= len(report.verified)
