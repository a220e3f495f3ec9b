"""Memberships (issue 22): a plan paid by Stripe Billing that grants sessions (or
an amount of money credit) each period, a client's subscription to it, each
paid period, and their emails.

A plan's grants reuse the packages' entitlements and ledger: the plan owns a
hidden `Package` (never on sale) that carries its services, sessions per period
and price, so a membership session is used, returned, earned and expired exactly
like a package session. Each paid period is one `MembershipPeriod`, unique per
invoice and per (membership, period start): a duplicate or out-of-order
`invoice.paid` grants nothing again. A credit plan's period grants a
`CreditGrant` of `credit_per_period` instead of an entitlement."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from booking.core.models import Service, validate_currency
from booking.products.credit_models import CreditGrant
from booking.products.models import Entitlement, Package


class MembershipPlan(models.Model):
    """What a client may subscribe to: a price each month or year that grants a
    number of sessions of some services each period."""

    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    class Unused(models.TextChoices):
        EXPIRE = "expire", "Expire at the end of the period"
        ROLL_OVER = "roll_over", "Roll over while the membership runs"

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    interval = models.CharField(
        max_length=5, choices=Interval.choices, default=Interval.MONTH
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.50"))],
        help_text="Charged each period.",
    )
    currency = models.CharField(
        max_length=3, default="EUR", validators=[validate_currency]
    )
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="membership_plans",
        help_text="A session of any of these services may be paid from the grant "
        "(sessions plans only: credit pays any booking in the plan's currency).",
    )
    sessions_per_period = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Sessions granted each time a period is paid (empty on a "
        "credit plan).",
    )
    credit_per_period = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Or: money credit granted each time a period is paid, instead "
        "of sessions (in the plan's currency).",
    )
    unused = models.CharField(
        max_length=10,
        choices=Unused.choices,
        default=Unused.EXPIRE,
        verbose_name="unused sessions",
    )
    is_active = models.BooleanField(
        default=True, verbose_name="active", help_text="Open to new members."
    )
    package = models.OneToOneField(
        Package,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="membership_plan",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if (self.sessions_per_period is None) == (self.credit_per_period is None):
            raise ValidationError(
                {
                    "credit_per_period": "Grant either sessions or credit each "
                    "period (one of the two)."
                }
            )

    @property
    def rolls_over(self) -> bool:
        return self.unused == self.Unused.ROLL_OVER

    @property
    def grants_credit(self) -> bool:
        return self.credit_per_period is not None

    @property
    def grant_label(self) -> str:
        """What a period grants, for pages and emails."""
        if self.grants_credit:
            return f"{self.credit_per_period} {self.currency} of credit"
        n = self.sessions_per_period or 0
        return f"{n} session{'' if n == 1 else 's'}"


class Membership(models.Model):
    """A client's subscription to a plan, mirrored from Stripe's events."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Payment failed"
        ENDED = "ended", "Ended"
        ABANDONED = "abandoned", "Checkout not completed"

    plan = models.ForeignKey(
        MembershipPlan, on_delete=models.PROTECT, related_name="memberships"
    )
    client_email = models.EmailField(db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    stripe_checkout_session_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    checkout_url = models.URLField(max_length=2000, blank=True)
    stripe_subscription_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    current_period_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the cancellation was asked for."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.plan} for {self.client_email} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.PAST_DUE)


class MembershipPeriod(models.Model):
    """One paid period and what it granted (an entitlement, or a credit grant
    on a credit plan), once."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="periods"
    )
    stripe_invoice_id = models.CharField(max_length=255, unique=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    entitlement = models.OneToOneField(
        Entitlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_period",
    )
    credit_grant = models.OneToOneField(
        CreditGrant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_period",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "starts_at"], name="one_grant_per_period"
            )
        ]

    def __str__(self):
        return f"{self.membership.plan}: {self.starts_at:%Y-%m-%d}"

    @property
    def grant(self):
        """The entitlement or credit grant the period gave."""
        return self.credit_grant if self.credit_grant_id else self.entitlement

    @property
    def granted(self) -> str:
        if self.credit_grant_id:
            return f"{self.credit_grant.amount} {self.credit_grant.currency} credit"
        return str(self.entitlement.sessions_total)


class MembershipEmail(models.Model):
    """An email about a membership, written once per `key` in the transaction
    that causes it and sent by a django-q2 task after commit."""

    key = models.CharField(max_length=200, unique=True, editable=False)
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="emails"
    )
    period = models.ForeignKey(
        MembershipPeriod, null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=30)
    recipient = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} to {self.recipient}"
