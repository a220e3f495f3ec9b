"""Stripe Billing's events for memberships: each paid invoice grants its period's
sessions (or, on a credit plan, its credit) once, a failed payment grants
nothing and emails the client once per invoice, and the subscription's changes
mirror a cancellation at the period's end and the end itself.

Exactly once: the membership row is locked, and a period is one
`MembershipPeriod`, unique per invoice and per (membership, period start), made
in the same transaction as its entitlement and ledger line; a duplicate or
out-of-order `invoice.paid` finds it and grants nothing. The webhook's own
event log (`ProcessedStripeEvent`) drops a redelivered event before this.

Unused sessions or credit: on a plan whose sessions expire, each period's entitlement
expires at the period's end. On a plan that rolls over, it expires
`MEMBERSHIP_ROLLOVER_GRACE_DAYS` after (a renewal is charged shortly after the
period ends), and every paid renewal moves the membership's unexpired
entitlements to the new period's date; when the membership ends, each falls back
to the end of its own period. The packages' hourly expiry job
(`ledger.expire_due`, `credits.expire_due`) writes the expiry line, once, in
both cases."""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from booking.payments.provider import client, from_minor, get_field
from booking.products import credits, ledger
from booking.products import membership_emails as emails
from booking.products.credit_models import CreditGrant, MoneyLine
from booking.products.membership_models import Membership, MembershipPeriod
from booking.products.memberships import checkout_completed, period_end, stamp
from booking.products.models import CreditLine, Entitlement

logger = logging.getLogger(__name__)
Status = Membership.Status
EXPIRY = CreditLine.Kind.EXPIRY
# A proration or a manual invoice is not a new period's grant.
GRANTING = ("subscription_create", "subscription_cycle")
STRIPE_STATUS = {
    "active": Status.ACTIVE,
    "trialing": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "unpaid": Status.PAST_DUE,
    "paused": Status.PAST_DUE,
}


def invoice_paid(invoice) -> MembershipPeriod | None:
    """Grant the invoice's period its sessions, once (None when it granted
    nothing: already granted, not a period's invoice, or not a membership's)."""
    reason = get_field(invoice, "billing_reason", "subscription_cycle")
    if get_field(invoice, "status") != "paid" or reason not in GRANTING:
        return None
    starts_at, ends_at = _period(invoice)
    with transaction.atomic():
        membership = _locked(_subscription_of(invoice), _metadata_of(invoice))
        if membership is None:
            logger.warning("Invoice %s matches no membership", invoice["id"])
            return None
        done = MembershipPeriod.objects.filter(
            Q(stripe_invoice_id=invoice["id"])
            | Q(membership=membership, starts_at=starts_at)
        )
        if done.exists():
            return None
        period = _grant(membership, invoice, starts_at, ends_at)
        if membership.status != Status.ENDED:
            membership.status = Status.ACTIVE
            if membership.plan.rolls_over:
                _roll_over(membership, until=period.grant.expires_at)
        membership.started_at = membership.started_at or timezone.now()
        membership.current_period_end = max(
            filter(None, (membership.current_period_end, ends_at))
        )
        membership.save()
        if reason == "subscription_create":
            emails.queue(membership, "membership_started", period=period)
        else:
            emails.queue(
                membership,
                "membership_renewed",
                occurrence=invoice["id"],
                period=period,
            )
        return period


def _grant(membership, invoice, starts_at, ends_at) -> MembershipPeriod:
    """The period's entitlement (or, on a credit plan, credit grant), its ledger
    line and its row (the membership locked by the caller)."""
    plan = membership.plan
    ledger.lock_client(membership.client_email)
    expires_at = ends_at
    if plan.rolls_over and membership.status != Status.ENDED:
        expires_at += timedelta(days=settings.MEMBERSHIP_ROLLOVER_GRACE_DAYS)
    currency = get_field(invoice, "currency", plan.currency).upper()
    amount = from_minor(get_field(invoice, "amount_paid", 0), currency)
    key = f"membership:{membership.pk}:{int(starts_at.timestamp())}"
    reason = (
        f"{plan}: {starts_at:%-d %b %Y} to {ends_at:%-d %b %Y} ({amount} {currency})"
    )
    granted = {}
    if plan.grants_credit:
        grant = CreditGrant.objects.create(
            product=plan.package,
            client_email=membership.client_email,
            amount=plan.credit_per_period,
            currency=plan.currency,
            expires_at=expires_at,
        )
        credits.write_line(
            grant, MoneyLine.Kind.PURCHASE, grant.amount, key=key, reason=reason
        )
        granted["credit_grant"] = grant
    else:
        entitlement = Entitlement.objects.create(
            package=plan.package,
            client_email=membership.client_email,
            sessions_total=plan.sessions_per_period,
            expires_at=expires_at,
        )
        ledger.write_line(
            entitlement,
            CreditLine.Kind.PURCHASE,
            plan.sessions_per_period,
            key=key,
            reason=reason,
        )
        granted["entitlement"] = entitlement
    return MembershipPeriod.objects.create(
        membership=membership,
        stripe_invoice_id=invoice["id"],
        starts_at=starts_at,
        ends_at=ends_at,
        amount=amount,
        currency=currency,
        **granted,
    )


def _roll_over(membership: Membership, *, until) -> int:
    """Carry the membership's unexpired sessions or credit to the newest
    period's date."""
    sessions = (
        Entitlement.objects.filter(
            membership_period__membership=membership, expires_at__lt=until
        )
        .exclude(lines__kind=EXPIRY)
        .update(expires_at=until)
    )
    money = (
        CreditGrant.objects.filter(
            membership_period__membership=membership, expires_at__lt=until
        )
        .exclude(lines__kind=MoneyLine.Kind.EXPIRY)
        .update(expires_at=until)
    )
    return sessions + money


def invoice_payment_failed(invoice) -> None:
    """No grant; the membership shows the failed payment and the client is
    emailed once for the invoice, however often Stripe retries it."""
    with transaction.atomic():
        membership = _locked(_subscription_of(invoice), _metadata_of(invoice))
        if membership is None or membership.status == Status.ENDED:
            return
        if MembershipPeriod.objects.filter(stripe_invoice_id=invoice["id"]).exists():
            return  # paid meanwhile: this failure arrived late
        if membership.status == Status.ACTIVE:
            membership.status = Status.PAST_DUE
            membership.save(update_fields=["status"])
        emails.queue(membership, "membership_payment_failed", occurrence=invoice["id"])


def subscription_updated(subscription) -> None:
    """Mirror the subscription: its status, the period paid to, and a
    cancellation at the period's end (from the account page or Stripe). A
    cancellation is kept once seen, so a late, older event does not undo it."""
    if get_field(subscription, "status") in ("canceled", "incomplete_expired"):
        subscription_ended(subscription)
        return
    with transaction.atomic():
        membership = _locked(subscription["id"], get_field(subscription, "metadata"))
        if membership is None or membership.status == Status.ENDED:
            return
        status = STRIPE_STATUS.get(get_field(subscription, "status"))
        if status is not None:
            membership.status = status
        end = period_end(subscription)
        if end is not None:
            membership.current_period_end = max(
                filter(None, (membership.current_period_end, end))
            )
        cancelling = bool(get_field(subscription, "cancel_at_period_end", False))
        cancelling = cancelling or get_field(subscription, "cancel_at") is not None
        if cancelling and not membership.cancel_at_period_end:
            membership.cancel_at_period_end = True
            membership.cancelled_at = membership.cancelled_at or timezone.now()
            emails.queue(membership, "membership_cancelled")
        membership.save()


def subscription_ended(subscription) -> None:
    """The subscription ended: the membership is over, rolled-over sessions
    fall back to their own period's end, and the client is told (once)."""
    with transaction.atomic():
        membership = _locked(subscription["id"], get_field(subscription, "metadata"))
        if membership is None:
            return
        if membership.status != Status.ENDED:
            membership.status = Status.ENDED
            membership.ended_at = (
                stamp(get_field(subscription, "ended_at")) or timezone.now()
            )
            membership.save(update_fields=["status", "ended_at"])
        if membership.plan.rolls_over:
            for period in membership.periods.all():
                Entitlement.objects.filter(
                    pk=period.entitlement_id, expires_at__gt=period.ends_at
                ).exclude(lines__kind=EXPIRY).update(expires_at=period.ends_at)
                CreditGrant.objects.filter(
                    pk=period.credit_grant_id, expires_at__gt=period.ends_at
                ).exclude(lines__kind=MoneyLine.Kind.EXPIRY).update(
                    expires_at=period.ends_at
                )
        emails.queue(membership, "membership_cancelled")


def confirm_from_redirect(membership: Membership, session_id: str) -> None:
    """The client is back from Checkout: ask Stripe about the session and its
    first invoice rather than wait for the webhooks (which still come, and then
    change nothing). A failure here is harmless."""
    if session_id != membership.stripe_checkout_session_id:
        return
    if membership.periods.exists():
        return
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
        checkout_completed(session)
        invoice_id = get_field(session, "invoice", "")
        if invoice_id and get_field(session, "status") == "complete":
            invoice_paid(client().v1.invoices.retrieve(invoice_id))
    except stripe.StripeError as exc:
        logger.info("Membership checkout %s not read back: %s", session_id, exc)


# --- reading Stripe's objects (their shape moved between API versions) -----------


def _locked(subscription_id: str, metadata) -> Membership | None:
    """The subscription's membership, locked: by its id, or (an invoice that
    arrived before the Checkout's event) by the membership the metadata names."""
    found = Membership.objects.select_for_update(of=("self",)).select_related(
        "plan__package"
    )
    if subscription_id:
        membership = found.filter(stripe_subscription_id=subscription_id).first()
        if membership is not None:
            return membership
    named = str(get_field(metadata, "membership", ""))
    membership = found.filter(pk=int(named)).first() if named.isdigit() else None
    if membership is None or membership.stripe_subscription_id:
        return None
    if subscription_id:
        membership.stripe_subscription_id = subscription_id
        membership.save(update_fields=["stripe_subscription_id"])
    return membership


def _subscription_details(invoice):
    parent = get_field(invoice, "parent", {})
    return get_field(parent, "subscription_details") or get_field(
        invoice, "subscription_details", {}
    )


def _subscription_of(invoice) -> str:
    found = get_field(_subscription_details(invoice), "subscription") or get_field(
        invoice, "subscription", ""
    )
    return found if isinstance(found, str) else get_field(found, "id", "")


def _metadata_of(invoice):
    return get_field(_subscription_details(invoice), "metadata", {})


def _period(invoice):
    """The service period the invoice pays for: its subscription line's."""
    lines = get_field(get_field(invoice, "lines", {}), "data", [])
    period = get_field(lines[0], "period") if lines else None
    if period is None:
        return stamp(invoice["period_start"]), stamp(invoice["period_end"])
    return stamp(period["start"]), stamp(period["end"])
