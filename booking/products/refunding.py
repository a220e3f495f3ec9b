"""Refunding a package's unused sessions as money (issue 22): a booking admin
does it (or the client, when `PACKAGE_CLIENT_REFUNDS` allows), for what the
unused sessions were bought for:

    refund = what the entitlement was bought for (`Entitlement.value`)
             − sessions used × session share (value / sessions, to the cent)

so what the consultants earned for the sessions held (their share each) plus
the refund is exactly what was paid, and nothing earned is reversed: the unused
sessions never earned anything. The sessions leave the ledger with a "Refunded
as money" line and the money goes back by a Stripe refund (a django-q2 job, its
idempotency key naming the refund row) or, for a package paid offline, by hand.
The refund row's key names the entitlement, so a retry refunds once."""

import logging
from datetime import timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.payments.provider import client, get_field, to_minor
from booking.products.credit_models import PackageRefund
from booking.products.ledger import lock_client, write_line
from booking.products.models import CreditLine, Entitlement, Purchase

logger = logging.getLogger(__name__)
Status = PackageRefund.Status


def refund_amount(entitlement: Entitlement, left: int) -> Decimal:
    """The formula above, never below zero."""
    used = entitlement.sessions_total - left
    paid = entitlement.value if entitlement.value is not None else Decimal("0")
    return max(paid - used * entitlement.session_share, Decimal("0.00"))


def client_may_refund() -> bool:
    return settings.PACKAGE_CLIENT_REFUNDS


def refund_unused(
    *, entitlement: Entitlement, actor=None, reason: str, by_client: bool = False
) -> PackageRefund:
    """Refund the entitlement's unused sessions, once: a second call returns the
    first refund. `actor` is the booking admin; `by_client` the client's own
    request from their packages page (their sign-in proves the address)."""
    if by_client and not client_may_refund():
        raise NotPermitted("Please ask the practice to refund unused sessions.")
    if not by_client and not actor.has_perm("booking.add_packagerefund"):
        raise NotPermitted("You do not have permission to refund packages.")
    with transaction.atomic():
        entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        lock_client(entitlement.client_email)
        done = PackageRefund.objects.filter(key=f"unused:{entitlement.pk}").first()
        if done is not None:
            return done
        refund = _write(entitlement, actor=actor, reason=reason, by_client=by_client)
    if refund.status == Status.PENDING:
        transaction.on_commit(
            lambda: async_task("booking.products.refunding.run_refund", refund.pk)
        )
    return refund


def _write(entitlement, *, actor, reason, by_client) -> PackageRefund:
    purchase = entitlement.purchase
    if purchase is None or purchase.status != Purchase.Status.PAID:
        raise InvalidBookingData(
            "These sessions were given, not bought: there is no money to refund."
        )
    if entitlement.expires_at <= timezone.now():
        raise InvalidBookingData("This package has expired: its sessions are gone.")
    left = entitlement.balance
    if left <= 0:
        raise InvalidBookingData("This package has no unused sessions to refund.")
    reason = (reason or "").strip() or (
        "Refund asked by the client" if by_client else ""
    )
    if not reason:
        raise InvalidBookingData("Say why the sessions are refunded.")
    write_line(
        entitlement,
        CreditLine.Kind.REFUND,
        -left,
        key=f"refund:{entitlement.pk}",
        reason=reason,
        actor=None if by_client else actor,
    )
    stripe_paid = purchase.provider == Purchase.Provider.STRIPE
    return PackageRefund.objects.create(
        key=f"unused:{entitlement.pk}",
        entitlement=entitlement,
        purchase=purchase,
        sessions=left,
        amount=refund_amount(entitlement, left),
        currency=purchase.currency,
        status=Status.PENDING if stripe_paid else Status.MANUAL,
        reason=reason[:255],
        requested_by=None if by_client else actor,
    )


def run_refund(refund_id: int) -> str:
    """The django-q2 job: ask Stripe for the refund (retried with a growing
    delay; after REFUND_MAX_ATTEMPTS it is marked failed for a person)."""
    refund = PackageRefund.objects.select_related("purchase").get(pk=refund_id)
    if refund.status != Status.PENDING:
        return f"package refund {refund_id} is {refund.status}"
    try:
        result = client().v1.refunds.create(
            params={
                "payment_intent": refund.purchase.stripe_payment_intent_id,
                "amount": to_minor(refund.amount, refund.currency),
                "metadata": {"package_refund": str(refund.pk)},
            },
            options={"idempotency_key": f"haven-package-refund-{refund.pk}"},
        )
    except stripe.StripeError as exc:
        return _failed(refund_id, exc)
    with transaction.atomic():
        refund = PackageRefund.objects.select_for_update().get(pk=refund_id)
        refund.stripe_refund_id = result.id
        refund.attempts += 1
        if get_field(result, "status") in ("succeeded", "pending"):
            refund.status = Status.SUCCEEDED
            refund.refunded_at = timezone.now()
        refund.save()
    return f"package refund {refund_id}: {refund.status}"


def _failed(refund_id: int, exc: Exception) -> str:
    logger.warning("Package refund %s failed: %s", refund_id, exc)
    with transaction.atomic():
        refund = PackageRefund.objects.select_for_update().get(pk=refund_id)
        refund.attempts += 1
        refund.last_error = str(exc)[:2000]
        if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
            refund.status = Status.FAILED
        refund.save()
    if refund.status == Status.PENDING:
        schedule(
            "booking.products.refunding.run_refund",
            refund.pk,
            name=f"Package refund {refund.pk}, try {refund.attempts + 1}",
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + timedelta(minutes=2**refund.attempts),
        )
    return f"package refund {refund_id} failed (attempt {refund.attempts}): {exc}"
