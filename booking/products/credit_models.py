"""Money credit and refunds of unused sessions (issue 22).

A client's credit is a set of grants (`CreditGrant`: a credit product bought, or
a promotion a booking admin gave with a reason), each in one currency with its
own expiry. What is left of a grant is the sum of its `MoneyLine`s (purchase,
promotion, use, return, expiry); nothing stores a balance, and every line has a
unique `key` naming its cause, so a retry never writes twice.

`PackageRefund` is money paid back for a package's unused sessions."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Sum

from booking.core.models import Booking
from booking.payments.models import Payment
from booking.products.models import Entitlement, Package, Purchase


class CreditGrant(models.Model):
    product = models.ForeignKey(
        Package,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_grants",
    )
    purchase = models.OneToOneField(
        Purchase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_grant",
    )
    client_email = models.EmailField(db_index=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = "credit"

    def __str__(self):
        return f"{self.amount} {self.currency} credit of {self.client_email}"

    @property
    def balance(self) -> Decimal:
        total = self.lines.aggregate(total=Sum("amount"))["total"] or 0
        return Decimal(str(total)).quantize(Decimal("0.01"))


class MoneyLine(models.Model):
    """One movement of a grant's money, with its reason."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        PROMOTION = "promotion", "Promotion"
        USE = "use", "Used for a booking"
        RETURN = "return", "Returned"
        EXPIRY = "expiry", "Expired"

    key = models.CharField(max_length=120, unique=True, editable=False)
    grant = models.ForeignKey(
        CreditGrant, on_delete=models.PROTECT, related_name="lines"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=255)
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="money_lines",
    )
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="money_lines",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "credit ledger line"

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+}"


class PackageRefund(models.Model):
    """Money paid back for an entitlement's unused sessions, once (`key` names
    the entitlement). Stripe refunds run as a django-q2 job; a package paid
    offline is paid back by hand."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Failed"
        MANUAL = "manual", "To be paid back by hand"

    key = models.CharField(max_length=120, unique=True, editable=False)
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="refunds"
    )
    purchase = models.ForeignKey(
        Purchase, on_delete=models.PROTECT, related_name="refunds"
    )
    sessions = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(max_length=255)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Refund of {self.amount} {self.currency} ({self.get_status_display()})"
