"""The money credit ledger: a client's balance in a currency is the sum of the
lines of their live grants, changed only here and only under the client's lock
(`ledger.lock_client`), so it is never negative and two bookings racing for the
last credit give one.

Paying with credit (`booking.lifecycle.credit_paying`) writes a `Payment` of the
credit provider and the use lines that pay it, in one transaction. When the
credit pays only part and the rest goes by card, that payment stays pending
beside the Checkout Session: `settle_pending` marks it paid when the card part
is (the booking is confirmed with both), `release_pending` gives the credit back
when the Checkout never completes, once (its payment row is locked and leaves
"pending" in the same transaction as the return lines, which have unique keys)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from booking.core.errors import BookingError, InvalidBookingData, NotPermitted
from booking.core.models import Booking
from booking.payments.models import Payment
from booking.products import emails
from booking.products.credit_models import CreditGrant, MoneyLine
from booking.products.ledger import lock_client
from booking.products.models import Purchase

Kind = MoneyLine.Kind
ZERO = Decimal("0.00")


def money(total) -> Decimal:
    """A sum of amounts to the cent (SQLite sums decimals as plain numbers)."""
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


class NoCreditLeft(BookingError):
    code = "no_credit_left"


def grants_of(email: str):
    return CreditGrant.objects.filter(client_email__iexact=email.strip())


def live(email: str, currency: str, *, now=None) -> list[CreditGrant]:
    """The client's unexpired grants in `currency`, soonest expiry first, each
    with `left` (its balance) read in one query."""
    rows = list(
        grants_of(email)
        .filter(currency=currency.upper(), expires_at__gt=now or timezone.now())
        .annotate(left=Sum("lines__amount"))
        .order_by("expires_at", "pk")
    )
    for row in rows:
        row.left = money(row.left)
    return rows


def balance(email: str, currency: str, *, now=None) -> Decimal:
    return sum((g.left for g in live(email, currency, now=now)), ZERO)


def balances(email: str) -> dict[str, Decimal]:
    """Every currency the client holds live credit in, with its balance."""
    found = (
        grants_of(email)
        .filter(expires_at__gt=timezone.now())
        .values("currency")
        .annotate(total=Sum("lines__amount"))
    )
    return {row["currency"]: money(row["total"]) for row in found if row["total"]}


def write_line(
    grant, kind, amount, *, key, reason, booking=None, payment=None, actor=None
):
    """One ledger line, once per `key`; None when the key was written before."""
    line, created = MoneyLine.objects.get_or_create(
        key=key,
        defaults={
            "grant": grant,
            "kind": kind,
            "amount": amount,
            "reason": reason[:255],
            "booking": booking,
            "payment": payment,
            "created_by": actor,
        },
    )
    return line if created else None


def grant_purchase(purchase: Purchase) -> CreditGrant:
    """A paid credit product's grant and its purchase line, once."""
    existing = CreditGrant.objects.filter(purchase=purchase).first()
    if existing is not None:
        return existing
    lock_client(purchase.client_email)
    product = purchase.package
    grant = CreditGrant.objects.create(
        product=product,
        purchase=purchase,
        client_email=purchase.client_email,
        amount=product.credit_amount,
        currency=product.currency,
        expires_at=purchase.paid_at + timedelta(days=product.validity_days),
    )
    write_line(
        grant,
        Kind.PURCHASE,
        grant.amount,
        key=f"purchase:{purchase.pk}",
        reason=f"Bought {product} ({purchase.amount} {purchase.currency})",
    )
    emails.queue_credit(grant, "credit_receipt")
    return grant


@transaction.atomic
def grant_promotion(
    *, actor, email: str, amount: Decimal, currency: str, reason: str, days: int = 0
) -> CreditGrant:
    """A booking admin gives a client credit, with a reason."""
    if not actor.has_perm("booking.add_creditgrant"):
        raise NotPermitted("You do not have permission to grant credit.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidBookingData("Say why the credit is granted.")
    if amount is None or not Decimal("0.01") <= amount <= Decimal("10000"):
        raise InvalidBookingData("Grant between 0.01 and 10000 of credit.")
    days = days or settings.CREDIT_VALIDITY_DAYS
    email = email.strip().lower()
    lock_client(email)
    grant = CreditGrant.objects.create(
        client_email=email,
        amount=amount,
        currency=currency.upper(),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor,
    )
    write_line(
        grant,
        Kind.PROMOTION,
        amount,
        key=f"promotion:{grant.pk}",
        reason=reason,
        actor=actor,
    )
    return grant


def use(payment: Payment, amount: Decimal) -> list[MoneyLine]:
    """Take `amount` of the client's credit in the payment's currency for the
    payment, from the grants that expire soonest (inside the caller's
    transaction, the client locked by the caller). Refused, changing nothing,
    when the balance is short."""
    booking = payment.booking
    grants = live(booking.client_email, payment.currency)
    if amount <= 0 or sum((g.left for g in grants), ZERO) < amount:
        raise NoCreditLeft(
            "Your credit does not cover this amount any more. Please pay by card."
        )
    lines, wanted = [], amount
    for grant in grants:
        part = min(grant.left, wanted)
        if part <= 0:
            continue
        lines.append(
            write_line(
                grant,
                Kind.USE,
                -part,
                key=f"use:{payment.pk}:{grant.pk}",
                reason=f"Booking {booking.reference}",
                booking=booking,
                payment=payment,
            )
        )
        wanted -= part
        if not wanted:
            break
    return lines


def give_back(payment: Payment, amount: Decimal, *, reason: str, occasion: str):
    """Return up to `amount` of what `payment` used, to the grants it came from
    (latest expiry first), once per `occasion`. Nothing goes back to a grant that
    has expired."""
    lock_client(payment.booking.client_email)
    now = timezone.now()
    written = []
    for used in payment.money_lines.filter(kind=Kind.USE).order_by(
        "-grant__expires_at"
    ):
        part = min(-used.amount, amount)
        if part <= 0 or used.grant.expires_at <= now:
            continue
        line = write_line(
            used.grant,
            Kind.RETURN,
            part,
            key=f"return:{occasion}:{payment.pk}:{used.grant_id}",
            reason=reason,
            booking=payment.booking,
            payment=payment,
        )
        if line:
            written.append(line)
        amount -= part
    return written


def pending_credit(booking: Booking):
    return booking.payments.select_for_update().filter(
        provider=Payment.Provider.CREDIT, status=Payment.Status.PENDING
    )


def settle_pending(booking: Booking) -> Decimal:
    """The card part is paid (inside `paying.confirm_payment`, booking locked):
    the credit beside it is paid too. Returns how much it covered."""
    total = ZERO
    for payment in pending_credit(booking):
        payment.status = Payment.Status.PAID
        payment.paid_amount = payment.amount
        payment.paid_at = timezone.now()
        payment.save(update_fields=["status", "paid_amount", "paid_at", "updated_at"])
        total += payment.amount
    return total


def release_pending(booking: Booking) -> int:
    """The Checkout beside a credit payment ended unpaid, or the booking was
    cancelled before it was paid: the credit goes back, once."""
    released = 0
    for payment in pending_credit(booking):
        payment.status = Payment.Status.EXPIRED
        payment.save(update_fields=["status", "updated_at"])
        give_back(
            payment,
            payment.amount,
            reason=f"Booking {booking.reference}: card payment not completed",
            occasion="unpaid",
        )
        released += 1
    return released


def expire_due(*, now=None) -> int:
    """Write the expiry line of each grant past its date with money left: once
    (its key names the grant), however often this runs."""
    now = now or timezone.now()
    done = 0
    due = CreditGrant.objects.filter(expires_at__lte=now).exclude(
        lines__kind=Kind.EXPIRY
    )
    for grant in due[:500]:
        with transaction.atomic():
            lock_client(grant.client_email)
            left = grant.balance
            if left > 0 and write_line(
                grant,
                Kind.EXPIRY,
                -left,
                key=f"expiry:{grant.pk}",
                reason=f"{left} {grant.currency} of unused credit expired",
            ):
                emails.queue_credit(grant, "credit_expired")
                done += 1
    return done


def warn_expiring(*, now=None, days: int | None = None) -> int:
    """The expiry warning, once per grant, to clients with credit left on a
    grant that expires within `days` (`PACKAGE_EXPIRY_WARNING_DAYS`). A
    membership's credit ends with each period: its own emails say so."""
    now = now or timezone.now()
    days = days or settings.PACKAGE_EXPIRY_WARNING_DAYS
    soon = (
        CreditGrant.objects.filter(
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=days),
            anonymised_at__isnull=True,
            membership_period__isnull=True,
        )
        .exclude(emails__kind="credit_expiry_warning")
        .annotate(left=Sum("lines__amount"))
    )
    sent = 0
    for grant in soon:
        if money(grant.left) > 0:
            with transaction.atomic():
                sent += bool(emails.queue_credit(grant, "credit_expiry_warning"))
    return sent
