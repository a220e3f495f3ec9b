# ruff: noqa: F811  (pytest fixtures imported from the fakes)
"""Memberships whose plan grants an amount of money credit each period: each
paid invoice grants the period's credit once however its events arrive, unused
credit expires at the period's end or rolls over while the membership runs, and
the credit pays for a booking."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from booking.products import credits
from booking.products.credit_models import CreditGrant, MoneyLine
from booking.products.membership_models import Membership, MembershipPeriod
from booking.products.models import Entitlement
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
EMAIL = "kim@example.com"
START = int(time.time()) - DAY


def at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


def credit_plan(service=None, **fields):
    return plan_for(
        service,
        sessions=None,
        credit_per_period=Decimal("50.00"),
        name="Calm credit",
        **fields,
    )


def join(client, fake_billing, sign_in, plan):
    sign_in(EMAIL)
    client.post(f"/memberships/{plan.pk}/join/")
    membership = Membership.objects.get()
    session = fake_billing.sessions[membership.stripe_checkout_session_id]
    subscription, first = fake_billing.subscribe(session["id"], start=START)
    deliver(client, checkout_event(session))
    deliver(client, invoice_event(first))
    membership.refresh_from_db()
    return membership, subscription


def test_the_plans_page_says_what_credit_a_period_grants(client):
    credit_plan()
    page = client.get("/memberships/").content.decode()
    assert "50.00 EUR of credit each month" in page
    assert "Unused credit expires at the end of each month" in page


def test_each_period_grants_its_credit_once_in_any_order(
    client, fake_billing, sign_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership, subscription = join(client, fake_billing, sign_in, credit_plan())
    assert credits.balance(EMAIL, "EUR") == Decimal("50.00")
    assert not Entitlement.objects.exists()  # money, not sessions
    [welcome] = [m for m in mail.outbox if "Welcome to Calm credit" in m.subject]
    assert "50.00 EUR of credit" in welcome.body

    second = fake_billing.invoice(subscription, start=START + MONTH)
    third = fake_billing.invoice(subscription, start=START + 2 * MONTH)
    deliver(client, invoice_event(third))  # out of order
    deliver(client, invoice_event(second))
    deliver(client, invoice_event(second))  # the same invoice, a new event id
    first_id = membership.periods.order_by("starts_at").first().stripe_invoice_id
    deliver(client, invoice_event(fake_billing.invoices[first_id]))

    assert MembershipPeriod.objects.count() == 3
    assert MoneyLine.objects.filter(kind="purchase").count() == 3
    assert credits.balance(EMAIL, "EUR") == Decimal("150.00")
    grant = MembershipPeriod.objects.order_by("starts_at").first().credit_grant
    assert grant.expires_at == at(START + MONTH)  # its period's end
    page = client.get("/account/memberships/").content.decode()
    assert "150.00 EUR of credit left" in page
    assert "50.00 EUR credit" in page  # the periods paid


def test_unused_credit_expires_at_the_period_end_once(client, fake_billing, sign_in):
    join(client, fake_billing, sign_in, credit_plan())
    end = at(START + MONTH)
    assert credits.expire_due(now=end - timedelta(minutes=1)) == 0
    assert credits.expire_due(now=end) == 1
    assert credits.expire_due(now=end + timedelta(hours=1)) == 0
    [expiry] = MoneyLine.objects.filter(kind="expiry")
    assert expiry.amount == Decimal("-50.00")


def test_rolled_over_credit_lasts_while_the_membership_runs(
    client, fake_billing, sign_in, settings
):
    settings.MEMBERSHIP_ROLLOVER_GRACE_DAYS = 3
    membership, subscription = join(
        client, fake_billing, sign_in, credit_plan(unused="roll_over")
    )
    end = at(START + MONTH)
    assert credits.expire_due(now=end + timedelta(hours=1)) == 0
    deliver(
        client, invoice_event(fake_billing.invoice(subscription, start=START + MONTH))
    )
    later = end + timedelta(hours=2)
    assert credits.balance(EMAIL, "EUR", now=later) == Decimal("100.00")
    next_end = at(START + 2 * MONTH)
    assert credits.expire_due(now=next_end + timedelta(days=2)) == 0

    subscription.update(status="canceled", ended_at=START + 2 * MONTH)
    deliver(client, subscription_event(subscription, "customer.subscription.deleted"))
    assert credits.expire_due(now=next_end) == 2
    assert credits.expire_due(now=next_end) == 0
    assert credits.balance(EMAIL, "EUR", now=next_end) == 0


def test_the_credit_pays_for_a_booking(client, fake_billing, sign_in):
    from booking.lifecycle import credit_paying
    from tests.booking.products.helpers import approved
    from tests.factories import ConsultantFactory, ServiceFactory, user_with_perms

    service = ServiceFactory(consultants=[ConsultantFactory()], price=Decimal("40"))
    join(client, fake_billing, sign_in, credit_plan(service=service))
    admin = user_with_perms("approve_booking", username="desk")
    booking, _ = approved(service, admin, EMAIL)

    credit_paying.pay_with_credit(booking=booking)

    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert credits.balance(EMAIL, "EUR") == Decimal("10.00")


def test_a_plan_grants_sessions_or_credit_not_both():
    from django.core.exceptions import ValidationError

    plan = credit_plan()
    plan.sessions_per_period = 2
    with pytest.raises(ValidationError, match="either sessions or credit"):
        plan.clean()
    plan.sessions_per_period = plan.credit_per_period = None
    with pytest.raises(ValidationError):
        plan.clean()
    assert CreditGrant.objects.count() == 0
