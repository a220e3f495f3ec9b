"""The weekly payout run, and the payouts a booking admin makes by hand.

Every PAYOUT_WEEKDAY at PAYOUT_HOUR (a django-q2 schedule, `booking.tasks`), each
consultant whose connected Stripe account has payouts enabled is paid, per
currency, the available balance that reaches PAYOUT_MINIMUM. Exactly once, however
the run is repeated or interrupted:

1. Claim: under the consultant's ledger lock, one transaction creates the payout
   as `processing` and links the lines it takes (`earnings.open_payout`). A second
   run, at the same moment or later, finds no lines left to take.
2. Transfer: with the payout's row locked, Stripe is asked with the payout's
   idempotency key (`earnings.send_transfer`); the transfer id is stored and the
   payout is paid.
3. Recover: a payout left `processing` (the worker died) or `failed` (Stripe
   refused or was down; the error is kept) is tried again first by every run,
   with the same key, so Stripe answers with the transfer it made, if any.

Consultants who cannot be paid through Stripe (no connected account, payouts not
enabled yet, or Stripe not configured) are listed for a booking admin under
Payments → Payouts, "To pay by hand"."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django_q.models import Schedule

from booking.core.errors import NotPermitted
from booking.core.models import Consultant
from booking.payments.earnings import (
    CENT,
    PayoutRefused,
    open_payout,
    send_transfer,
)
from booking.payments.models import ConnectedAccount, Earning, Payout
from booking.payments.provider import PaymentUnavailable, stripe_enabled

logger = logging.getLogger(__name__)
UNFINISHED = (Payout.Status.PROCESSING, Payout.Status.FAILED)
JOB = "booking.tasks.run_weekly_payouts"


def run_weekly_payouts(*, now: datetime | None = None) -> str:
    """Finish what earlier runs left, then pay every eligible balance."""
    now = now or timezone.now()
    _follow_settings(now)
    if not stripe_enabled():
        return "Stripe is not configured: every payout is made by hand"
    retried = [pay(pk) for pk in _unfinished()]
    made = [pay(payout.pk) for payout in claim_payouts(now=now)]
    failed = sum(payout.status == Payout.Status.FAILED for payout in retried + made)
    return f"{len(made)} payout(s) made, {len(retried)} retried, {failed} failed"


def _unfinished() -> list[int]:
    return list(
        Payout.objects.filter(automatic=True, status__in=UNFINISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ready_account():
    return ConnectedAccount.objects.filter(
        consultant=OuterRef("consultant"),
        account_id=OuterRef("consultant__stripe_account_id"),
        payouts_enabled=True,
    )


def _balances(now: datetime, *, ready: bool):
    """(consultant id, currency, available) at or above the minimum, for
    consultants whose account can (or cannot) be paid through Stripe."""
    connected = Exists(_ready_account())
    return (
        Earning.objects.filter(payout=None, available_at__lte=now)
        .filter(connected if ready else ~connected)
        .values("consultant_id", "currency")
        .order_by("consultant_id", "currency")
        .annotate(available=Sum("net"))
        .filter(available__gte=settings.PAYOUT_MINIMUM, available__gt=0)
    )


def claim_payouts(*, now: datetime) -> list[Payout]:
    """Step 1: a `processing` payout per consultant and currency due one, each
    committed before Stripe is asked."""
    claimed = []
    for row in _balances(now, ready=True):
        with transaction.atomic():
            payout, _ = open_payout(
                consultant_id=row["consultant_id"],
                currency=row["currency"],
                now=now,
                status=Payout.Status.PROCESSING,
                automatic=True,
            )
        if payout is not None:
            claimed.append(payout)
    return claimed


def pay(payout_id: int) -> Payout:
    """Steps 2 and 3: transfer one claimed payout, once."""
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update()
            .select_related("consultant")
            .get(pk=payout_id)
        )
        if payout.status not in UNFINISHED:
            return payout  # another run paid it meanwhile
        payout.attempts += 1
        account = payout.consultant.stripe_account_id
        try:
            if not account:
                raise PaymentUnavailable(
                    "The consultant no longer has a connected Stripe account: pay "
                    "them by hand and mark this payout paid."
                )
            transfer = send_transfer(payout, account)
        except PaymentUnavailable as error:
            logger.warning("Payout %s not transferred: %s", payout.pk, error.message)
            payout.status = Payout.Status.FAILED
            payout.last_error = error.message
            payout.save(update_fields=["status", "attempts", "last_error"])
            return payout
        payout.status = Payout.Status.PAID
        payout.stripe_transfer_id = transfer.id
        payout.paid_at = timezone.now()
        payout.last_error = ""
        payout.save()
    return payout


# --- by hand ------------------------------------------------------------------------


def to_pay_by_hand(*, now: datetime | None = None) -> list[dict]:
    """Available balances at or above the minimum that the weekly run will not
    pay: the consultant has no connected account with payouts enabled, or Stripe
    is not configured at all."""
    now = now or timezone.now()
    rows = list(
        _balances(now, ready=False)
        if stripe_enabled()
        else Earning.objects.filter(payout=None, available_at__lte=now)
        .values("consultant_id", "currency")
        .order_by("consultant_id", "currency")
        .annotate(available=Sum("net"))
        .filter(available__gte=settings.PAYOUT_MINIMUM, available__gt=0)
    )
    consultants = Consultant.objects.in_bulk({row["consultant_id"] for row in rows})
    for row in rows:
        row["consultant"] = consultants[row["consultant_id"]]
        row["available"] = row["available"].quantize(CENT)  # SQLite sums drop them
    return rows


@transaction.atomic
def pay_by_hand(*, consultant: Consultant, currency: str, actor) -> Payout:
    """A booking admin has paid a consultant's available balance outside Stripe
    (a bank transfer of their own): record it as a paid payout of those lines."""
    if not actor.has_perm("booking.mark_payout_paid"):
        raise NotPermitted("You do not have permission to mark payouts paid.")
    now = timezone.now()
    payout, amount = open_payout(
        consultant_id=consultant.pk,
        currency=currency,
        now=now,
        status=Payout.Status.PAID,
        paid_at=now,
        paid_by=actor,
    )
    if payout is None:
        raise PayoutRefused(
            f"{consultant}'s available balance is {amount} {currency}, below the "
            f"payout minimum of {settings.PAYOUT_MINIMUM} {currency}: nothing was "
            "marked paid."
        )
    return payout


# --- the schedule --------------------------------------------------------------------


def next_run_after(moment: datetime) -> datetime:
    """The next PAYOUT_WEEKDAY (1 = Monday … 7 = Sunday) at PAYOUT_HOUR:00, in
    the site's time zone, after `moment`."""
    local = timezone.localtime(moment)
    days = (settings.PAYOUT_WEEKDAY - 1 - local.weekday()) % 7
    run = (local + timedelta(days=days)).replace(
        hour=settings.PAYOUT_HOUR, minute=0, second=0, microsecond=0
    )
    return run if run > local else run + timedelta(days=7)


def _follow_settings(now: datetime) -> None:
    """The schedule's next run follows the settings, should they change."""
    Schedule.objects.filter(func=JOB).update(next_run=next_run_after(now))
