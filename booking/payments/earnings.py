"""Consultants' earnings (the session's price less the practice's commission) and
their payouts."""

from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from booking.core.errors import BookingError, NotPermitted
from booking.core.models import Booking, Consultant
from booking.payments.models import (
    Earning,
    Payout,
    Refund,
)
from booking.payments.provider import (
    PaymentUnavailable,
    client,
    stripe_enabled,
    to_minor,
)

# (monthly volume above which, rate) from the highest tier down; else the standard.
COMMISSION_TIERS = (
    (Decimal("10000"), Decimal("0.03")),
    (Decimal("5000"), Decimal("0.04")),
)


STANDARD_COMMISSION = Decimal("0.05")


CENT = Decimal("0.01")


class PayoutRefused(BookingError):
    code = "payout_refused"


def commission_rate(consultant: Consultant, monthly_volume: Decimal) -> Decimal:
    """The consultant's own rate if set; else by this month's gross volume in the
    practice currency: 5%, 4% above 5,000, 3% above 10,000."""
    if consultant.commission_rate is not None:
        return consultant.commission_rate
    for threshold, rate in COMMISSION_TIERS:
        if monthly_volume > threshold:
            return rate
    return STANDARD_COMMISSION


def record_earning(booking: Booking) -> Earning | None:
    """On confirmation (inside its transaction): the booking's earning, once. The
    month's volume counts this booking too, so the booking that crosses a
    threshold earns at the new rate."""
    if booking.amount_paid <= 0:
        return None
    Consultant.objects.select_for_update().filter(pk=booking.consultant_id).exists()
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    earlier = Earning.objects.filter(
        consultant_id=booking.consultant_id,
        kind=Earning.Kind.BOOKING,
        created_at__gte=month_start,
    ).aggregate(total=Sum("gross"))["total"] or Decimal("0")
    gross = booking.amount_paid
    rate = commission_rate(booking.consultant, earlier + gross)
    commission = (gross * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    earning, _ = Earning.objects.get_or_create(
        key=f"booking:{booking.pk}",
        defaults={
            "consultant_id": booking.consultant_id,
            "booking": booking,
            "kind": Earning.Kind.BOOKING,
            "gross": gross,
            "commission_rate": rate,
            "commission": commission,
            "net": gross - commission,
            "currency": booking.currency,
            "created_at": now,
        },
    )
    return earning


def reverse_earning(refund: Refund) -> None:
    """A refund takes back its share of the booking's earning, at the same rate,
    and never more than is left of it."""
    earning = Earning.objects.filter(key=f"booking:{refund.booking_id}").first()
    if earning is None:
        return
    reversed_so_far = -(
        Earning.objects.filter(
            booking_id=refund.booking_id, kind=Earning.Kind.REVERSAL
        ).aggregate(total=Sum("gross"))["total"]
        or 0
    )
    gross = min(refund.amount, earning.gross - reversed_so_far)
    if gross <= 0:
        return
    commission = (gross * earning.commission_rate).quantize(CENT, ROUND_HALF_UP)
    Earning.objects.get_or_create(
        key=f"refund:{refund.pk}",
        defaults={
            "consultant_id": earning.consultant_id,
            "booking_id": earning.booking_id,
            "kind": Earning.Kind.REVERSAL,
            "gross": -gross,
            "commission_rate": earning.commission_rate,
            "commission": -commission,
            "net": -(gross - commission),
            "currency": earning.currency,
        },
    )


def earnings_summary(consultant: Consultant) -> dict:
    """What a consultant sees: this month's totals, the available balance, and
    whether a payout may be asked for."""
    now = timezone.now()
    month = consultant.earnings.filter(
        created_at__gte=now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ).aggregate(gross=Sum("gross"), commission=Sum("commission"), net=Sum("net"))
    available = _available(consultant)
    return {
        "month": {key: value or Decimal("0") for key, value in month.items()},
        "available": available,
        "minimum": Decimal(settings.PAYOUT_MINIMUM),
        "may_request": available >= settings.PAYOUT_MINIMUM,
        "currency": settings.PRACTICE_CURRENCY,
        "earnings": consultant.earnings.select_related("booking")[:50],
        "payouts": consultant.payouts.all()[:20],
    }


def _available(consultant: Consultant) -> Decimal:
    total = consultant.earnings.filter(payout=None).aggregate(net=Sum("net"))["net"]
    return total or Decimal("0")


@transaction.atomic
def request_payout(*, consultant: Consultant, actor) -> Payout:
    """The consultant asks for their available balance (at least PAYOUT_MINIMUM)."""
    if consultant.user_id != actor.pk:
        raise NotPermitted("Only the consultant may ask for their own payout.")
    Consultant.objects.select_for_update().filter(pk=consultant.pk).exists()
    available = _available(consultant)
    if available < settings.PAYOUT_MINIMUM:
        raise PayoutRefused(
            f"Your available balance is {available} {settings.PRACTICE_CURRENCY}; "
            f"a payout can be asked for from {settings.PAYOUT_MINIMUM}."
        )
    payout = Payout.objects.create(
        consultant=consultant, amount=available, currency=settings.PRACTICE_CURRENCY
    )
    consultant.earnings.filter(payout=None).update(payout=payout)
    return payout


@transaction.atomic
def mark_payout_paid(*, payout: Payout, actor) -> Payout:
    """A booking admin pays a requested payout: as a Stripe transfer when the
    consultant has a connected account (idempotent per payout), else by hand."""
    if not actor.has_perm("booking.mark_payout_paid"):
        raise NotPermitted("You do not have permission to mark payouts paid.")
    payout = (
        Payout.objects.select_for_update()
        .select_related("consultant")
        .get(pk=payout.pk)
    )
    if payout.status == Payout.Status.PAID:
        raise PayoutRefused(f"{payout} is paid already.")
    account = payout.consultant.stripe_account_id
    if account and stripe_enabled():
        try:
            transfer = client().v1.transfers.create(
                params={
                    "amount": to_minor(payout.amount, payout.currency),
                    "currency": payout.currency.lower(),
                    "destination": account,
                    "metadata": {"payout": str(payout.pk)},
                },
                options={"idempotency_key": f"haven-payout-{payout.pk}"},
            )
        except stripe.StripeError as exc:
            raise PaymentUnavailable(f"Stripe refused the transfer: {exc}") from exc
        payout.stripe_transfer_id = transfer.id
    payout.status = Payout.Status.PAID
    payout.paid_at = timezone.now()
    payout.paid_by = actor
    payout.save()
    return payout
