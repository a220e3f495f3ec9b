"""Stripe Billing at its network edge, for the membership tests: the payment
tests' `FakeStripe` taught subscriptions and invoices, and Billing's events
built from recorded ones (tests/booking/stripe_events/) and signed."""

import itertools
from decimal import Decimal

import pytest

from booking.products import memberships
from booking.products.membership_models import MembershipPlan
from tests.booking.stripe_fakes import WEBHOOK_SECRET, FakeStripe, event
from tests.factories import ConsultantFactory, ServiceFactory

DAY = 24 * 60 * 60
MONTH = 30 * DAY
_numbers = itertools.count(1)


class FakeBilling(FakeStripe):
    """Also answers subscriptions (read, cancel at period end) and invoices."""

    def __init__(self):
        super().__init__()
        self.subscriptions = {}
        self.invoices = {}

    def subscribe(self, session_id: str, *, start: int):
        """The client completed Checkout: the session, its subscription and
        the first (paid) invoice, as Stripe holds them."""
        session = self.sessions[session_id]
        subscription = {
            "id": f"sub_test_{next(_numbers)}",
            "object": "subscription",
            "status": "active",
            "customer": session["customer"],
            "cancel_at": None,
            "cancel_at_period_end": False,
            "ended_at": None,
            "metadata": dict(session["subscription_metadata"]),
            "items": {"object": "list", "data": [{"id": "si_test"}]},
        }
        self.subscriptions[subscription["id"]] = subscription
        first = self.invoice(subscription, start=start, reason="subscription_create")
        session.update(
            status="complete",
            payment_status="paid",
            subscription=subscription["id"],
            invoice=first["id"],
        )
        return subscription, first

    def invoice(self, subscription, *, start: int, reason="subscription_cycle"):
        """A paid invoice for the period from `start` (30 days)."""
        item = subscription["items"]["data"][0]
        item.update(current_period_start=start, current_period_end=start + MONTH)
        invoice = {
            "id": f"in_test_{next(_numbers)}",
            "status": "paid",
            "billing_reason": reason,
            "amount_paid": 4500,
            "currency": "eur",
            "customer": subscription["customer"],
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": subscription["id"],
                    "metadata": dict(subscription["metadata"]),
                },
            },
            "lines": {
                "object": "list",
                "data": [{"period": {"start": start, "end": start + MONTH}}],
            },
        }
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _route(self, method, path, params):
        parts = path.strip("/").split("/")[1:]
        if parts[:1] == ["subscriptions"] and len(parts) == 2:
            subscription = self.subscriptions[parts[1]]
            if method == "post" and "cancel_at_period_end" in params:
                subscription["cancel_at_period_end"] = (
                    params["cancel_at_period_end"] == "true"
                )
            return subscription, 200
        if parts[:1] == ["invoices"] and len(parts) == 2 and method == "get":
            return self.invoices[parts[1]], 200
        return super()._route(method, path, params)

    def _create_session(self, params):
        session = super()._create_session(params)
        prefix = "subscription_data[metadata]["
        session["subscription_metadata"] = {
            key[len(prefix) : -1]: value
            for key, value in params.items()
            if key.startswith(prefix)
        }
        session.update(subscription=None, invoice=None)
        return session


def checkout_event(session: dict, name="checkout.session.completed") -> dict:
    fields = ("id", "status", "payment_status", "subscription", "customer", "mode")
    return event(name, **{key: session.get(key) for key in fields})


def invoice_event(invoice: dict, name="invoice.paid") -> dict:
    return event(name, **invoice)


def subscription_event(subscription: dict, name: str) -> dict:
    return event(name, **subscription)


@pytest.fixture
def fake_billing(settings, monkeypatch):
    """Stripe configured, and every call answered by a `FakeBilling`."""
    settings.STRIPE_SECRET_KEY = "sk_test_haven"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SITE_URL = "https://haven.example"
    fake = FakeBilling()
    monkeypatch.setattr("booking.payments.provider.HTTP_CLIENT", fake)
    return fake


def plan_for(service=None, *, sessions=4, unused="expire", **fields):
    """A monthly plan of 45.00 EUR granting `sessions` of `service`."""
    if service is None:
        service = ServiceFactory(
            consultants=[ConsultantFactory()], price=Decimal("80.00")
        )
    plan = MembershipPlan.objects.create(
        name=fields.pop("name", "Monthly calm"),
        price=Decimal(fields.pop("price", "45.00")),
        currency=service.currency,
        sessions_per_period=sessions,
        unused=unused,
        **fields,
    )
    plan.services.set([service])
    memberships.sync_package(plan)
    return plan
