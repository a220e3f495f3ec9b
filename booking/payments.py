"""Payments (DESIGN §5): Stripe Checkout, its webhook, refunds, offline mode.

With `STRIPE_SECRET_KEY` set, a client pays through a Stripe Checkout Session made
when they start paying (`create_checkout`, called by `services.start_payment`).
The booking is confirmed by `fulfil_checkout`, run from the webhook and from the
success redirect alike: it locks the booking, then the payment row, and does
nothing if that payment is already marked paid, so it confirms once however often
and in whatever order it runs. Without a key Haven is in offline mode: the client
sees the practice's instructions and a booking admin records the payment.

Cancelling a paid booking refunds by policy (`after_cancel`); the Stripe refund
runs as a django-q2 job (`run_refund`) that django-q2 retries when Stripe fails."""

import logging
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule
from wagtail.log_actions import log as audit_log

from booking import services
from booking.errors import BookingError, InvalidTransition, NotPermitted
from booking.models import (
    Booking,
    Consultant,
    Earning,
    Payment,
    Payout,
    ProcessedStripeEvent,
    Refund,
)
from booking.redaction import redact
from booking.states import BookingStatus

logger = logging.getLogger(__name__)
S = BookingStatus
Provider = Payment.Provider

# Tests put a fake `stripe.HTTPClient` here; None = the library's default client.
HTTP_CLIENT: stripe.HTTPClient | None = None
# Currencies Stripe counts in whole units rather than cents.
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG"} | {
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


class PaymentUnavailable(BookingError):
    """Stripe could not be reached or refused the request."""

    code = "payment_unavailable"


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        http_client=HTTP_CLIENT,
        max_network_retries=2,
    )


def to_minor(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_value())


def from_minor(value: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL:
        return Decimal(value)
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def _get(obj, key: str, default=None):
    """A field of a Stripe object, or `default` when Stripe left it out."""
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


# --- starting to pay -------------------------------------------------------------


def open_checkout(booking: Booking) -> Payment | None:
    """The booking's Checkout Session the client can still use, if any."""
    return (
        booking.payments.filter(
            provider=Provider.STRIPE,
            status=Payment.Status.PENDING,
            expires_at__gt=timezone.now() + timedelta(minutes=2),
        )
        .exclude(checkout_url="")
        .order_by("-attempt")
        .first()
    )


def checkout_url(*, booking: Booking, token: str) -> str:
    """Where to send the client who pressed "Pay": the open Checkout Session, or
    a new one (moving the booking to PAYMENT_PENDING)."""
    current = open_checkout(booking)
    if current is not None and booking.status == S.PAYMENT_PENDING:
        return current.checkout_url
    try:
        if booking.status == S.PAYMENT_PENDING:
            # The last session ran out before Stripe told us: start afresh.
            services.payment_expired(booking=booking)
        services.start_payment(booking=booking, manage_token=token)
    except InvalidTransition:
        # A second press that lost the race to the first uses its session.
        current = open_checkout(booking)
        if current is None:
            raise
    return open_checkout(booking).checkout_url


def create_checkout(booking: Booking, *, manage_token: str = "") -> Payment:
    """A Checkout Session for what is still due, recorded as a pending payment.
    Runs inside `start_payment`'s transaction with the booking locked: if Stripe
    fails, nothing changes. The idempotency key names the booking and attempt, so
    a retried request cannot make a second session for one attempt."""
    attempt = next_attempt(booking)
    expires_at = timezone.now() + timedelta(
        minutes=settings.STRIPE_CHECKOUT_EXPIRY_MINUTES
    )
    payment = Payment.objects.create(
        booking=booking,
        provider=Provider.STRIPE,
        attempt=attempt,
        amount=booking.amount - booking.amount_paid,
        currency=booking.currency,
        expires_at=expires_at,
    )
    metadata = {"booking": booking.reference, "payment": str(payment.pk)}
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": payment.currency.lower(),
                            "unit_amount": to_minor(payment.amount, payment.currency),
                            "product_data": {
                                "name": f"{booking.service} with {booking.consultant}",
                                "description": f"Booking {booking.reference}",
                            },
                        },
                    }
                ],
                "customer_email": booking.client_email,
                "client_reference_id": booking.reference,
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
                "expires_at": int(expires_at.timestamp()),
                "success_url": _return_url(booking, manage_token, "booking:pay_return")
                + "?session_id={CHECKOUT_SESSION_ID}",
                "cancel_url": _return_url(booking, manage_token, "booking:pay_cancel"),
            },
            options={"idempotency_key": f"haven-checkout-{booking.pk}-{attempt}"},
        )
    except stripe.StripeError as exc:
        # Stripe may quote the customer_email it refused.
        logger.warning(
            "Stripe Checkout for %s failed: %s", booking.reference, redact(str(exc))
        )
        raise PaymentUnavailable(
            "Online payment is not available at the moment. Please try again in a "
            "few minutes, or contact the practice."
        ) from exc
    payment.stripe_checkout_session_id = session.id
    payment.checkout_url = session.url
    payment.save(update_fields=["stripe_checkout_session_id", "checkout_url"])
    return payment


def _return_url(booking: Booking, token: str, name: str) -> str:
    if not token:
        query = urlencode({"reference": booking.reference})
        return f"{settings.SITE_URL}{reverse('booking:status')}?{query}"
    return settings.SITE_URL + reverse(name, args=[token])


# --- fulfilment: the webhook and the success redirect ------------------------------


def confirm_from_redirect(booking: Booking, session_id: str) -> None:
    """The client is back from Checkout: ask Stripe about the session rather than
    wait for the webhook. A failure here is harmless; the webhook still comes."""
    payment = booking.payments.filter(stripe_checkout_session_id=session_id).first()
    if payment is None or payment.status != Payment.Status.PENDING:
        return
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        logger.info("Checkout session %s not read back: %s", session_id, exc)
        return
    fulfil_checkout(session)


def fulfil_checkout(session) -> Payment | None:
    """Record a paid Checkout Session and confirm its booking, once. A payment
    that arrives for a booking that can no longer be confirmed (cancelled
    meanwhile, or paid already) is refunded in full and flagged to admins."""
    if _get(session, "payment_status") not in ("paid", "no_payment_required"):
        return None  # e.g. a bank debit still on its way: async_payment_* follows
    found = Payment.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if found is None:
        logger.warning("Checkout session %s matches no payment", session["id"])
        return None
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=found.booking_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status == Payment.Status.PAID:
            return payment
        payment.status = Payment.Status.PAID
        payment.paid_amount = from_minor(
            _get(session, "amount_total", 0), payment.currency
        )
        payment.stripe_payment_intent_id = _get(session, "payment_intent", "")
        payment.paid_at = timezone.now()
        payment.save()
        if booking.status == S.PAYMENT_PENDING:
            try:
                services.confirm_payment(
                    booking=booking, amount=payment.paid_amount, payment=payment
                )
                return payment
            except BookingError as error:
                reason = error.message
        else:
            reason = f"the booking was {booking.status_label.lower()}"
        _refund_unwanted(payment, booking, reason)
    return payment


def _refund_unwanted(payment: Payment, booking: Booking, reason: str) -> None:
    payment.needs_attention = True
    payment.note = f"Paid after {reason}; refunded automatically."
    payment.save(update_fields=["needs_attention", "note", "updated_at"])
    logger.warning("Payment %s for %s: %s", payment.pk, booking.reference, payment.note)
    audit_log(
        instance=booking,
        action="booking.payment_refunded",
        data={"reason": payment.note, "amount": str(payment.paid_amount)},
    )
    request_refund(
        payment,
        payment.paid_amount,
        reason="Paid for a booking that could not be confirmed",
        key=f"unwanted:{payment.pk}",
    )


def checkout_ended(session, status: str) -> None:
    """A session expired or its delayed payment failed. A paid session is never
    undone; the booking goes back to APPROVED (so the client may pay again) only
    when this was its latest attempt."""
    found = Payment.objects.filter(stripe_checkout_session_id=session["id"]).first()
    if found is None:
        return
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=found.booking_id)
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status != Payment.Status.PENDING:
            return
        payment.status = status
        payment.save(update_fields=["status", "updated_at"])
        latest = booking.payments.order_by("-attempt").first()
        if booking.status == S.PAYMENT_PENDING and latest.pk == payment.pk:
            services.payment_expired(booking=booking)


def charge_refunded(charge) -> None:
    """Stripe reports money refunded (by our job or from its dashboard)."""
    intent = _get(charge, "payment_intent", "")
    payment = Payment.objects.filter(stripe_payment_intent_id=intent).first()
    if not intent or payment is None:
        return
    refunded = from_minor(_get(charge, "amount_refunded", 0), payment.currency)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if refunded > payment.refunded_amount:
            payment.refunded_amount = refunded
            payment.save(update_fields=["refunded_amount", "updated_at"])


# --- the webhook ------------------------------------------------------------------


def handle_event(event) -> bool:
    """Handle a verified Stripe event once; False when it was seen before. The
    event's row and its effects commit together, so an event whose handler fails
    is handled again when Stripe redelivers it."""
    with transaction.atomic():
        _, created = ProcessedStripeEvent.objects.get_or_create(
            event_id=event["id"], defaults={"type": event["type"]}
        )
        if not created:
            return False
        handler = EVENT_HANDLERS.get(event["type"])
        if handler is not None:
            handler(event["data"]["object"])
    return True


EVENT_HANDLERS = {
    "checkout.session.completed": fulfil_checkout,
    "checkout.session.async_payment_succeeded": fulfil_checkout,
    "checkout.session.async_payment_failed": lambda session: checkout_ended(
        session, Payment.Status.FAILED
    ),
    "checkout.session.expired": lambda session: checkout_ended(
        session, Payment.Status.EXPIRED
    ),
    "charge.refunded": charge_refunded,
}


# --- payments recorded without Checkout ---------------------------------------------


def next_attempt(booking: Booking) -> int:
    last = booking.payments.order_by("-attempt").first()
    return last.attempt + 1 if last else 1


def record_provider_payment(booking: Booking, amount: Decimal) -> Payment:
    """The row for a provider's report that reached `services.confirm_payment`
    without a Checkout Session of ours (e.g. a payment entered in Stripe)."""
    return Payment.objects.create(
        booking=booking,
        provider=Provider.STRIPE,
        status=Payment.Status.PAID,
        attempt=next_attempt(booking),
        amount=amount,
        paid_amount=amount,
        currency=booking.currency,
        paid_at=timezone.now(),
    )


def record_offline(
    booking: Booking, *, actor, amount: Decimal, method: str, reference: str
) -> Payment:
    """The row behind `services.record_offline_payment` (inside its transaction)."""
    return Payment.objects.create(
        booking=booking,
        provider=Provider.OFFLINE,
        status=Payment.Status.PAID,
        attempt=next_attempt(booking),
        amount=amount,
        paid_amount=amount,
        currency=booking.currency,
        method=method.strip(),
        reference=reference.strip(),
        recorded_by=actor,
        paid_at=timezone.now(),
    )


# --- cancellation and refunds ---------------------------------------------------------


def refund_due(
    booking: Booking, paid: Decimal, *, by_client: bool, now=None
) -> Decimal:
    """What a cancellation gives back: everything when the practice cancels or
    the client cancels early enough; otherwise the late percentage."""
    now = now or timezone.now()
    cutoff = booking.start - timedelta(hours=settings.BOOKING_REFUND_FULL_UNTIL_HOURS)
    if not by_client or now <= cutoff:
        return paid
    share = paid * Decimal(settings.BOOKING_REFUND_LATE_PERCENT) / 100
    return share.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def after_cancel(booking: Booking, *, by_client: bool) -> None:
    """Inside `services.cancel`: refund paid payments by policy and close open
    Checkout Sessions (a payment that still gets through is refunded in full)."""
    for payment, amount in cancellation_refunds(booking, by_client=by_client):
        request_refund(
            payment, amount, reason="Booking cancelled", key=f"cancel:{payment.pk}"
        )
    close_open_checkouts(booking)


def cancellation_refunds(booking: Booking, *, by_client: bool):
    """What cancelling now refunds by policy, payment by payment: what
    `after_cancel` pays back, and what the API quotes before a client cancels."""
    refunds = []
    for payment in booking.payments.filter(status=Payment.Status.PAID):
        left = payment.paid_amount - payment.refunded_amount
        amount = min(refund_due(booking, left, by_client=by_client), left)
        if amount > 0:
            refunds.append((payment, amount))
    return refunds


def close_open_checkouts(booking: Booking) -> None:
    """After commit, expire the booking's open Checkout Sessions, so nobody pays for
    a booking that is already paid or cancelled (a payment that still gets through
    is refunded in full)."""
    for payment in booking.payments.filter(
        provider=Provider.STRIPE, status=Payment.Status.PENDING
    ).exclude(stripe_checkout_session_id=None):
        transaction.on_commit(
            lambda pk=payment.pk: async_task("booking.payments.expire_checkout", pk)
        )


def request_refund(payment: Payment, amount: Decimal, *, reason: str, key: str):
    """Write the refund (once per `key`) and, for Stripe, queue the job after
    commit. Offline payments are paid back by hand."""
    refund, created = Refund.objects.get_or_create(
        key=key,
        defaults={
            "payment": payment,
            "booking_id": payment.booking_id,
            "amount": amount,
            "currency": payment.currency,
            "reason": reason,
            "status": Refund.Status.PENDING
            if payment.provider == Provider.STRIPE
            else Refund.Status.MANUAL,
        },
    )
    # Money refunded because it should never have been taken (paid after a
    # cancellation, or a second payment) earned nothing, so it reverses nothing.
    if created and not key.startswith("unwanted:"):
        reverse_earning(refund)
    if created and refund.status == Refund.Status.PENDING:
        transaction.on_commit(
            lambda: async_task("booking.payments.run_refund", refund.pk)
        )
    return refund


def run_refund(refund_id: int) -> str:
    """The django-q2 job: ask Stripe for the refund. The idempotency key names the
    refund row, so a retry never refunds twice. On a Stripe error it records the
    attempt and schedules itself again with a growing delay; after
    REFUND_MAX_ATTEMPTS the refund is marked failed for a person to look at."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return f"refund {refund_id} is {refund.status}"
    payment = refund.payment
    try:
        result = client().v1.refunds.create(
            params={
                "payment_intent": payment.stripe_payment_intent_id,
                "amount": to_minor(refund.amount, refund.currency),
                "metadata": {
                    "booking": refund.booking.reference,
                    "refund": str(refund.pk),
                },
            },
            options={"idempotency_key": f"haven-refund-{refund.pk}"},
        )
    except stripe.StripeError as exc:
        return _refund_failed(refund, exc)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        refund.stripe_refund_id = result.id
        refund.attempts += 1
        if _get(result, "status") in ("succeeded", "pending"):
            refund.status = Refund.Status.SUCCEEDED
            refund.refunded_at = timezone.now()
        refund.save()
        _update_refunded(payment)
    return f"refund {refund_id}: {refund.status}"


def _refund_failed(refund: Refund, exc: Exception) -> str:
    logger.warning("Refund %s failed: %s", refund.pk, exc)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.attempts += 1
        refund.last_error = str(exc)[:2000]
        if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
            refund.status = Refund.Status.FAILED
        refund.save()
        if refund.status == Refund.Status.PENDING:
            transaction.on_commit(
                lambda: schedule(
                    "booking.payments.run_refund",
                    refund.pk,
                    name=f"Refund {refund.pk}, try {refund.attempts + 1}",
                    schedule_type=Schedule.ONCE,
                    next_run=timezone.now() + timedelta(minutes=2**refund.attempts),
                )
            )
    return f"refund {refund.pk} failed (attempt {refund.attempts}): {exc}"


def _update_refunded(payment: Payment) -> None:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    done = payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    if done > payment.refunded_amount:
        payment.refunded_amount = done
        payment.save(update_fields=["refunded_amount", "updated_at"])


def retry_refunds() -> int:
    """Every 15 minutes: queue again Stripe refunds still pending after 10
    minutes (a lost job, a worker that died)."""
    stale = Refund.objects.filter(
        status=Refund.Status.PENDING,
        stripe_refund_id="",
        updated_at__lt=timezone.now() - timedelta(minutes=10),
    ).values_list("pk", flat=True)[:200]
    for pk in stale:
        async_task("booking.payments.run_refund", pk)
    return len(stale)


def expire_checkout(payment_id: int) -> str:
    """The django-q2 job closing a cancelled booking's open Checkout Session."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != Payment.Status.PENDING:
        return "nothing to expire"
    try:
        client().v1.checkout.sessions.expire(payment.stripe_checkout_session_id)
    except stripe.StripeError as exc:
        # Already completed or expired: the webhook says which.
        return f"not expired: {exc}"
    return "expired"


# --- earnings and payouts -------------------------------------------------------------

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
