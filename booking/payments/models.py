"""Money: payments, refunds, processed Stripe events, consultants' earnings and
payouts. Every movement of money is one of these rows."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from booking.core.models import Booking, Consultant


class Payment(models.Model):
    """One attempt to pay for a booking: a Stripe Checkout Session, or money a
    booking admin received offline. A booking is never confirmed without one."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        OFFLINE = "offline", "Offline"
        # A session of a package the client bought (booking.products): `amount`
        # is what it covered, `paid_amount` the package price's share.
        PACKAGE = "package", "Package session"
        # Money credit (booking.products.credits), alone or beside a card payment.
        CREDIT = "credit", "Credit balance"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_amount = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    refunded_amount = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    stripe_checkout_session_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    stripe_payment_intent_id = models.CharField(
        max_length=255, blank=True, db_index=True
    )
    checkout_url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(
        max_length=60, blank=True, help_text="How an offline payment was made."
    )
    reference = models.CharField(
        max_length=120, blank=True, help_text="e.g. the bank transfer's reference."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    needs_attention = models.BooleanField(
        default=False,
        help_text="Something a booking admin should look at, e.g. a payment that "
        "arrived after the booking was cancelled (refunded automatically).",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "attempt"], name="payment_one_per_attempt"
            )
        ]

    def __str__(self):
        return f"{self.get_provider_display()} payment {self.amount} {self.currency}"


class Refund(models.Model):
    """Money going back to the client. `key` names why (e.g. the cancellation of
    one payment), so the same reason never refunds twice. Stripe refunds are made
    by a django-q2 job with retries; offline ones are paid back by hand."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"
        MANUAL = "manual", "To be paid back by hand"

    key = models.CharField(max_length=120, unique=True, editable=False)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(max_length=255)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Refund of {self.amount} {self.currency} ({self.get_status_display()})"


class ProcessedStripeEvent(models.Model):
    """Each Stripe event handled, by its id: a redelivered event changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-processed_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Payout(models.Model):
    """Money owed to a consultant from their earnings: asked for by them and paid
    by a booking admin (by hand, or as a Stripe transfer to their connected
    account), or made by the weekly payout run (`booking.payments.payouts`) as a
    Stripe transfer. A run's payout is `processing` from before Stripe is asked
    until the transfer is recorded, `failed` (with the error) when Stripe refused;
    either is tried again, with the same idempotency key, by the next run."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        PROCESSING = "processing", "Being transferred"
        FAILED = "failed", "Transfer failed, retried next run"
        PAID = "paid", "Paid"

    consultant = models.ForeignKey(
        Consultant, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    stripe_transfer_id = models.CharField(max_length=255, blank=True)
    automatic = models.BooleanField(
        default=False, help_text="Made by the weekly payout run."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [("mark_payout_paid", "Can mark payouts paid")]

    def __str__(self):
        return f"Payout of {self.amount} {self.currency} to {self.consultant}"


class Earning(models.Model):
    """One line of a consultant's ledger: what a confirmed booking earned them
    (gross, the practice's commission, net), or, with negative amounts, what a
    refund took back.

    A line is pending until `available_at` (set when the session is completed:
    then plus EARNING_HOLD_DAYS), available from then until a payout takes it, and
    paid with its payout. A refund's line shares the state of the line it reverses,
    unless that one was paid out already: then it is available at once, and the
    next payout nets it off."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        AVAILABLE = "available", "Available"
        REQUESTED = "requested", "In a payout on its way"
        PAID = "paid", "Paid out"

    class Kind(models.TextChoices):
        BOOKING = "booking", "Booking"
        REVERSAL = "reversal", "Refund reversal"

    key = models.CharField(max_length=120, unique=True, editable=False)
    consultant = models.ForeignKey(
        Consultant, on_delete=models.PROTECT, related_name="earnings"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="earnings"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    gross = models.DecimalField(max_digits=10, decimal_places=2)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    commission = models.DecimalField(max_digits=10, decimal_places=2)
    net = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    payout = models.ForeignKey(
        Payout,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="earnings",
    )
    available_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["consultant", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.net} {self.currency} ({self.booking})"

    def state(self, now=None) -> "Earning.State":
        if self.payout_id is not None:
            paid = self.payout.status == Payout.Status.PAID
            return self.State.PAID if paid else self.State.REQUESTED
        if self.available_at is not None and self.available_at <= (
            now or timezone.now()
        ):
            return self.State.AVAILABLE
        return self.State.PENDING


class ConnectedAccount(models.Model):
    """A consultant's Stripe Express account as Stripe last described it (its
    `account.updated` events, or a read when they come back from onboarding).
    Payouts go to `Consultant.stripe_account_id`; this row says whether that
    account may receive them."""

    consultant = models.OneToOneField(
        Consultant, on_delete=models.CASCADE, related_name="connected_account"
    )
    account_id = models.CharField(max_length=255, unique=True)
    details_submitted = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    requirements_due = models.JSONField(
        default=list, blank=True, help_text="What Stripe still needs, by its names."
    )
    disabled_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["consultant__name"]

    def __str__(self):
        return f"Stripe account {self.account_id} of {self.consultant}"

    @property
    def is_current(self) -> bool:
        """Still the account payouts go to (an admin may have typed another)."""
        return self.account_id == self.consultant.stripe_account_id

    @property
    def ready(self) -> bool:
        return self.is_current and self.payouts_enabled

    def needs(self) -> list[str]:
        """What Stripe still asks for, in words."""
        return [_requirement_words(name) for name in self.requirements_due]


# Stripe's names for what it needs, where the name alone would puzzle a person.
REQUIREMENT_WORDS = {
    "external_account": "a bank account",
    "tos_acceptance.date": "acceptance of Stripe's terms",
    "tos_acceptance.ip": "acceptance of Stripe's terms",
    "business_profile.url": "a website or profile link",
    "business_profile.mcc": "the kind of business",
}


def _requirement_words(name: str) -> str:
    if name in REQUIREMENT_WORDS:
        return REQUIREMENT_WORDS[name]
    return name.replace(".", " ").replace("_", " ")
