"""Stripe as Haven talks to it: whether it is configured, its client, and amounts
in a currency's minor units. Without `STRIPE_SECRET_KEY` Haven is in offline mode:
the client sees the practice's instructions and a booking admin records the
payment."""

from decimal import Decimal

import stripe
from django.conf import settings

from booking.core.errors import BookingError

# Tests put a fake `stripe.HTTPClient` here; None = the library's default client.
HTTP_CLIENT: stripe.HTTPClient | None = None


# Currencies Stripe counts in whole units rather than cents.
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG"} | {
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


class PaymentUnavailable(BookingError):
    """Stripe could not be reached or refused the request."""

    code = "payment_unavailable"


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        http_client=HTTP_CLIENT,
        max_network_retries=2,
    )


def to_minor(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_value())


def from_minor(value: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL:
        return Decimal(value)
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def get_field(obj, key: str, default=None):
    """A field of a Stripe object, or `default` when Stripe left it out."""
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value
