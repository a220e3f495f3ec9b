"""A client's packages and credit in their data bundle, and their erasure:
amounts, sessions and dates stay for the accounts (and the liabilities report);
the address they were bought with is replaced by one that names no one."""

from django.db.models import Sum
from django.utils import timezone

from booking.products.credit_models import CreditGrant, MoneyLine
from booking.products.models import (
    ClientLock,
    CreditLine,
    Entitlement,
    ProductEmail,
    Purchase,
)

PACKAGE_FIELDS = (
    "package",
    "client_email",
    "sessions_total",
    "sessions_left",
    "expires_at",
    "price_paid",
    "currency",
    "created_at",
)
LINE_FIELDS = ("package", "kind", "sessions", "reason", "booking", "created_at")
CREDIT_FIELDS = ("product", "amount", "left", "currency", "expires_at", "created_at")
CREDIT_LINE_FIELDS = ("kind", "amount", "currency", "reason", "booking", "created_at")


def entitlements_of(email: str):
    return Entitlement.objects.filter(client_email__iexact=email)


def lines_of(email: str):
    return CreditLine.objects.filter(entitlement__client_email__iexact=email)


def bundle_rows(email: str) -> dict[str, list[dict]]:
    entitlements = (
        entitlements_of(email)
        .select_related("package", "purchase")
        .annotate(left=Sum("lines__sessions"))
        .order_by("pk")
    )
    lines = lines_of(email).select_related("entitlement__package", "booking")
    return {
        "packages": [
            {
                "package": str(e.package),
                "client_email": e.client_email,
                "sessions_total": e.sessions_total,
                "sessions_left": e.left or 0,
                "expires_at": e.expires_at,
                "price_paid": e.value
                if e.value is not None
                else (e.purchase.amount if e.purchase else None),
                "currency": e.package.currency,
                "created_at": e.created_at,
            }
            for e in entitlements
        ],
        "package_lines": [
            {
                "package": str(line.entitlement.package),
                "kind": line.get_kind_display(),
                "sessions": line.sessions,
                "reason": line.reason,
                "booking": line.booking.reference if line.booking else "",
                "created_at": line.created_at,
            }
            for line in lines.order_by("pk")
        ],
        **credit_rows(email),
    }


def grants_of(email: str):
    return CreditGrant.objects.filter(client_email__iexact=email)


def credit_lines_of(email: str):
    return MoneyLine.objects.filter(grant__client_email__iexact=email)


def credit_rows(email: str) -> dict[str, list[dict]]:
    grants = (
        grants_of(email)
        .select_related("product")
        .annotate(left=Sum("lines__amount"))
        .order_by("pk")
    )
    lines = credit_lines_of(email)
    return {
        "credit": [
            {
                "product": str(g.product or "Promotion"),
                "amount": g.amount,
                "left": g.left or 0,
                "currency": g.currency,
                "expires_at": g.expires_at,
                "created_at": g.created_at,
            }
            for g in grants
        ],
        "credit_lines": [
            {
                "kind": line.get_kind_display(),
                "amount": line.amount,
                "currency": line.grant.currency,
                "reason": line.reason,
                "booking": line.booking.reference if line.booking else "",
                "created_at": line.created_at,
            }
            for line in lines.select_related("grant", "booking").order_by("pk")
        ],
    }


def held(email: str) -> bool:
    return (
        entitlements_of(email).exists()
        or Purchase.objects.filter(client_email__iexact=email).exists()
        or CreditGrant.objects.filter(client_email__iexact=email).exists()
    )


def anonymise(email: str) -> int:
    """Replace the address on the client's entitlements, purchases and their
    emails; the reasons that a booking admin typed may name the person, so
    promotion reasons go too. Returns how many entitlements were anonymised."""
    now = timezone.now()
    count = 0
    for entitlement in entitlements_of(email):
        placeholder = f"package-{entitlement.pk}@anonymised.invalid"
        entitlement.client_email = placeholder
        entitlement.anonymised_at = now
        entitlement.save(update_fields=["client_email", "anonymised_at"])
        ProductEmail.objects.filter(entitlement=entitlement).update(
            recipient=placeholder
        )
        entitlement.lines.filter(kind=CreditLine.Kind.PROMOTION).update(
            reason="(removed with the client's personal data)"
        )
        count += 1
    for grant in grants_of(email):
        grant.client_email = f"credit-{grant.pk}@anonymised.invalid"
        grant.anonymised_at = now
        grant.save(update_fields=["client_email", "anonymised_at"])
        ProductEmail.objects.filter(credit_grant=grant).update(
            recipient=grant.client_email
        )
        grant.lines.filter(kind=MoneyLine.Kind.PROMOTION).update(
            reason="(removed with the client's personal data)"
        )
    for purchase in Purchase.objects.filter(client_email__iexact=email):
        purchase.client_email = f"purchase-{purchase.pk}@anonymised.invalid"
        purchase.save(update_fields=["client_email"])
    ClientLock.objects.filter(email=email.strip().lower()).delete()
    return count
