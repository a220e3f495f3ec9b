"""Emails about a client's membership: started, a renewal's sessions granted, a
payment failed, cancelled. Each is a `MembershipEmail` row written once per key
in the transaction that causes it (so a redelivered event, or Stripe's retries
of one invoice, email once), then sent by a django-q2 task
(`booking.tasks.send_membership_email`) after commit."""

from functools import partial
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from booking.notifications.emails import send_now
from booking.products.membership_models import (
    Membership,
    MembershipEmail,
    MembershipPeriod,
)

KINDS = (
    "membership_started",
    "membership_renewed",
    "membership_payment_failed",
    "membership_cancelled",
)


def queue(
    membership: Membership,
    kind: str,
    *,
    occurrence: str = "",
    period: MembershipPeriod | None = None,
):
    """Write the email (None if its key was written before) and send it after
    commit."""
    assert kind in KINDS, kind
    key = f"membership:{membership.pk}:{kind}:{occurrence}"
    try:
        with transaction.atomic():
            email = MembershipEmail.objects.create(
                key=key,
                membership=membership,
                period=period,
                kind=kind,
                recipient=membership.client_email,
            )
    except IntegrityError:
        return None
    transaction.on_commit(
        partial(async_task, "booking.tasks.send_membership_email", email.pk),
        robust=True,
    )
    return email


def context(email: MembershipEmail) -> dict:
    site = settings.SITE_URL
    membership = email.membership
    period = email.period
    return {
        "membership": membership,
        "plan": membership.plan,
        "period": period,
        "left": period.grant.balance if period else None,
        "account_url": site + reverse("booking:account_memberships"),
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }


def send(email_id: int) -> str:
    """The task: send the email unless it went already (or the client was erased)."""
    email = MembershipEmail.objects.select_related(
        "membership__plan", "period__entitlement", "period__credit_grant"
    ).get(pk=email_id)
    if email.sent_at is not None:
        return "already sent"
    if email.membership.anonymised_at is not None:
        return "client erased"
    send_now(email.kind, context(email), [email.recipient])
    MembershipEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now())
    return "sent"
