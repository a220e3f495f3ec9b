"""A client's memberships in their data bundle, and their erasure: plans, dates,
periods and amounts stay for the accounts; the address is replaced by one that
names no one. Erasure waits while a membership still runs (Stripe would keep
charging the card): the client cancels it, or it ends, first."""

from django.utils import timezone

from booking.products.membership_models import (
    Membership,
    MembershipEmail,
)

FIELDS = (
    "plan",
    "client_email",
    "status",
    "started_at",
    "current_period_end",
    "cancel_at_period_end",
    "cancelled_at",
    "ended_at",
    "periods_paid",
    "amount_paid",
    "currency",
)


def memberships_of(email: str):
    return Membership.objects.filter(client_email__iexact=email.strip())


def bundle_rows(email: str) -> dict[str, list[dict]]:
    rows = []
    for membership in memberships_of(email).select_related("plan").order_by("pk"):
        periods = list(membership.periods.all())
        rows.append(
            {
                "plan": str(membership.plan),
                "client_email": membership.client_email,
                "status": membership.get_status_display(),
                "started_at": membership.started_at,
                "current_period_end": membership.current_period_end,
                "cancel_at_period_end": membership.cancel_at_period_end,
                "cancelled_at": membership.cancelled_at,
                "ended_at": membership.ended_at,
                "periods_paid": len(periods),
                "amount_paid": sum(p.amount for p in periods),
                "currency": membership.plan.currency,
            }
        )
    return {"memberships": rows}


def held(email: str) -> bool:
    return memberships_of(email).exists()


def running(email: str) -> list[Membership]:
    """Memberships Stripe still bills (a cancelled one runs to its period's end)."""
    return list(
        memberships_of(email)
        .filter(status__in=(Membership.Status.ACTIVE, Membership.Status.PAST_DUE))
        .select_related("plan")
    )


def anonymise(email: str) -> int:
    """Replace the address on the client's memberships and their emails (the
    entitlements they granted are the packages' to anonymise)."""
    now = timezone.now()
    count = 0
    for membership in memberships_of(email):
        placeholder = f"membership-{membership.pk}@anonymised.invalid"
        membership.client_email = placeholder
        membership.anonymised_at = now
        membership.checkout_url = ""
        membership.save(update_fields=["client_email", "anonymised_at", "checkout_url"])
        MembershipEmail.objects.filter(membership=membership).update(
            recipient=placeholder
        )
        count += 1
    return count
