"""Consultants' earnings (the session's price less the practice's commission) and
their payouts.

Money is summed per currency, always: a consultant paid in EUR and in USD has two
balances, the commission tier counts the month's volume in the booking's own
currency, and a payout is in one currency. A session's earning is pending until the
session is completed and EARNING_HOLD_DAYS have passed, then available, then paid
with its payout. Every write that reads or changes a consultant's unpaid lines
(recording, reversing, releasing, asking for a payout) first locks the consultant's
row, so a payout's amount is always the sum of the lines it takes."""

from datetime import timedelta
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
    Payment,
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
ZERO = Decimal("0.00")


class PayoutRefused(BookingError):
    code = "payout_refused"


def commission_rate(consultant: Consultant, monthly_volume: Decimal) -> Decimal:
    """The consultant's own rate if set; else by this month's gross volume in the
    booking's currency: 5%, 4% above 5,000, 3% above 10,000."""
    if consultant.commission_rate is not None:
        return consultant.commission_rate
    for threshold, rate in COMMISSION_TIERS:
        if monthly_volume > threshold:
            return rate
    return STANDARD_COMMISSION


def lock_ledger(consultant_id: int) -> None:
    """Serialise every change to one consultant's unpaid lines."""
    Consultant.objects.select_for_update().filter(pk=consultant_id).exists()


def hold() -> timedelta:
    return timedelta(days=settings.EARNING_HOLD_DAYS)


def record_earning(booking: Booking) -> Earning | None:
    """On confirmation (inside its transaction): the booking's earning, once,
    pending until the session is completed. The month's volume (in the booking's
    currency) counts this booking too, so the booking that crosses a threshold
    earns at the new rate."""
    if booking.amount_paid <= 0:
        return None
    lock_ledger(booking.consultant_id)
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    earlier = Earning.objects.filter(
        consultant_id=booking.consultant_id,
        kind=Earning.Kind.BOOKING,
        currency=booking.currency,
        created_at__gte=month_start,
    ).aggregate(total=Sum("gross"))["total"] or Decimal("0")
    gross = earned_amount(booking)
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
            "available_at": (
                booking.completed_at + hold() if booking.completed_at else None
            ),
        },
    )
    return earning


def earned_amount(booking: Booking) -> Decimal:
    """What the booking earns: what was paid, except that a package session
    counts as its share of the package's price (price / sessions, to the cent:
    the package payment's `paid_amount`), not as the service's price it covered."""
    from_packages = booking.payments.filter(
        provider=Payment.Provider.PACKAGE, status=Payment.Status.PAID
    ).aggregate(covered=Sum("amount"), earned=Sum("paid_amount"))
    return (
        booking.amount_paid
        - (from_packages["covered"] or ZERO)
        + (from_packages["earned"] or ZERO)
    )


def release_earnings(booking: Booking) -> int:
    """On completion, or a no-show whose fee is kept (inside its transaction):
    the session's pending lines become available once the hold has passed."""
    lock_ledger(booking.consultant_id)
    return Earning.objects.filter(
        booking_id=booking.pk, payout=None, available_at=None
    ).update(available_at=booking.held_at + hold())


def reverse_earning(refund: Refund) -> None:
    """A refund takes back its share of the booking's earning, at the same rate,
    and never more than is left of it. Its line is pending or available with the
    earning it reverses; if that was paid out, it is available at once and the
    next payout nets it off."""
    earning = Earning.objects.filter(key=f"booking:{refund.booking_id}").first()
    if earning is None:
        return
    lock_ledger(earning.consultant_id)
    earning.refresh_from_db()
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
    now = timezone.now()
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
            "created_at": now,
            "available_at": now if earning.payout_id else earning.available_at,
        },
    )


def unpaid(consultant: Consultant, currency: str, *, now=None):
    """The lines a payout in `currency` would take now."""
    return consultant.earnings.filter(
        payout=None, currency=currency, available_at__lte=now or timezone.now()
    )


def balances(consultant: Consultant, *, now=None) -> list[dict]:
    """Per currency: what is pending and what is available for payout."""
    now = now or timezone.now()
    rows = {}
    for line in consultant.earnings.filter(payout=None).values(
        "currency", "net", "available_at"
    ):
        row = rows.setdefault(
            line["currency"],
            {"currency": line["currency"], "pending": ZERO, "available": ZERO},
        )
        ready = line["available_at"] is not None and line["available_at"] <= now
        row["available" if ready else "pending"] += line["net"]
    minimum = Decimal(settings.PAYOUT_MINIMUM)
    for row in rows.values():
        row["may_request"] = row["available"] >= minimum
    return [rows[currency] for currency in sorted(rows)]


def earnings_summary(consultant: Consultant, *, now=None) -> dict:
    """What a consultant sees: this month's totals and their balances, each per
    currency; their latest lines with each line's state; their payouts."""
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month = (
        consultant.earnings.filter(created_at__gte=month_start)
        .values("currency")
        .order_by("currency")
        .annotate(gross=Sum("gross"), commission=Sum("commission"), net=Sum("net"))
    )
    lines = list(consultant.earnings.select_related("booking", "payout")[:50])
    return {
        "month": list(month),
        "balances": balances(consultant, now=now),
        "minimum": Decimal(settings.PAYOUT_MINIMUM),
        "earnings": [(line, line.state(now)) for line in lines],
        "payouts": consultant.payouts.all()[:20],
    }


def available(consultant: Consultant, currency: str, *, now=None) -> Decimal:
    total = unpaid(consultant, currency, now=now).aggregate(net=Sum("net"))["net"]
    return total or ZERO


@transaction.atomic
def request_payout(
    *, consultant: Consultant, actor, currency: str = "", now=None
) -> Payout:
    """The consultant asks for their available balance in one currency (at least
    PAYOUT_MINIMUM). Without a currency, the one they have a balance in."""
    if consultant.user_id != actor.pk:
        raise NotPermitted("Only the consultant may ask for their own payout.")
    lock_ledger(consultant.pk)
    if not currency:
        held = sorted(
            consultant.earnings.filter(payout=None)
            .order_by()
            .values_list("currency", flat=True)
            .distinct()
        )
        if len(held) > 1:
            raise PayoutRefused(
                "You have balances in " + " and ".join(held) + "; a payout is in one "
                "currency, so choose which."
            )
        currency = held[0] if held else settings.PRACTICE_CURRENCY
    payout, amount = open_payout(
        consultant_id=consultant.pk, currency=currency, now=now
    )
    if payout is None:
        raise PayoutRefused(
            f"Your available balance is {amount} {currency}; a payout can be asked "
            f"for from {settings.PAYOUT_MINIMUM} {currency}."
        )
    return payout


def open_payout(
    *, consultant_id: int, currency: str, now=None, **fields
) -> tuple[Payout | None, Decimal]:
    """Under `lock_ledger` (the caller's transaction): a payout that takes every
    available line in `currency`, each line linked to it so that no other payout
    takes it, when they sum to at least PAYOUT_MINIMUM (and more than nothing).
    Else no payout, and the sum."""
    lock_ledger(consultant_id)
    lines = list(
        Earning.objects.filter(
            consultant_id=consultant_id,
            payout=None,
            currency=currency,
            available_at__lte=now or timezone.now(),
        ).values_list("pk", "net")
    )
    amount = sum((net for _, net in lines), ZERO)
    if amount < settings.PAYOUT_MINIMUM or amount <= 0:
        return None, amount
    payout = Payout.objects.create(
        consultant_id=consultant_id, amount=amount, currency=currency, **fields
    )
    Earning.objects.filter(pk__in=[pk for pk, _ in lines]).update(payout=payout)
    return payout, amount


def send_transfer(payout: Payout, account: str):
    """The Stripe transfer of `payout` to `account`, made once: the idempotency
    key is the payout's, and since Stripe forgets keys after a day, a transfer
    already made for it (found by its transfer group) is returned as it is."""
    group = f"haven-payout-{payout.pk}"
    try:
        made = client().v1.transfers.list(params={"transfer_group": group, "limit": 1})
        if made.data:
            return made.data[0]
        return client().v1.transfers.create(
            params={
                "amount": to_minor(payout.amount, payout.currency),
                "currency": payout.currency.lower(),
                "destination": account,
                "transfer_group": group,
                "metadata": {"payout": str(payout.pk)},
            },
            options={"idempotency_key": group},
        )
    except stripe.StripeError as exc:
        raise PaymentUnavailable(f"Stripe refused the transfer: {exc}") from exc


@transaction.atomic
def mark_payout_paid(*, payout: Payout, actor) -> Payout:
    """A booking admin pays a payout (requested, or one the weekly run could not
    transfer): as a Stripe transfer when the consultant has a connected account
    (the same transfer the run would make, never a second), else by hand."""
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
        payout.stripe_transfer_id = send_transfer(payout, account).id
    payout.status = Payout.Status.PAID
    payout.paid_at = timezone.now()
    payout.paid_by = actor
    payout.last_error = ""
    payout.save()
    return payout
