# ruff: noqa: F811  (pytest fixtures imported from the fakes)
"""A booking's manage page for a client who paid with a membership or credit:
"Cancel membership" (at the period's end) from the emailed link, as on the
account page; and, before cancelling, the credit that would come back, on the
page and in the API's cancel quote, besides any card refund."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from booking.core.models import Booking
from booking.lifecycle import credit_paying, paying
from booking.products import credits
from booking.products.membership_models import Membership
from tests.booking.accounts.conftest import (  # noqa: F401  (fixture)
    emailed_token,
    sign_in,
)
from tests.booking.products.billing_fakes import (  # noqa: F401  (fixture)
    DAY,
    checkout_event,
    fake_billing,
    invoice_event,
    plan_for,
)
from tests.booking.products.helpers import approved, setting_up
from tests.booking.stripe_fakes import (  # noqa: F401  (fixtures)
    deliver,
    fake_stripe,
    fresh_rate_limits,
    session_event,
)
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "sam@example.com"
START = int(time.time()) - DAY


@pytest.fixture
def desk():
    return user_with_perms(
        "approve_booking", "cancel_booking", "add_creditgrant", username="desk"
    )


@pytest.fixture
def member(client, fake_billing, sign_in):
    plan = plan_for(sessions=4)
    sign_in(EMAIL)
    client.post(f"/memberships/{plan.pk}/join/")
    membership = Membership.objects.get()
    session = fake_billing.sessions[membership.stripe_checkout_session_id]
    subscription, first = fake_billing.subscribe(session["id"], start=START)
    deliver(client, checkout_event(session))
    deliver(client, invoice_event(first))
    membership.refresh_from_db()
    return membership, subscription


def test_the_manage_link_cancels_the_membership_that_paid_at_period_end(
    member, fake_billing, desk, django_capture_on_commit_callbacks
):
    membership, subscription = member
    booking, token = approved(membership.plan.services.get(), desk, EMAIL)
    paying.pay_with_package(booking=booking)
    guest = APIClient()  # the emailed link alone, not signed in
    page = guest.get(f"/book/manage/{token}/").content.decode()
    assert "paid from your Monthly calm membership" in page
    assert "Cancel membership" in page
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post(f"/book/manage/{token}/membership/cancel/")

    assert response.status_code == 302
    (params,) = fake_billing.posts(f"/v1/subscriptions/{subscription['id']}")
    assert params == {"cancel_at_period_end": "true"}
    membership.refresh_from_db()
    assert membership.cancel_at_period_end
    assert membership.status == Membership.Status.ACTIVE  # until the period ends
    ends = f"{membership.current_period_end:%-d %B %Y}"
    page = guest.get(f"/book/manage/{token}/").content.decode()
    assert f"It is cancelled and ends on {ends}" in page
    assert "Cancel membership" not in page
    booking.refresh_from_db()
    assert booking.status == "confirmed"  # the booking itself stays
    [cancelled] = mail.outbox
    assert "is cancelled" in cancelled.subject
    # Pressed again (a second tab): refused, nothing sent to Stripe.
    assert guest.post(f"/book/manage/{token}/membership/cancel/").status_code == 409
    assert len(fake_billing.posts("/v1/subscriptions/")) == 1


def test_a_booking_not_paid_by_a_membership_offers_no_cancel(member, desk, client):
    membership, _ = member
    booking, token = approved(membership.plan.services.get(), desk, EMAIL)
    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "Cancel membership" not in page
    client.post(f"/book/manage/{token}/membership/cancel/")
    membership.refresh_from_db()
    assert not membership.cancel_at_period_end


def give(desk, amount):
    return credits.grant_promotion(
        actor=desk,
        email=EMAIL,
        amount=Decimal(amount),
        currency="EUR",
        reason="Goodwill",
    )


def quote(token):
    answer = APIClient().get("/api/v1/manage/cancel/", HTTP_X_MANAGE_TOKEN=token)
    assert answer.status_code == 200
    return answer.json()


def test_before_cancelling_the_client_reads_the_credit_that_comes_back(
    desk, client, practice_settings
):
    practice_settings(full_refund_until_hours=24, late_refund_percent=50)
    _, service = setting_up(price="80.00")
    give(desk, "100.00")
    booking, token = approved(service, desk, EMAIL)
    credit_paying.pay_with_credit(booking=booking)

    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "If you cancel now, 80.00 EUR goes back to your credit." in page
    assert quote(token)["credit_back"] == "80.00"
    assert quote(token)["refund_amount"] == "0.00"

    # Late (within 24 hours): half, as a card payment would be refunded.
    start = timezone.now() + timedelta(hours=5)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + timedelta(minutes=50)
    )
    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "If you cancel now, 40.00 EUR goes back to your credit." in page
    assert quote(token)["credit_back"] == "40.00"

    client.post(f"/book/manage/{token}/cancel/", {"reason": "Ill"})
    assert credits.balance(EMAIL, "EUR") == Decimal("60.00")  # 20 left + 40 back


def test_partial_credit_and_card_quote_both(
    desk, client, fake_stripe, practice_settings
):
    practice_settings(full_refund_until_hours=24, late_refund_percent=0)
    _, service = setting_up(price="80.00")
    give(desk, "30.00")
    booking, token = approved(service, desk, EMAIL)
    client.post(f"/book/manage/{token}/pay/credit/")
    # The card part not paid yet: all the credit held goes back.
    assert quote(token)["credit_back"] == "30.00"

    card = booking.payments.get(provider="stripe")
    session = fake_stripe.pay(card.stripe_checkout_session_id)
    deliver(client, session_event("checkout.session.completed", session))
    page = client.get(f"/book/manage/{token}/").content.decode()
    assert (
        "If you cancel now, 30.00 EUR goes back to your credit, and 50.00 EUR is "
        "refunded to your card." in page
    )
    assert quote(token) | {"status": None} == {
        "reference": booking.reference,
        "status": None,
        "amount_paid": "80.00",
        "refund_amount": "50.00",
        "credit_back": "30.00",
        "currency": "EUR",
    }


def test_a_card_booking_has_no_credit_quote(desk, client):
    _, service = setting_up(price="80.00")
    booking, token = approved(service, desk, EMAIL)
    assert quote(token)["credit_back"] is None
