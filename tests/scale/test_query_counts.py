"""Query budgets of the hot paths (issue 26, DESIGN §11): what bin/bench measures,
held by the suite so that a change that adds a query per request fails here."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.payments.models import Payment, Refund
from booking.spreadsheets import exports
from tests.booking.spreadsheets.test_exports import booked
from tests.factories import ConsultantFactory, ServiceFactory, next_monday_at

pytestmark = pytest.mark.django_db

# Statements create_draft sends when a view calls it, outside any transaction.
# In a test its transaction is a savepoint inside the test's: that pair is the
# test's BEGIN and COMMIT, not create_draft's work, and is not counted.
# Issue 26 asks for 8; 13 remain (README "Benchmarks"): the lock, which also
# answers whether the consultant offers the service, the practice settings for
# the consent's policy version, the slot engine's 2, the waitlist's live offers
# overlapping the time (an offered time is held for its client, issue 23), the
# booking's insert in a
# savepoint (a colliding reference is drawn again), Wagtail's log entry (whose
# save checks its content type), the token, the client account's clock and zone
# for the email (issue 21), the email. (The email reads the practice's payment
# instructions only when it shows them; the verification email does not.)
CREATE_DRAFT_QUERIES = 13


def draft(service, consultant, start, email="ada@example.com"):
    return services.create_draft(
        consultant=consultant,
        service=service,
        start=start,
        client_name="Ada",
        client_email=email,
        client_time_zone="Europe/Berlin",
        consent=True,
    )


def test_create_draft_stays_within_its_query_budget():
    consultant = ConsultantFactory(name="Maya Stone")
    service = ServiceFactory(title="Counselling", consultants=[consultant])
    draft(service, consultant, next_monday_at(10), email="warm@example.com")
    with CaptureQueriesContext(connection) as queries:
        booking, _ = draft(service, consultant, next_monday_at(11))
    assert booking.pk
    assert len(own_work(queries)) <= CREATE_DRAFT_QUERIES, listing(queries)


def own_work(queries) -> list[str]:
    sql = [query["sql"] for query in queries.captured_queries]
    if sql and sql[0].startswith("SAVEPOINT") and sql[-1].startswith("RELEASE"):
        sql = sql[1:-1]
    return sql


def listing(queries) -> str:
    return "\n".join(sql[:160] for sql in own_work(queries))


def test_csv_export_writes_the_resources_very_cells_in_one_query():
    """The CSV's fast path (values_list, no model instances) must write exactly
    what the resource writes: formula text neutralised, local and UTC times,
    refunds totalled, empty cells for missing values, any source and status."""
    maya = ConsultantFactory(name="=Maya", time_zone="Europe/Berlin")
    noah = ConsultantFactory(name="Noah Park", time_zone="America/New_York")
    service = ServiceFactory(title="+Counselling", consultants=[maya, noah])
    paid = booked(maya, service, amount_paid=Decimal("80.00"), client_phone="-1")
    payment = Payment.objects.create(
        booking=paid, provider="offline", amount=80, currency="EUR", status="paid"
    )
    Refund.objects.create(
        key="r",
        payment=payment,
        booking=paid,
        amount=Decimal("30.00"),
        currency="EUR",
        reason="test",
        status="succeeded",
    )
    booked(noah, service, status=S.CANCELLED, client_name="@home", source="admin")
    booked(noah, service, amount=Decimal("-5.00"), client_name="Credit note")
    bookings = Booking.objects.order_by("start")
    expected = list(exports.booking_rows(bookings, native=False))

    with CaptureQueriesContext(connection) as queries:
        fast = [row for chunk in exports.csv_rows(bookings) for row in chunk]

    assert fast == expected
    assert len(queries) == 1  # one chunked query; no query per row


# Issue 26's goal is 10; the page was brought to 10, then the packages on sale
# (issue 22) and the consultant's latest stream posts (issue 25: their view
# restrictions, then the posts) added three; the posts' restrictions are now a
# subquery of the posts' query, so 12 (README "Benchmarks").
CONSULTANT_PAGE_QUERIES = 12


def test_an_uncached_consultant_page_stays_within_its_query_budget(client, settings):
    from tests.factories import build_site, publish_consultant_page

    settings.PAGE_CACHE_SECONDS = 0
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    client.get(page.url)  # the site's settings row is written on the first visit
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)

    assert response.status_code == 200 and b"Maya Stone" in response.content
    assert len(queries) <= CONSULTANT_PAGE_QUERIES, "\n".join(
        q["sql"][:120] for q in queries
    )


def test_a_missing_consultant_and_a_restricted_one_are_still_refused(client):
    from wagtail.models import PageViewRestriction

    from tests.factories import build_site, publish_consultant_page

    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    assert client.get(page.url + "nobody/").status_code == 404
    assert client.get(team.url + "nobody/").status_code == 404
    PageViewRestriction.objects.create(
        page=team, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    response = client.get(page.url)
    assert response.status_code == 200 and b'name="password"' in response.content
