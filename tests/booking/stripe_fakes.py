"""Stripe at its network edge: a fake `stripe.HTTPClient` for `StripeClient`, and
webhook deliveries built from recorded events and signed the way Stripe signs."""

import copy
import itertools
import json
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe
from django.core.cache import cache
from django.urls import reverse

from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    user_with_perms,
)

EVENTS = Path(__file__).parent / "stripe_events"
WEBHOOK_SECRET = "whsec_test_haven"
_numbers = itertools.count(1)


class FakeStripe(stripe.HTTPClient):
    """Answers the few Stripe endpoints Haven calls, keeps what it was asked, and
    replays the first answer for a repeated idempotency key, as Stripe does."""

    name = "fake"

    def __init__(self):
        super().__init__()
        self.calls = []
        self.sessions = {}
        self.refunds = {}
        self.transfers = {}
        self.accounts = {}
        self.customers = {}
        self.links = []
        self.failures = 0  # answer this many next requests with a Stripe error
        self._replies = {}

    # what tests look at
    def posts(self, path_prefix: str) -> list[dict]:
        return [
            params
            for method, path, headers, params in self.calls
            if method == "post" and path.startswith(path_prefix)
        ]

    def keys(self, path_prefix: str) -> list[str]:
        return [
            headers.get("Idempotency-Key")
            for method, path, headers, params in self.calls
            if method == "post" and path.startswith(path_prefix)
        ]

    def pay(self, session_id: str) -> dict:
        """What Stripe holds once the client has paid on the Checkout page."""
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=f"pi_test_{next(_numbers)}",
        )
        return session

    # stripe.HTTPClient
    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path, query = urlsplit(url).path, urlsplit(url).query
        params = dict(parse_qsl(post_data or query or "", keep_blank_values=True))
        headers = dict(headers or {})
        self.calls.append((method, path, headers, params))
        key = headers.get("Idempotency-Key")
        if key and key in self._replies:
            return self._replies[key]
        if self.failures:
            self.failures -= 1
            return _reply({"error": {"type": "api_error", "message": "Boom"}}, 400)
        reply = _reply(*self._route(method, path, params))
        if key and method == "post":
            self._replies[key] = reply
        return reply

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self):
        pass

    def _route(self, method, path, params):
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        if parts == ["checkout", "sessions"] and method == "post":
            return self._create_session(params), 200
        if parts[:2] == ["checkout", "sessions"] and len(parts) == 3:
            return self.sessions[parts[2]], 200
        if parts[:2] == ["checkout", "sessions"] and parts[3:] == ["expire"]:
            session = self.sessions[parts[2]]
            if session["status"] != "open":
                return _error("This Checkout Session is not open."), 400
            session["status"] = "expired"
            return session, 200
        if parts == ["customers"] and method == "post":
            customer = {
                "id": f"cus_test_{next(_numbers)}",
                "object": "customer",
                "email": params.get("email"),
                "name": params.get("name"),
            }
            self.customers[customer["id"]] = customer
            return customer, 200
        if parts == ["refunds"] and method == "post":
            refund = {
                "id": f"re_test_{next(_numbers)}",
                "object": "refund",
                "amount": int(params["amount"]),
                "payment_intent": params["payment_intent"],
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            return refund, 200
        if parts == ["transfers"] and method == "post":
            transfer = {
                "id": f"tr_test_{next(_numbers)}",
                "object": "transfer",
                "amount": int(params["amount"]),
                "currency": params["currency"],
                "destination": params["destination"],
                "transfer_group": params.get("transfer_group"),
            }
            self.transfers[transfer["id"]] = transfer
            return transfer, 200
        if parts == ["transfers"] and method == "get":
            found = [
                transfer
                for transfer in self.transfers.values()
                if transfer["transfer_group"] == params.get("transfer_group")
            ]
            return {"object": "list", "data": found, "has_more": False}, 200
        if parts == ["accounts"] and method == "post":
            account = {
                "id": f"acct_test_{next(_numbers)}",
                "object": "account",
                "type": params["type"],
                "email": params.get("email"),
                "details_submitted": False,
                "charges_enabled": False,
                "payouts_enabled": False,
                "requirements": {
                    "currently_due": ["external_account", "tos_acceptance.date"],
                    "past_due": [],
                    "disabled_reason": "requirements.past_due",
                },
            }
            self.accounts[account["id"]] = account
            return account, 200
        if parts[:1] == ["accounts"] and len(parts) == 2 and method == "get":
            return self.accounts[parts[1]], 200
        if parts == ["account_links"] and method == "post":
            link = {
                "object": "account_link",
                "url": f"https://connect.stripe.com/setup/e/{params['account']}/"
                f"{next(_numbers)}",
                "expires_at": int(time.time()) + 300,
            }
            self.links.append(params)
            return link, 200
        return _error(f"No fake for {method} {path}"), 404

    def _create_session(self, params):
        number = next(_numbers)
        session = {
            "id": f"cs_test_{number}",
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/cs_test_{number}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": params["mode"],
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "customer_email": params.get("customer_email"),
            "customer": params.get("customer"),
            "client_reference_id": params["client_reference_id"],
            "expires_at": int(params["expires_at"]),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in params.items()
                if key.startswith("metadata[")
            },
            "payment_intent": None,
        }
        self.sessions[session["id"]] = session
        return session


def _error(message):
    return {"error": {"type": "invalid_request_error", "message": message}}


def _reply(body, status):
    return json.dumps(body), status, {"request-id": f"req_{next(_numbers)}"}


# --- webhook deliveries ------------------------------------------------------------


def event(name: str, **object_fields) -> dict:
    """A recorded event (tests/booking/stripe_events/<name>.json) with a fresh id
    and its object's fields replaced."""
    recorded = json.loads((EVENTS / f"{name}.json").read_text())
    recorded = copy.deepcopy(recorded)
    recorded["id"] = f"evt_test_{next(_numbers)}"
    recorded["data"]["object"].update(object_fields)
    return recorded


def session_event(name: str, session: dict) -> dict:
    """A checkout.session.* event carrying the fake's session as it stands."""
    fields = {
        key: session[key]
        for key in (
            "id",
            "amount_total",
            "currency",
            "metadata",
            "client_reference_id",
            "payment_intent",
        )
    }
    fields["payment_status"] = session["payment_status"]
    return event(name, **fields)


def deliver(client, payload: dict, *, secret=WEBHOOK_SECRET, timestamp=None):
    """POST an event to the webhook, signed as Stripe signs it."""
    body = json.dumps(payload)
    signature = stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=timestamp or int(time.time())
    )
    return client.post(
        "/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


# --- fixtures (imported by the payment test modules) ---------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The manage link's rate limit counts in the cache, across tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    """Stripe configured, and every call answered by a `FakeStripe`."""
    settings.STRIPE_SECRET_KEY = "sk_test_haven"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SITE_URL = "https://haven.example"
    fake = FakeStripe()
    monkeypatch.setattr("booking.payments.provider.HTTP_CLIENT", fake)
    return fake


@pytest.fixture
def offline(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


@pytest.fixture
def booking_admin(db):
    return user_with_perms(
        "approve_booking", "cancel_booking", "record_offline_payment", username="desk"
    )


def approved_booking(admin, *, price=Decimal("80.00"), start=None, **client):
    """A verified, approved booking of a paid session, and a manage link for it."""
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=price)
    booking, verify = make_draft(service=service, start=start, **client)
    services.verify_email(token=verify)
    booking = services.approve(booking=booking, actor=admin)
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    return booking, token


def press_pay(client, token) -> str:
    """The client presses "Pay" on the manage page; returns the Checkout URL."""
    response = client.post(reverse("booking:pay", args=[token]))
    assert response.status_code == 302, response.content
    return response["Location"]
