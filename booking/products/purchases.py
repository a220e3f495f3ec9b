"""Buying a package: by Stripe Checkout (granted when Stripe reports the session
paid, once, from the webhook or the return page alike) or offline, recorded by a
booking admin. The entitlement is written with the purchase's ledger line."""

import logging
from datetime import timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.core.redaction import redact
from booking.payments.provider import (
    PaymentUnavailable,
    client,
    from_minor,
    get_field,
    to_minor,
)
from booking.products import credits, ledger
from booking.products.models import Package, Purchase

logger = logging.getLogger(__name__)


def buyable(package_id) -> Package:
    package = Package.objects.filter(pk=package_id, is_active=True).first()
    if package is None:
        raise InvalidBookingData("This package is not on sale at the moment.")
    return package


@transaction.atomic
def start_checkout(*, package: Package, email: str) -> Purchase:
    """A pending purchase and its Checkout Session; a Stripe failure undoes both."""
    expires_at = timezone.now() + timedelta(
        minutes=settings.STRIPE_CHECKOUT_EXPIRY_MINUTES
    )
    purchase = Purchase.objects.create(
        package=package,
        client_email=email.strip().lower(),
        provider=Purchase.Provider.STRIPE,
        amount=package.price,
        currency=package.currency,
    )
    metadata = {"purchase": str(purchase.pk)}
    back = settings.SITE_URL + reverse("booking:package_bought", args=[purchase.pk])
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": package.currency.lower(),
                            "unit_amount": to_minor(package.price, package.currency),
                            "product_data": {"name": package.name},
                        },
                    }
                ],
                "customer_email": purchase.client_email,
                "client_reference_id": f"package-{purchase.pk}",
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "expires_at": int(expires_at.timestamp()),
                "success_url": back + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": settings.SITE_URL + reverse("booking:packages"),
            },
            options={"idempotency_key": f"haven-package-{purchase.pk}"},
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe Checkout for a package failed: %s", redact(str(exc)))
        raise PaymentUnavailable(
            "Online payment is not available at the moment. Please try again in a "
            "few minutes, or contact the practice."
        ) from exc
    purchase.stripe_checkout_session_id = session.id
    purchase.checkout_url = session.url
    purchase.save(update_fields=["stripe_checkout_session_id", "checkout_url"])
    return purchase


def owns(session) -> bool:
    """Whether a Checkout Session is a package purchase's."""
    return Purchase.objects.filter(stripe_checkout_session_id=session["id"]).exists()


def fulfil(session):
    """Grant a paid session's package, once: the purchase is locked, and a paid
    purchase grants nothing again (a duplicate, late or out-of-order event)."""
    if get_field(session, "payment_status") not in ("paid", "no_payment_required"):
        return None
    with transaction.atomic():
        purchase = (
            Purchase.objects.select_for_update()
            .filter(stripe_checkout_session_id=session["id"])
            .first()
        )
        if purchase is None:
            return None
        if purchase.status != Purchase.Status.PAID:
            purchase.status = Purchase.Status.PAID
            purchase.amount = from_minor(
                get_field(session, "amount_total", 0), purchase.currency
            )
            purchase.stripe_payment_intent_id = get_field(session, "payment_intent", "")
            purchase.paid_at = timezone.now()
            purchase.save()
        return grant(purchase)


def grant(purchase: Purchase):
    """What a paid purchase gives: credit for a credit product, else sessions."""
    if purchase.package.kind == Package.Kind.CREDIT:
        return credits.grant_purchase(purchase)
    return ledger.grant_purchase(purchase)


def ended(session) -> None:
    """The session expired unpaid: the purchase is closed (a paid one stays)."""
    Purchase.objects.filter(
        stripe_checkout_session_id=session["id"], status=Purchase.Status.PENDING
    ).update(status=Purchase.Status.EXPIRED)


def confirm_from_redirect(purchase: Purchase, session_id: str) -> None:
    """The client is back from Checkout: ask Stripe rather than wait."""
    if purchase.status != Purchase.Status.PENDING:
        return
    if session_id != purchase.stripe_checkout_session_id:
        return
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        logger.info("Package checkout %s not read back: %s", session_id, exc)
        return
    fulfil(session)


@transaction.atomic
def record_offline(
    *, actor, package: Package, email: str, method: str, reference: str = ""
):
    """A booking admin records a package paid outside Stripe."""
    if not actor.has_perm("booking.add_purchase"):
        raise NotPermitted("You do not have permission to record package payments.")
    if not method.strip():
        raise InvalidBookingData("Say how the package was paid (e.g. bank transfer).")
    purchase = Purchase.objects.create(
        package=package,
        client_email=email.strip().lower(),
        provider=Purchase.Provider.OFFLINE,
        status=Purchase.Status.PAID,
        amount=package.price,
        currency=package.currency,
        method=method.strip()[:60],
        reference=reference.strip()[:120],
        recorded_by=actor,
        paid_at=timezone.now(),
    )
    return grant(purchase)
