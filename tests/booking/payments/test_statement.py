# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""The earnings statement: every ledger line per currency with its state, totals
per currency (never added across currencies), a refund after a payout carried
into the next payout, the CSV download, and who may see whose statement."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from booking.lifecycle import services
from booking.payments import payouts, statement
from booking.payments.models import Earning, Payout
from tests.booking.payments.ledger_helpers import (
    connected,
    consultant_with_login,
    paid_session,
)
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    booking_admin,
    fake_stripe,
    fresh_rate_limits,
)
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ledger(settings, booking_admin, fake_stripe):
    """Ana was paid 76.00 EUR for one session, then that session was refunded;
    she has since earned 133.00 EUR (available) and 95.00 USD (pending)."""
    settings.PAYOUT_MINIMUM = 50
    ana = connected(consultant_with_login("ana"))
    first = paid_session(booking_admin, ana, "80.00")
    payouts.run_weekly_payouts()
    services.cancel(booking=first, reason="Practice closed", actor=booking_admin)
    second = paid_session(booking_admin, ana, "140.00")
    usd = paid_session(booking_admin, ana, "100.00", "USD", available=False)
    return ana, first, second, usd


def by_booking(group) -> dict:
    return {
        (entry["line"].booking.reference, entry["line"].kind): entry
        for entry in group["lines"]
    }


def test_a_refund_after_payout_is_a_negative_line_carried_into_the_next_payout(
    ledger,
):
    ana, first, second, usd = ledger

    eur, dollars = statement.statement(ana)

    assert (eur["currency"], dollars["currency"]) == ("EUR", "USD")
    lines = by_booking(eur)
    paid = lines[(first.reference, Earning.Kind.BOOKING)]
    refund = lines[(first.reference, Earning.Kind.REVERSAL)]
    assert (paid["label"], paid["line"].net) == ("Paid out", D("76.00"))
    assert paid["note"].startswith("Paid ")
    assert (refund["label"], refund["line"].net) == ("Available", D("-76.00"))
    assert refund["note"] == "Refund after payout: taken off your next payout"
    assert lines[(second.reference, Earning.Kind.BOOKING)]["label"] == "Available"
    assert eur["totals"] == {
        "pending": D("0"),
        "available": D("57.00"),
        "requested": D("0"),
        "paid": D("76.00"),
    }
    assert dollars["totals"]["pending"] == D("95.00")
    assert [entry["line"].booking for entry in dollars["lines"]] == [usd]

    payouts.run_weekly_payouts()

    next_payout = Payout.objects.order_by("-pk").first()
    assert (next_payout.amount, next_payout.currency) == (D("57.00"), "EUR")
    eur, _ = statement.statement(ana)
    refund = by_booking(eur)[(first.reference, Earning.Kind.REVERSAL)]
    assert refund["line"].payout == next_payout
    assert refund["note"] == "Refund after payout: taken off this payout"
    assert eur["totals"]["paid"] == D("133.00")  # 76.00 + 133.00 - 76.00
    assert eur["totals"]["available"] == D("0")


def test_the_consultant_sees_their_statement_per_currency(ledger, client):
    ana, first, second, usd = ledger
    client.force_login(ana.user)

    page = client.get(reverse("booking_earnings")).content.decode()

    assert "In EUR" in page and "In USD" in page
    assert first.reference in page and usd.reference in page
    assert "-76.00 EUR" in page
    assert "Refund after payout: taken off your next payout" in page
    assert "57.00 EUR" in page and "95.00 USD" in page
    assert "Payouts enabled" in page
    assert "171.00" not in page and "152.00" not in page  # never EUR + USD


def test_the_statement_downloads_as_csv(ledger, client):
    ana, first, second, usd = ledger
    client.force_login(ana.user)

    response = client.get(reverse("booking_earnings_csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == statement.HEADER
    refund = next(r for r in rows if r[2] == first.reference and r[3] != "Booking")
    assert refund[:1] + refund[3:] == [
        "EUR",
        "Refund reversal",
        "-80.00",
        "-4.00",
        "-76.00",  # an amount, not made safe as if it were a formula
        "Available",
        "Refund after payout: taken off your next payout",
    ]
    totals = {(r[0], r[3]): r[6] for r in rows if r[3].startswith("Total")}
    assert totals[("EUR", "Total available")] == "57.00"
    assert totals[("EUR", "Total paid out")] == "76.00"
    assert totals[("USD", "Total pending")] == "95.00"


def test_text_that_a_spreadsheet_would_run_is_made_safe(ledger, client):
    ana, first, *_ = ledger
    from booking.core.models import Booking

    Booking.objects.filter(pk=first.pk).update(reference="=HYPERLINK(1)")
    client.force_login(ana.user)

    body = client.get(reverse("booking_earnings_csv")).content.decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_a_booking_admin_reads_any_consultants_statement(ledger, client):
    ana, first, *_ = ledger
    desk = user_with_perms("view_payout", "mark_payout_paid", username="cashier")
    desk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(desk)

    page = client.get(reverse("booking_consultant_statement", args=[ana.pk]))
    download = client.get(reverse("booking_consultant_statement_csv", args=[ana.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "Earnings of Ana" in content and first.reference in content
    assert "Request a payout" not in content and "Continue onboarding" not in content
    assert first.reference in download.content.decode()
    payouts_list = client.get(reverse("payouts:index")).content.decode()
    assert reverse("booking_consultant_statement", args=[ana.pk]) in payouts_list


def test_a_consultant_reads_only_their_own_statement(ledger, client):
    ana, first, *_ = ledger
    ben = consultant_with_login("ben")
    client.force_login(ben.user)

    page = client.get(reverse("booking_consultant_statement", args=[ana.pk]))
    download = client.get(reverse("booking_consultant_statement_csv", args=[ana.pk]))
    own = client.get(reverse("booking_earnings_csv")).content.decode()

    assert page.status_code == 302 and download.status_code == 302
    assert first.reference not in own
    assert len(list(csv.reader(io.StringIO(own.lstrip("\ufeff"))))) == 1


def test_an_unknown_consultant_is_not_found(booking_admin, client):
    desk = user_with_perms("view_payout", username="cashier")
    desk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(desk)

    response = client.get(reverse("booking_consultant_statement", args=[999999]))

    assert response.status_code == 404
