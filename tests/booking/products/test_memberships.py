# ruff: noqa: F811  (pytest fixtures imported from the fakes)
"""Memberships against a fake Stripe Billing, by signed webhooks: joining by
Checkout in subscription mode, each period granted once however its events
arrive, a failed payment (no grant, one email), cancelling at the period's end,
and unused sessions that expire or roll over."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from booking.products import ledger
from booking.products.membership_models import (
    Membership,
    MembershipEmail,
    MembershipPeriod,
)
from booking.products.models import CreditLine, Entitlement, Package
from tests.booking.accounts.conftest import (  # noqa: F401  (fixture)
    emailed_token,
    sign_in,
)
from tests.booking.products.billing_fakes import (  # noqa: F401  (fixture)
    DAY,
    MONTH,
    checkout_event,
    fake_billing,
    invoice_event,
    plan_for,
    subscription_event,
)
from tests.booking.stripe_fakes import deliver, fresh_rate_limits  # noqa: F401

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"
START = int(time.time()) - DAY  # the first period began yesterday


def at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


def kinds_sent() -> list[str]:
    return sorted(MembershipEmail.objects.values_list("kind", flat=True))


@pytest.fixture
def plan():
    return plan_for(sessions=4)


@pytest.fixture
def joining(client, fake_billing, plan, sign_in):
    """A signed-in client pressed "Join": (membership, the fake's session)."""
    sign_in(EMAIL)
    response = client.post(f"/memberships/{plan.pk}/join/")
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert response["Location"] == membership.checkout_url
    return membership, fake_billing.sessions[membership.stripe_checkout_session_id]


@pytest.fixture
def member(client, joining, fake_billing, django_capture_on_commit_callbacks):
    """The client subscribed and both events arrived: (membership, subscription)."""
    membership, session = joining
    subscription, first = fake_billing.subscribe(session["id"], start=START)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, checkout_event(session))
        deliver(client, invoice_event(first))
    membership.refresh_from_db()
    return membership, subscription


def test_a_guest_signs_in_before_joining(client, plan, fake_billing):
    response = client.post(f"/memberships/{plan.pk}/join/")
    assert response["Location"] == "/account/sign-in/"
    assert not Membership.objects.exists()


def test_the_plans_page_shows_price_period_and_sessions(client, plan):
    page = client.get("/memberships/").content.decode()
    assert "45.00 EUR a month" in page
    assert "4 sessions each month" in page
    assert "Unused sessions expire at the end of each month" in page


def test_joining_opens_checkout_in_subscription_mode(joining, fake_billing):
    membership, _ = joining
    (params,) = fake_billing.posts("/v1/checkout/sessions")
    assert params["mode"] == "subscription"
    assert params["line_items[0][price_data][recurring][interval]"] == "month"
    assert params["line_items[0][price_data][unit_amount]"] == "4500"
    assert params["customer"] == membership.stripe_customer_id != ""
    assert params["subscription_data[metadata][membership]"] == str(membership.pk)
    assert membership.status == Membership.Status.PENDING


def test_joining_grants_the_first_period_once(member, client, fake_billing):
    membership, subscription = member
    assert membership.status == Membership.Status.ACTIVE
    assert membership.stripe_subscription_id == subscription["id"]
    assert ledger.sessions_left(EMAIL) == 4
    entitlement = Entitlement.objects.get()
    assert entitlement.expires_at == at(START + MONTH)  # its period's end
    assert not Package.objects.get().is_active  # the plan's own, never on sale
    assert kinds_sent() == ["membership_started"]
    [welcome] = [m for m in mail.outbox if "Welcome to Monthly calm" in m.subject]
    assert welcome.to == [EMAIL] and "4 session(s)" in welcome.body


def test_renewals_grant_once_per_period_in_any_order(
    member, client, fake_billing, django_capture_on_commit_callbacks
):
    membership, subscription = member
    second = fake_billing.invoice(subscription, start=START + MONTH)
    third = fake_billing.invoice(subscription, start=START + 2 * MONTH)
    paid_second = invoice_event(second)
    first_id = membership.periods.get().stripe_invoice_id

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, invoice_event(third))  # out of order: the later first
        assert deliver(client, paid_second).content == b"ok"
        assert deliver(client, paid_second).content == b"already processed"
        # The same invoice again under new event ids, and the first period's.
        deliver(client, invoice_event(second))
        deliver(client, invoice_event(fake_billing.invoices[third["id"]]))
        deliver(client, invoice_event(fake_billing.invoices[first_id]))

    periods = MembershipPeriod.objects.order_by("starts_at")
    assert [p.starts_at for p in periods] == [
        at(START),
        at(START + MONTH),
        at(START + 2 * MONTH),
    ]
    assert CreditLine.objects.filter(kind="purchase").count() == 3
    assert ledger.sessions_left(EMAIL) == 12
    assert kinds_sent() == [
        "membership_renewed",
        "membership_renewed",
        "membership_started",
    ]
    membership.refresh_from_db()
    assert membership.current_period_end == at(START + 3 * MONTH)


def test_an_invoice_before_the_checkout_event_still_grants_once(
    client, joining, fake_billing
):
    membership, session = joining
    subscription, first = fake_billing.subscribe(session["id"], start=START)

    deliver(client, invoice_event(first))  # Stripe's events race each other
    deliver(client, checkout_event(session))

    membership.refresh_from_db()
    assert membership.stripe_subscription_id == subscription["id"]
    assert membership.status == Membership.Status.ACTIVE
    assert ledger.sessions_left(EMAIL) == 4


def test_the_return_page_grants_before_the_webhooks(client, joining, fake_billing):
    membership, session = joining
    subscription, first = fake_billing.subscribe(session["id"], start=START)

    response = client.get(
        f"/memberships/joined/{membership.pk}/?session_id={session['id']}"
    )

    assert "you are a member of Monthly calm" in response.content.decode()
    deliver(client, checkout_event(session))
    deliver(client, invoice_event(first))
    assert ledger.sessions_left(EMAIL) == 4
    assert MembershipPeriod.objects.count() == 1


def test_a_failed_payment_grants_nothing_and_emails_once(
    member, client, fake_billing, django_capture_on_commit_callbacks
):
    membership, subscription = member
    renewal = fake_billing.invoice(subscription, start=START + MONTH)
    renewal.update(status="open", amount_paid=0)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        # Stripe retries the invoice: one event per attempt.
        deliver(client, invoice_event(renewal, "invoice.payment_failed"))
        deliver(client, invoice_event(renewal, "invoice.payment_failed"))

    membership.refresh_from_db()
    assert membership.status == Membership.Status.PAST_DUE
    assert ledger.sessions_left(EMAIL) == 4  # the first period's only
    [failed] = mail.outbox
    assert failed.subject == "Monthly calm: your payment did not go through"
    assert failed.to == [EMAIL]
    page = client.get("/account/memberships/").content.decode()
    assert "Your last payment did not go through" in page

    # A later attempt succeeds: the period is granted then.
    renewal.update(status="paid", amount_paid=4500)
    deliver(client, invoice_event(renewal))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert ledger.sessions_left(EMAIL) == 8


def test_the_client_cancels_at_the_period_end(
    member, client, fake_billing, django_capture_on_commit_callbacks
):
    membership, subscription = member
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/memberships/{membership.pk}/cancel/")
        # Stripe's own events for it follow: nothing more is emailed.
        deliver(
            client, subscription_event(subscription, "customer.subscription.updated")
        )

    assert response.status_code == 302
    (params,) = fake_billing.posts(f"/v1/subscriptions/{subscription['id']}")
    assert params == {"cancel_at_period_end": "true"}
    membership.refresh_from_db()
    assert membership.cancel_at_period_end
    assert membership.status == Membership.Status.ACTIVE  # until the period ends
    ends = f"{at(START + MONTH):%-d %B %Y}"
    page = client.get("/account/memberships/").content.decode()
    assert (
        f'Cancelled</strong>: ends on <span class="membership-end">{ends}</span>'
        in page
    )
    assert "4 sessions left" in page
    assert "Cancel membership" not in page
    [cancelled] = mail.outbox
    assert "is cancelled" in cancelled.subject and ends in cancelled.body

    subscription.update(status="canceled", ended_at=START + MONTH)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client, subscription_event(subscription, "customer.subscription.deleted")
        )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_at == at(START + MONTH)
    assert len(mail.outbox) == 1
    assert (
        client.post(f"/account/memberships/{membership.pk}/cancel/").status_code == 409
    )


def test_someone_else_cannot_cancel_it(member, fake_billing):
    membership, _ = member
    other = Client()
    other.post("/account/sign-in/", {"email": "other@example.com", "website": ""})
    other.post(f"/account/link/{emailed_token('other@example.com')}/")

    other.post(f"/account/memberships/{membership.pk}/cancel/")

    membership.refresh_from_db()
    assert not membership.cancel_at_period_end
    assert not fake_billing.posts("/v1/subscriptions/")


def test_unused_sessions_expire_at_the_period_end_once(member, fake_billing):
    end = at(START + MONTH)
    assert ledger.expire_due(now=end - timedelta(minutes=1)) == 0
    assert ledger.expire_due(now=end) == 1
    assert ledger.expire_due(now=end + timedelta(hours=1)) == 0
    [expiry] = CreditLine.objects.filter(kind="expiry")
    assert expiry.sessions == -4
    assert ledger.sessions_left(EMAIL, now=end) == 0


def test_rolled_over_sessions_last_while_the_membership_runs(
    client, fake_billing, sign_in, settings
):
    settings.MEMBERSHIP_ROLLOVER_GRACE_DAYS = 3
    plan = plan_for(sessions=4, unused="roll_over", name="Rolling calm")
    sign_in(EMAIL)
    client.post(f"/memberships/{plan.pk}/join/")
    [session] = fake_billing.sessions.values()
    subscription, first = fake_billing.subscribe(session["id"], start=START)
    deliver(client, checkout_event(session))
    deliver(client, invoice_event(first))
    end = at(START + MONTH)

    # The renewal is charged an hour after the period ends: nothing is lost.
    assert ledger.expire_due(now=end + timedelta(hours=1)) == 0
    renewal = fake_billing.invoice(subscription, start=START + MONTH)
    deliver(client, invoice_event(renewal))
    assert ledger.sessions_left(EMAIL, now=end + timedelta(hours=2)) == 8
    next_end = at(START + 2 * MONTH)
    assert ledger.expire_due(now=next_end + timedelta(days=2)) == 0

    # It ends: each period's sessions fall back to its own end, and expire once.
    subscription.update(status="canceled", ended_at=START + 2 * MONTH)
    deliver(client, subscription_event(subscription, "customer.subscription.deleted"))
    assert ledger.expire_due(now=next_end) == 2
    assert ledger.expire_due(now=next_end) == 0
    assert CreditLine.objects.filter(kind="expiry").count() == 2
    assert ledger.sessions_left(EMAIL, now=next_end) == 0


def test_a_membership_session_pays_for_a_booking(member):
    from booking.lifecycle import paying
    from tests.booking.products.helpers import approved
    from tests.factories import user_with_perms

    service = member[0].plan.services.get()
    admin = user_with_perms("approve_booking", username="desk")
    booking, _ = approved(service, admin, EMAIL)

    paying.pay_with_package(booking=booking)

    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert ledger.sessions_left(EMAIL) == 3
    payment = booking.payments.get()
    assert payment.paid_amount == member[0].plan.package.session_share  # 11.25


def test_an_abandoned_checkout_starts_nothing(client, joining):
    membership, session = joining
    session["status"] = "expired"
    deliver(client, checkout_event(session, "checkout.session.expired"))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ABANDONED
    assert not Entitlement.objects.exists()
    page = client.get("/account/memberships/").content.decode()
    assert "You have no memberships yet" in page
