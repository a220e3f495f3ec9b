"""The Reports section in the admin: who may open it, a consultant's own figures
only, the filter's errors, the charts' markup, and the tables' downloads."""

import csv
import io

import pytest
from openpyxl import load_workbook

from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from tests.booking.reports.data import practice
from tests.factories import member

pytestmark = pytest.mark.django_db
URL = "/admin/reports/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def data():
    return practice()


def signed_in(client, group, **fields):
    user = member(group, **fields)
    client.force_login(user)
    return user


def test_an_admin_sees_every_chart_with_its_table(client, data):
    signed_in(client, BOOKING_ADMINS)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Booking funnel",
        "Cancellations and no-shows by consultant",
        "Revenue and refunds by month",
        "Consultant utilisation",
        "New and returning clients",
        "Lead time from request to session",
    ):
        assert f">{title}</h2>" in html
    assert html.count('<svg role="img"') == 7  # revenue: one chart per currency
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert "Revenue and refunds in GBP" in html and "240.00" in html
    assert "Ben Report" in html


def test_staff_see_it_and_editors_do_not(client, data):
    signed_in(client, STAFF)
    assert client.get(URL, MARCH).status_code == 200
    signed_in(client, EDITORS, username="editor")
    assert client.get(URL, MARCH).status_code == 403


def test_a_consultant_sees_only_their_own_figures(client, data):
    user = signed_in(client, CONSULTANTS)
    data.ada.user = user
    data.ada.save()
    response = client.get(URL, MARCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Report" in html and "Ben Report" not in html
    assert "GBP" not in html
    download = client.get("/admin/reports/revenue.csv", MARCH)
    assert "GBP" not in b"".join(download.streaming_content).decode()


@pytest.mark.parametrize("path", [URL, "/admin/reports/revenue.csv"])
def test_a_consultant_asking_for_another_is_refused(client, data, path):
    user = signed_in(client, CONSULTANTS)
    data.ada.user = user
    data.ada.save()
    response = client.get(path, {**MARCH, "consultant": data.ben.pk})
    assert response.status_code == 403
    assert b"only your own figures" in response.content


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"date_from": "9999-01-01"}, "Give a date between 2000 and 2100."),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-01"},
            "The end of the range is before its start.",
        ),
        (
            {"date_from": "2010-01-01", "date_to": "2026-03-01"},
            "Choose a range of at most five years.",
        ),
        ({"consultant": "999999"}, "Select a valid choice."),
        ({"service": "x" * 500}, "Select a valid choice."),
    ],
)
def test_bad_filters_are_named_and_nothing_is_computed(client, data, query, message):
    signed_in(client, BOOKING_ADMINS)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b'<svg role="img"' not in response.content
    assert client.get("/admin/reports/revenue.xlsx", query).status_code == 400


def test_filtering_by_consultant_narrows_every_figure(client, data):
    signed_in(client, BOOKING_ADMINS)
    html = client.get(URL, {**MARCH, "consultant": data.ben.pk}).content.decode()
    assert "<td>Ben Report</td>" in html
    assert "<td>Ada Report</td>" not in html and "<td>EUR</td>" not in html


def test_the_revenue_table_downloads_as_csv_and_xlsx(client, data):
    signed_in(client, BOOKING_ADMINS)
    response = client.get("/admin/reports/revenue.csv", MARCH)
    assert response["Content-Disposition"].startswith(
        'attachment; filename="report-revenue-'
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Month", "Currency", "Received", "Refunded", "Net"],
        ["2026-03", "EUR", "240.00", "30.00", "210.00"],
        ["2026-03", "GBP", "60.00", "10.00", "50.00"],
    ]
    response = client.get("/admin/reports/revenue.xlsx", MARCH)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][:3] == ("2026-03", "EUR", 240)
    assert client.get("/admin/reports/nothing.csv", MARCH).status_code == 404
    assert client.get("/admin/reports/revenue.pdf", MARCH).status_code == 404
