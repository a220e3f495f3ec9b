"""The same paid invoice reported twice at once (Stripe redelivers, or its
`invoice.paid` and the return page's read-back race), with real threads and
connections on PostgreSQL: the membership's row lock gives one grant."""

import time

import pytest

from booking.products import billing, ledger
from booking.products.membership_models import Membership, MembershipPeriod
from booking.products.models import CreditLine
from tests.booking.lifecycle.test_concurrency import all_at_once
from tests.booking.products.billing_fakes import MONTH, plan_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
EMAIL = "pat@example.com"


def test_one_invoice_reported_twice_at_once_grants_once():
    start = int(time.time())
    Membership.objects.create(
        plan=plan_for(sessions=4),
        client_email=EMAIL,
        stripe_subscription_id="sub_test_race",
        status=Membership.Status.ACTIVE,
    )
    invoice = {
        "id": "in_test_race",
        "status": "paid",
        "billing_reason": "subscription_cycle",
        "amount_paid": 4500,
        "currency": "eur",
        "subscription": "sub_test_race",
        "lines": {"data": [{"period": {"start": start, "end": start + MONTH}}]},
    }

    outcomes = all_at_once(billing.invoice_paid, [invoice, dict(invoice)])

    assert outcomes == ["ok", "ok"]
    assert MembershipPeriod.objects.count() == 1
    assert CreditLine.objects.filter(kind="purchase").count() == 1
    assert ledger.sessions_left(EMAIL) == 4
