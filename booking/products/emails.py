"""Emails about a client's package: the receipt, "N sessions left", the expiry
warning and the expired notice; and about their money credit: the receipt of a
credit bought, the expiry warning and the expired notice. Each is a
`ProductEmail` row (of an entitlement, or of a credit grant) written once per
key in the transaction that causes it, then sent by a django-q2 task
(`booking.tasks.send_product_email`) after commit."""

from functools import partial
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from booking.notifications.emails import send_now
from booking.products.models import CreditLine, Entitlement, ProductEmail

KINDS = (
    "package_receipt",
    "sessions_left",
    "package_expiry_warning",
    "package_expired",
)
CREDIT_KINDS = ("credit_receipt", "credit_expiry_warning", "credit_expired")


def queue(entitlement: Entitlement, kind: str, *, occurrence: str = ""):
    """Write the email (None if its key was written before) and send it after
    commit."""
    assert kind in KINDS, kind
    key = f"entitlement:{entitlement.pk}:{kind}:{occurrence}"
    try:
        with transaction.atomic():
            email = ProductEmail.objects.create(
                key=key,
                entitlement=entitlement,
                kind=kind,
                recipient=entitlement.client_email,
            )
    except IntegrityError:
        return None
    _send_after_commit(email)
    return email


def queue_credit(grant, kind: str, *, occurrence: str = ""):
    """The same for a credit grant's email: written once per key (None if it
    was written before), sent after commit."""
    assert kind in CREDIT_KINDS, kind
    try:
        with transaction.atomic():
            email = ProductEmail.objects.create(
                key=f"credit:{grant.pk}:{kind}:{occurrence}",
                credit_grant=grant,
                kind=kind,
                recipient=grant.client_email,
            )
    except IntegrityError:
        return None
    _send_after_commit(email)
    return email


def _send_after_commit(email: ProductEmail) -> None:
    transaction.on_commit(
        partial(async_task, "booking.tasks.send_product_email", email.pk),
        robust=True,
    )


def credit_context(grant) -> dict:
    site = settings.SITE_URL
    return {
        "grant": grant,
        "product": grant.product,
        "purchase": grant.purchase,
        "left": grant.balance,
        "account_url": site + reverse("booking:account_packages"),
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }


def context(entitlement: Entitlement) -> dict:
    site = settings.SITE_URL
    # A bundle's sessions are one entitlement per service: count them all.
    lines = (
        CreditLine.objects.filter(entitlement__purchase=entitlement.purchase_id)
        if entitlement.purchase_id
        else entitlement.lines
    )
    left = lines.aggregate(total=Sum("sessions"))["total"] or 0
    return {
        "entitlement": entitlement,
        "package": entitlement.package,
        "purchase": entitlement.purchase,
        "left": left,
        "account_url": site + reverse("booking:account_packages"),
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }


def send(email_id: int) -> str:
    """The task: send the email unless it went already (or the client was erased)."""
    email = ProductEmail.objects.select_related(
        "entitlement__package", "credit_grant__product", "credit_grant__purchase"
    ).get(pk=email_id)
    if email.sent_at is not None:
        return "already sent"
    about = email.credit_grant or email.entitlement
    if about.anonymised_at is not None:
        return "client erased"
    if email.credit_grant_id:
        send_now(email.kind, credit_context(email.credit_grant), [email.recipient])
    else:
        send_now(email.kind, context(email.entitlement), [email.recipient])
    ProductEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now())
    return "sent"
