# ruff: noqa: F811  (pytest fixtures imported from stripe_fakes)
"""The whole journey over the API, as a frontend drives it: draft → verify (the
emailed link) → approve (staff, with a Wagtail API token) → pay (Stripe's HTTP
client faked) → confirmed by Stripe's signed webhook → cancelled with a refund."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.payments.models import Refund
from tests.api.conftest import bearer, emailed_token, manage_header
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    offline,
    session_event,
)
from tests.factories import next_monday_at

pytestmark = pytest.mark.django_db


def free_slot(api, consultant, service, **query) -> str:
    day = (timezone.now() + timedelta(days=8)).date()
    response = api.get(
        f"/api/v1/consultants/{consultant.pk}/slots/",
        {"service": service.slug, "date_from": day, "date_to": day, **query},
    )
    assert response.status_code == 200, response.json()
    return response.json()["slots"][0]["start"]


def request_booking(api, consultant, service, start, email="ada@example.com"):
    return api.post(
        "/api/v1/bookings/",
        {
            "consultant": consultant.pk,
            "service": service.slug,
            "start": start,
            "client_name": "Ada Lovelace",
            "client_email": email,
            "client_time_zone": "Europe/London",
            "consent": True,
        },
        format="json",
    )


def test_draft_verify_approve_pay_confirm_cancel_refund(
    api, client, offer, booking_admin, fake_stripe, django_capture_on_commit_callbacks
):
    consultant, service = offer
    start = free_slot(api, consultant, service, tz="Europe/London")

    created = request_booking(api, consultant, service, start)
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    assert created.json()["status"] == "draft"

    verified = api.post(
        "/api/v1/bookings/verify/",
        {"token": emailed_token(reference, "verify_email")},
        format="json",
    )
    assert verified.json() == {
        "reference": reference,
        "status": "pending",
        "status_label": "Pending approval",
    }

    approved = api.post(
        f"/api/v1/staff/bookings/{reference}/transitions/",
        {"action": "approve"},
        format="json",
        **bearer(booking_admin),
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"

    found = api.post(
        "/api/v1/bookings/find/", {"email": "ADA@example.com"}, format="json"
    )
    assert found.status_code == 202
    token = emailed_token(reference, "manage_link")
    details = api.get("/api/v1/manage/", **manage_header(token)).json()
    assert details["needs_payment"] is True
    booked = Booking.objects.get(reference=reference)
    assert datetime.fromisoformat(details["start"]) == booked.start

    paying = api.post("/api/v1/manage/pay/", **manage_header(token))
    assert paying.status_code == 200, paying.json()
    body = paying.json()
    assert body["mode"] == "stripe"
    assert body["status"] == "payment_pending"
    assert body["amount_due"] == "80.00"
    session = next(iter(fake_stripe.sessions.values()))
    assert body["checkout_url"] == session["url"]

    fake_stripe.pay(session["id"])
    with django_capture_on_commit_callbacks(execute=True):
        webhook = deliver(client, session_event("checkout.session.completed", session))
    assert webhook.status_code == 200
    status = api.get(f"/api/v1/bookings/{reference}/status/").json()
    assert status["status"] == "confirmed"

    quote = api.get("/api/v1/manage/cancel/", **manage_header(token))
    assert quote.json()["refund_amount"] == "80.00"
    assert Booking.objects.get(reference=reference).status == S.CONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = api.post(
            "/api/v1/manage/cancel/",
            {"reason": "Plans changed"},
            format="json",
            **manage_header(token),
        )
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    refund = Refund.objects.get(payment__booking__reference=reference)
    assert refund.amount == Decimal("80.00")
    assert refund.status == Refund.Status.SUCCEEDED
    (params,) = fake_stripe.posts("/v1/refunds")
    assert params["amount"] == "8000"
    after = api.get("/api/v1/manage/", **manage_header(token)).json()
    assert after["refunds"][0]["amount"] == "80.00"
    assert after["can_cancel"] is False


def test_offline_mode_answers_with_the_practice_instructions(
    api, offer, booking_admin, offline, practice_settings
):
    practice_settings(
        payment_instructions="<p>Transfer to IBAN XX00 quoting the ref.</p>"
    )
    consultant, service = offer
    created = request_booking(api, consultant, service, next_monday_at(9).isoformat())
    reference = created.json()["reference"]
    api.post(
        "/api/v1/bookings/verify/",
        {"token": emailed_token(reference, "verify_email")},
        format="json",
    )
    api.post(
        f"/api/v1/staff/bookings/{reference}/transitions/",
        {"action": "approve"},
        format="json",
        **bearer(booking_admin),
    )
    api.post("/api/v1/bookings/find/", {"email": "ada@example.com"}, format="json")
    token = emailed_token(reference, "manage_link")

    paying = api.post("/api/v1/manage/pay/", **manage_header(token))

    assert paying.status_code == 200
    assert paying.json() == {
        "mode": "offline",
        "status": "approved",
        "instructions": "Transfer to IBAN XX00 quoting the ref.",
        "amount_due": "80.00",
        "currency": "EUR",
    }
    assert Booking.objects.get(reference=reference).status == S.APPROVED
