"""Lists a booking admin reads: references on one line, yes-or-no fields as words,
and payment and refund references that lead to the payment."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from booking.core.roles import BOOKING_ADMINS
from booking.lifecycle import paying, services
from booking.payments.models import Payment
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking_admin(client):
    user = member(BOOKING_ADMINS, username="bookings")
    client.force_login(user)
    return user


@pytest.fixture
def paid_then_cancelled(booking_admin):
    """A booking paid in cash (receipt RCPT-77), then cancelled: a refund of it."""
    consultant = ConsultantFactory(name="Maya Stone")
    service = ServiceFactory(consultants=[consultant], booking_window_days=3650)
    _, token = make_draft(service=service, consultant=consultant)
    booking = services.verify_email(token=token)
    services.approve(booking=booking, actor=booking_admin)
    booking = paying.record_offline_payment(
        booking=booking,
        actor=booking_admin,
        amount=Decimal("80.00"),
        method="Cash",
        reference="RCPT-77",
    )
    services.cancel(booking=booking, reason="Practice closed", actor=booking_admin)
    return booking


def cell_classes(html: str, text: str) -> str:
    """The class of the table cell holding `text`."""
    match = re.search(
        r'<td class="([^"]*)"[^>]*>(?:(?!</td>).)*' + re.escape(text), html, re.S
    )
    assert match, f"no cell holds {text}"
    return match.group(1)


def test_references_never_wrap_in_the_bookings_list(client, paid_then_cancelled):
    html = client.get(reverse("bookings:index")).content.decode()

    assert "booking-ref" in cell_classes(html, paid_then_cancelled.reference)
    css = Path(finders.find("booking/admin/booking-admin.css")).read_text()
    assert re.search(r"td\.booking-ref[^{]*\{\s*white-space: nowrap;", css)


def test_the_booking_page_links_its_payment_and_refund_to_the_payment(
    client, paid_then_cancelled
):
    payment = Payment.objects.get(booking=paid_then_cancelled)
    payment_url = reverse("payments:inspect", args=[payment.pk])

    html = client.get(
        reverse("bookings:inspect", args=[paid_then_cancelled.pk])
    ).content.decode()

    assert f'<a href="{payment_url}">RCPT-77' in html
    refunds = html.split('<caption class="w-sr-only">Refunds</caption>')[1]
    assert f'<a href="{payment_url}">RCPT-77' in refunds


def test_the_payments_list_says_yes_or_no_and_links_each_payment(
    client, paid_then_cancelled
):
    payment = Payment.objects.get(booking=paid_then_cancelled)
    payment_url = reverse("payments:inspect", args=[payment.pk])

    html = client.get(reverse("payments:index")).content.decode()

    row = html.split(paid_then_cancelled.reference)[1].split("</tr>")[0]
    assert "False" not in row and "True" not in row
    assert re.search(r"<td[^>]*>\s*No\s*</td>", row)
    assert f'<a href="{payment_url}">{paid_then_cancelled.reference}</a>' in html
    assert "booking-ref" in cell_classes(html, paid_then_cancelled.reference)

    refunds = client.get(reverse("refunds:index")).content.decode()
    assert f'<a href="{payment_url}">{paid_then_cancelled.reference}</a>' in refunds
