"""A signed-in client's one Stripe Customer (issue 21; Estuary's payment
profile): made the first time they pay while signed in, kept on their account,
and named in every Checkout Session they start after, so Stripe offers the card
they saved. Erased with the account."""

import logging

import stripe

from booking.accounts.models import ClientAccount
from booking.core.redaction import redact
from booking.payments.provider import PaymentUnavailable, client

logger = logging.getLogger(__name__)


def customer_for(account: ClientAccount) -> str:
    """The account's Stripe Customer id, made now if it has none. The idempotency
    key names the account, so a retried or doubled request makes one Customer;
    a second browser that raced this one keeps the id stored first."""
    if account.stripe_customer_id:
        return account.stripe_customer_id
    try:
        customer = client().v1.customers.create(
            params={
                "email": account.email,
                "name": account.name or account.email,
                "metadata": {"haven_account": str(account.pk)},
            },
            options={
                "idempotency_key": f"haven-customer-{account.pk}-"
                f"{int(account.created_at.timestamp())}"
            },
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe Customer not made: %s", redact(str(exc)))
        raise PaymentUnavailable(
            "Online payment is not available at the moment. Please try again in a "
            "few minutes, or contact the practice."
        ) from exc
    ClientAccount.objects.filter(pk=account.pk, stripe_customer_id="").update(
        stripe_customer_id=customer.id
    )
    account.refresh_from_db(fields=["stripe_customer_id"])
    return account.stripe_customer_id
