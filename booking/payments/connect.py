"""Stripe Connect: a consultant's Express account, so the weekly payout run
(`booking.payments.payouts`) can transfer their earnings to their bank.

"Connect your bank account" creates the account once (an idempotency key per
consultant, under a lock on the consultant's row, so two presses make one) and
sends the consultant to Stripe's onboarding through an Account Link. Stripe's
`account.updated` events, and a read when the consultant comes back, keep the
account's state in `ConnectedAccount`."""

import logging

import stripe
from django.db import transaction

from booking.core.models import Consultant
from booking.payments.models import ConnectedAccount
from booking.payments.provider import (
    PaymentUnavailable,
    client,
    get_field,
    stripe_enabled,
)

logger = logging.getLogger(__name__)


class ConnectUnavailable(PaymentUnavailable):
    code = "connect_unavailable"


def onboarding_url(*, consultant: Consultant, return_url: str) -> str:
    """Where to send the consultant to give Stripe their details: a new Account
    Link for their account, made first if they have none. Stripe sends them back
    to `return_url` when they finish or when the link has run out."""
    if not stripe_enabled():
        raise ConnectUnavailable(
            "Stripe is not configured for this practice: payouts are made by hand."
        )
    try:
        account_id = ensure_account(consultant)
        link = client().v1.account_links.create(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": return_url,
                "return_url": return_url,
            }
        )
    except stripe.StripeError as exc:
        raise ConnectUnavailable(
            f"Stripe could not start onboarding ({exc.user_message or exc}); "
            "try again in a few minutes."
        ) from exc
    return link.url


@transaction.atomic
def ensure_account(consultant: Consultant) -> str:
    """The consultant's connected account id, creating an Express account if they
    have none. The lock makes a second press wait and then find the account."""
    consultant = Consultant.objects.select_for_update().get(pk=consultant.pk)
    if not consultant.stripe_account_id:
        account = client().v1.accounts.create(
            params={
                "type": "express",
                "email": consultant.email,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"consultant": str(consultant.pk)},
            },
            options={"idempotency_key": f"haven-connect-{consultant.pk}"},
        )
        consultant.stripe_account_id = account.id
        consultant.save(update_fields=["stripe_account_id"])
        record_state(consultant, account)
    return consultant.stripe_account_id


def record_state(consultant: Consultant, account) -> ConnectedAccount:
    # An account id an admin moved to another consultant is no longer the first's.
    ConnectedAccount.objects.filter(account_id=account["id"]).exclude(
        consultant=consultant
    ).delete()
    requirements = get_field(account, "requirements", {})
    due = list(get_field(requirements, "past_due", [])) + [
        name
        for name in get_field(requirements, "currently_due", [])
        if name not in get_field(requirements, "past_due", [])
    ]
    state, _ = ConnectedAccount.objects.update_or_create(
        consultant=consultant,
        defaults={
            "account_id": account["id"],
            "details_submitted": bool(get_field(account, "details_submitted", False)),
            "charges_enabled": bool(get_field(account, "charges_enabled", False)),
            "payouts_enabled": bool(get_field(account, "payouts_enabled", False)),
            "requirements_due": due,
            "disabled_reason": get_field(requirements, "disabled_reason", ""),
        },
    )
    return state


def account_updated(account) -> ConnectedAccount | None:
    """Stripe's `account.updated`: store the new state of a consultant's account.
    An account no consultant has (another platform's, or one replaced since) is
    logged and left alone."""
    consultant = Consultant.objects.filter(stripe_account_id=account["id"]).first()
    if consultant is None:
        logger.info("account.updated for %s: no consultant has it", account["id"])
        return None
    return record_state(consultant, account)


def refresh(consultant: Consultant) -> ConnectedAccount | None:
    """Read the account back from Stripe (the consultant is back from
    onboarding, before its events arrive). A failure leaves the last state."""
    if not (stripe_enabled() and consultant.stripe_account_id):
        return None
    try:
        account = client().v1.accounts.retrieve(consultant.stripe_account_id)
    except stripe.StripeError as exc:
        logger.info("Account %s not read back: %s", consultant.stripe_account_id, exc)
        return None
    return record_state(consultant, account)


def account_state(consultant: Consultant) -> dict:
    """What the consultant's page says about their bank account."""
    state = ConnectedAccount.objects.filter(
        consultant=consultant, account_id=consultant.stripe_account_id
    ).first()
    if not consultant.stripe_account_id:
        return {"summary": "Not connected", "needs": [], "can_onboard": True}
    if state is None:
        return {
            "summary": "Connected; waiting for Stripe to confirm the account",
            "needs": [],
            "can_onboard": True,
        }
    needs = state.needs()
    if state.payouts_enabled:
        summary = "Payouts enabled"
    elif needs:
        summary = "Stripe needs more details: " + ", ".join(needs)
    elif not state.details_submitted:
        summary = "Onboarding not finished"
    else:
        summary = "Stripe is reviewing your details"
    return {
        "summary": summary,
        "needs": needs,
        "can_onboard": bool(needs) or not state.details_submitted,
        "account": state,
    }
