# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""One cancellation policy (issue 17): the practice sets its numbers in Practice
settings; the promise the client reads is generated from them, the refund is
computed from them, and the client sees the exact amount before they cancel, in the
cancellation email and on the manage page afterwards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from booking.core.models import Booking
from booking.core.practice import PracticePolicy
from booking.lifecycle import paying
from booking.notifications.models import OutboxEmail
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    approved_booking,
    booking_admin,
    offline,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("policy", "promise"),
    [
        (
            PracticePolicy(full_refund_until_hours=48, late_refund_percent=0),
            "Cancel up to 48 hours before your session for a full refund. "
            "Later cancellations are not refunded.",
        ),
        (
            PracticePolicy(full_refund_until_hours=24, late_refund_percent=50),
            "Cancel up to 24 hours before your session for a full refund. "
            "Later, 50% is refunded.",
        ),
        (
            PracticePolicy(full_refund_until_hours=1, late_refund_percent=0),
            "Cancel up to 1 hour before your session for a full refund. "
            "Later cancellations are not refunded.",
        ),
        (
            PracticePolicy(full_refund_until_hours=0, late_refund_percent=0),
            "Cancel any time before your session for a full refund.",
        ),
    ],
)
def test_the_promise_is_written_from_the_policys_numbers(policy, promise):
    assert policy.cancellation_terms == promise


def paid_session_in(hours, admin):
    booking, token = approved_booking(admin, price=D("80.00"))
    booking = paying.record_offline_payment(
        booking=booking, actor=admin, amount=D("80.00"), method="Bank transfer"
    )
    start = timezone.now() + timedelta(hours=hours)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(minutes=50)
    )
    return token


@pytest.mark.parametrize(
    ("full_until_hours", "refunded"),
    [(48, D("0.00")), (24, D("80.00"))],
    ids=["35 hours out, 48-hour policy", "35 hours out, 24-hour policy"],
)
def test_the_client_reads_the_refund_they_will_get_and_then_gets_it(
    client, offline, booking_admin, practice_settings, full_until_hours, refunded
):
    practice_settings(full_refund_until_hours=full_until_hours, late_refund_percent=0)
    token = paid_session_in(35, booking_admin)
    manage = reverse("booking:manage", args=[token])

    before = client.get(manage).content.decode()
    client.post(reverse("booking:manage_cancel", args=[token]), {"reason": "Ill"})
    after = client.get(manage).content.decode()

    assert f"Cancel up to {full_until_hours} hours before your session" in before
    assert (
        f"If you cancel now, {refunded} EUR of the 80.00 EUR you paid will be refunded"
        in before
    )
    booking = Booking.objects.get()
    assert booking.status == "cancelled"
    assert sum(r.amount for r in booking.refunds.all()) == refunded
    email = booking.emails.get(kind=OutboxEmail.Kind.CANCELLED)
    if refunded:
        assert f"{refunded} EUR is refunded: the practice pays it back" in (
            email.text_body
        )
        assert f"{refunded} EUR: " in after
    else:
        assert "nothing is refunded" in email.text_body
        assert "Cancel up to 48 hours" in email.text_body


def test_payment_instructions_come_from_practice_settings_everywhere(
    client, offline, booking_admin, practice_settings
):
    practice_settings(payment_instructions="<p>Pay to IBAN GB00 HAVN 1234.</p>")
    booking, token = approved_booking(booking_admin)

    page = client.get(reverse("booking:manage", args=[token])).content.decode()
    email = booking.emails.get(kind=OutboxEmail.Kind.APPROVED)
    answer = APIClient().post("/api/v1/manage/pay/", HTTP_X_MANAGE_TOKEN=token)

    assert "Pay to IBAN GB00 HAVN 1234." in page
    assert "Pay to IBAN GB00 HAVN 1234." in email.text_body
    assert answer.json()["instructions"] == "Pay to IBAN GB00 HAVN 1234."
