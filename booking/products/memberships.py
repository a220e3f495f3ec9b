"""Memberships (issue 22): setting up a plan, subscribing by a Stripe Checkout
Session in subscription mode, the Checkout's own events, and the client
cancelling at the period's end. What each paid period grants, and Stripe
Billing's later events, are `billing`'s.

A plan's grants live in the packages' ledger: `sync_package` keeps the plan's
hidden package (never on sale) in step with it, so a session granted by a
membership is used, returned, earned (price / sessions per period) and expired
exactly as a package session is."""

import logging
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.core.errors import BookingError, InvalidBookingData, NotPermitted
from booking.core.redaction import redact
from booking.payments.customers import customer_for
from booking.payments.provider import PaymentUnavailable, client, get_field, to_minor
from booking.products import membership_emails as emails
from booking.products.membership_models import Membership, MembershipPlan
from booking.products.models import Package

logger = logging.getLogger(__name__)
Status = Membership.Status
UNAVAILABLE = (
    "Online payment is not available at the moment. Please try again in a few "
    "minutes, or contact the practice."
)
PERIOD_DAYS = {MembershipPlan.Interval.MONTH: 31, MembershipPlan.Interval.YEAR: 366}


class MembershipError(BookingError):
    code = "membership_not_changed"


def sync_package(plan: MembershipPlan) -> Package:
    """Make or update the plan's hidden package: its services, the sessions (or
    credit) and price of one period, its currency. Call after the plan's services are
    saved."""
    fields = {
        "name": f"{plan.name} (membership)",
        "description": plan.description,
        # A credit plan's package holds money, not sessions (as a credit product).
        "kind": Package.Kind.CREDIT if plan.grants_credit else Package.Kind.PACKAGE,
        "sessions": plan.sessions_per_period or 1,
        "credit_amount": plan.credit_per_period,
        "price": plan.price,
        "currency": plan.currency,
        "validity_days": PERIOD_DAYS[plan.interval],
        "is_active": False,  # granted by the membership, never sold alone
    }
    with transaction.atomic():
        if plan.package_id is None:
            plan.package = Package.objects.create(**fields)
            plan.save(update_fields=["package"])
        else:
            Package.objects.filter(pk=plan.package_id).update(**fields)
            plan.package.refresh_from_db()
        plan.package.services.set(plan.services.all())
    return plan.package


def on_sale():
    """Plans open to new members, with their services."""
    return (
        MembershipPlan.objects.filter(is_active=True, package__isnull=False)
        .prefetch_related("services")
        .order_by("name", "pk")
    )


def joinable(plan_id) -> MembershipPlan:
    plan = on_sale().filter(pk=plan_id).first()
    if plan is None:
        raise InvalidBookingData("This membership is not open to new members.")
    return plan


def memberships_of(email: str):
    return Membership.objects.filter(client_email__iexact=email.strip())


def paid_for(booking) -> Membership | None:
    """The membership whose session or credit paid for `booking` (for its
    manage page's "Cancel membership"), or None."""
    return (
        Membership.objects.filter(client_email__iexact=booking.client_email)
        .filter(
            Q(
                periods__entitlement__lines__booking=booking,
                periods__entitlement__lines__kind="use",
            )
            | Q(
                periods__credit_grant__lines__booking=booking,
                periods__credit_grant__lines__kind="use",
            )
        )
        .exclude(status__in=(Status.PENDING, Status.ABANDONED))
        .select_related("plan")
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def start_checkout(*, plan: MembershipPlan, account: ClientAccount) -> Membership:
    """A pending membership and its Checkout Session in subscription mode, paid
    as the account's Stripe Customer; a Stripe failure undoes both."""
    if (
        memberships_of(account.email)
        .filter(plan=plan, status__in=(Status.ACTIVE, Status.PAST_DUE))
        .exists()
    ):
        raise MembershipError(f"You are already a member of “{plan}”.")
    customer = customer_for(account)
    membership = Membership.objects.create(
        plan=plan, client_email=account.email.lower(), stripe_customer_id=customer
    )
    expires_at = timezone.now() + timedelta(
        minutes=settings.STRIPE_CHECKOUT_EXPIRY_MINUTES
    )
    metadata = {"membership": str(membership.pk)}
    back = settings.SITE_URL + reverse(
        "booking:membership_joined", args=[membership.pk]
    )
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": plan.currency.lower(),
                            "unit_amount": to_minor(plan.price, plan.currency),
                            "recurring": {"interval": plan.interval},
                            "product_data": {"name": plan.name},
                        },
                    }
                ],
                "customer": customer,
                "client_reference_id": f"membership-{membership.pk}",
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
                "expires_at": int(expires_at.timestamp()),
                "success_url": back + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": settings.SITE_URL + reverse("booking:memberships"),
            },
            options={"idempotency_key": f"haven-membership-{membership.pk}"},
        )
    except stripe.StripeError as exc:
        logger.warning("Stripe Checkout for a membership failed: %s", redact(str(exc)))
        raise PaymentUnavailable(UNAVAILABLE) from exc
    membership.stripe_checkout_session_id = session.id
    membership.checkout_url = session.url
    membership.save(update_fields=["stripe_checkout_session_id", "checkout_url"])
    return membership


def owns(session) -> bool:
    """Whether a Checkout Session is a membership's."""
    return Membership.objects.filter(stripe_checkout_session_id=session["id"]).exists()


def checkout_completed(session) -> Membership | None:
    """The client subscribed: the membership learns its subscription and starts.
    The sessions come with the paid invoice (`billing.invoice_paid`), which may
    arrive before or after this."""
    if get_field(session, "status") not in (None, "complete"):
        return None
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(stripe_checkout_session_id=session["id"])
            .first()
        )
        if membership is None:
            return None
        subscription = get_field(session, "subscription", "")
        if not isinstance(subscription, str):
            subscription = get_field(subscription, "id", "")
        if subscription and not membership.stripe_subscription_id:
            membership.stripe_subscription_id = subscription
        if membership.status in (Status.PENDING, Status.ABANDONED):
            membership.status = Status.ACTIVE
        membership.started_at = membership.started_at or timezone.now()
        membership.save()
        return membership


def checkout_expired(session) -> None:
    """The Checkout Session expired unsubscribed (a started one stays)."""
    Membership.objects.filter(
        stripe_checkout_session_id=session["id"], status=Status.PENDING
    ).update(status=Status.ABANDONED)


def cancel(*, membership: Membership, email: str) -> Membership:
    """The client cancels from their account or a booking's manage link: Stripe
    ends the subscription at
    the end of the period paid for; until then the membership and its sessions
    stay. Emailed once."""
    if membership.client_email.lower() != email.strip().lower():
        raise NotPermitted("This membership is not yours.")
    if not membership.running or not membership.stripe_subscription_id:
        raise MembershipError("This membership is not running: nothing to cancel.")
    if membership.cancel_at_period_end:
        raise MembershipError("This membership is already cancelled.")
    try:
        subscription = client().v1.subscriptions.update(
            membership.stripe_subscription_id,
            params={"cancel_at_period_end": True},
            options={"idempotency_key": f"haven-membership-cancel-{membership.pk}"},
        )
    except stripe.StripeError as exc:
        logger.warning("Membership %s not cancelled: %s", membership.pk, exc)
        raise PaymentUnavailable(UNAVAILABLE) from exc
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        membership.cancel_at_period_end = True
        membership.cancelled_at = membership.cancelled_at or timezone.now()
        membership.current_period_end = period_end(subscription) or (
            membership.current_period_end
        )
        membership.save()
        emails.queue(membership, "membership_cancelled")
    return membership


def period_end(subscription) -> datetime | None:
    """The end of the period a subscription is paid to: on the subscription, or
    (newer API versions) on its first item."""
    end = get_field(subscription, "current_period_end")
    if end is None:
        items = get_field(get_field(subscription, "items", {}), "data", [])
        end = get_field(items[0], "current_period_end") if items else None
    return stamp(end)


def stamp(value) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(int(value), tz=UTC)
