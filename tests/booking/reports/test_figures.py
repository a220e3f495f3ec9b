"""Each report's figures against counts made by hand from the fixed practice in
`data.py` (March 2026), and the number of queries each costs, which must not grow
with the number of bookings."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from booking.core.states import BookingStatus as S
from booking.payments.models import Payment
from booking.reports import figures, people
from booking.reports.filters import Selection
from tests.availability_factories import bulk_bookings
from tests.booking.reports.data import march, pay, practice

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def data():
    return practice()


def in_march(**filters) -> Selection:
    return Selection(first_day=date(2026, 3, 1), last_day=date(2026, 3, 31), **filters)


def test_funnel_counts_each_step_and_what_was_lost(data):
    rows = figures.funnel(in_march()).rows
    assert [row[:3] for row in rows] == [
        ["Requested (draft)", 8, 0],
        ["Email verified", 7, 1],
        ["Approved", 5, 2],
        ["Paid or confirmed", 4, 1],
        ["Completed", 2, 2],
    ]
    assert rows[4][4] == D("25.0")  # 2 of 8 requested


def test_cancellations_and_no_shows_per_consultant(data):
    assert figures.cancellations(in_march()).rows == [
        ["Ada Report", 4, 1, D("25.0"), 1, D("25.0")],
        ["Ben Report", 3, 1, D("33.3"), 0, D("0.0")],
    ]


def test_revenue_and_refunds_per_month_never_mix_currencies(data):
    table = figures.revenue(in_march())
    # EUR: three payments of 80; refunds 30 (the failed 20 is not money back).
    # GBP: 60 paid, 10 to pay back by hand; the April payment is outside.
    assert table.rows == [
        ["2026-03", "EUR", D("240.00"), D("30.00"), D("210.00")],
        ["2026-03", "GBP", D("60.00"), D("10.00"), D("50.00")],
    ]
    assert [chart.unit for chart in table.charts] == ["EUR", "GBP"]


def test_revenue_follows_the_consultant_and_service_filters(data):
    assert figures.revenue(in_march(consultant=data.ben)).rows == [
        ["2026-03", "GBP", D("60.00"), D("10.00"), D("50.00")]
    ]
    assert [row[1] for row in figures.revenue(in_march(service=data.eur)).rows] == [
        "EUR"
    ]


def test_utilisation_is_booked_hours_over_open_hours(data):
    rows = people.utilisation(in_march()).rows
    # Ada: a completed and a no-show session of 50 minutes in 88 open hours.
    # Ben has no hours: his booked session shows, at 0 % of nothing.
    assert rows == [
        ["Ada Report", D("1.7"), D("88.0"), D("1.9")],
        ["Ben Report", D("0.8"), D("0.0"), D("0.0")],
    ]


def test_new_and_returning_clients_by_email_ignoring_case(data):
    # Ann first came in February (as Ann@…), so March has her back; bob, cat,
    # dan and eve are new; fay was rejected, xan never verified.
    assert people.clients(in_march()).rows == [["2026-03", 4, 1]]
    february = Selection(first_day=date(2026, 2, 1), last_day=date(2026, 2, 28))
    assert people.clients(february).rows == [["2026-02", 1, 0]]


def test_lead_time_buckets(data):
    rows = figures.lead_time(in_march()).rows
    assert [row[:2] for row in rows] == [
        ["Under 1 day", 2],
        ["1–7 days", 2],
        ["1–2 weeks", 1],
        ["2–4 weeks", 1],
        ["4 weeks or more", 1],
    ]


QUERIES = {
    "funnel": 1,
    "cancellations": 1,
    "revenue": 1,
    "utilisation": 2,
    "clients": 1,
    "lead-time": 1,
}


def test_each_figure_costs_the_same_queries_however_many_bookings(
    data, django_assert_num_queries
):
    def measure():
        for slug, report in figures.REPORTS.items():
            with django_assert_num_queries(QUERIES[slug]):
                report(in_march())

    measure()
    starts = [march(16) + timedelta(hours=n) for n in range(60)]
    bulk_bookings(
        consultant=data.ada, service=data.eur, starts=starts, status=S.NO_SHOW
    )
    bulk_bookings(
        consultant=data.ben, service=data.gbp, starts=starts, status=S.COMPLETED
    )
    for booking in data.ben.bookings.filter(start__gte=march(16))[:20]:
        pay(booking, "60.00", march(17))
    measure()
    assert Payment.objects.count() > 25
