"""Packages, purchases, entitlements and the sessions ledger.

A client's balance on an entitlement is the sum of its `CreditLine.sessions`;
nothing stores a balance. Every line has a unique `key` naming its cause (the
purchase, the booking that used a session, the expiry), so a retried job or a
redelivered webhook never writes a line twice."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum

from booking.core.models import Booking, Service, validate_currency

CENT = Decimal("0.01")


class Package(models.Model):
    """What the practice sells, by `kind`: a package (several sessions of one or
    more services at one price), a bundle (one session of each of a fixed set of
    services at a total price: `Bundle`) or credit (an amount of money to pay
    bookings with: `CreditProduct`). Each is valid for a number of days from the
    purchase."""

    class Kind(models.TextChoices):
        PACKAGE = "package", "Package"
        BUNDLE = "bundle", "Bundle"
        CREDIT = "credit", "Credit"

    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PACKAGE, editable=False
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    services = models.ManyToManyField(
        Service,
        related_name="packages",
        help_text="A session of any of these services may be paid from the package.",
    )
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="How many sessions it holds."
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        max_length=3, default="EUR", validators=[validate_currency]
    )
    validity_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="Days from the purchase until unused sessions expire.",
    )
    credit_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Credit only: the balance the buyer receives (it may be more "
        "than the price).",
    )
    is_active = models.BooleanField(default=True, verbose_name="active")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    @property
    def session_share(self) -> Decimal:
        """What one session of the package stands for: price / sessions, to the
        cent. A consultant earns this when the session is held."""
        return (self.price / self.sessions).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def single_total(self) -> Decimal:
        """A bundle's services bought one by one, at their prices in its currency
        (the admin refuses a bundle's service priced in another)."""
        return sum(
            (s.price for s in self.services.all() if s.currency == self.currency),
            Decimal("0.00"),
        )

    @property
    def saving(self) -> Decimal | None:
        """What a bundle saves against the single prices (None for other kinds)."""
        if self.kind != self.Kind.BUNDLE:
            return None
        return max(self.single_total - self.price, Decimal("0.00"))


class Purchase(models.Model):
    """A client buying a package: a Stripe Checkout Session (granted when Stripe
    reports it paid, once) or money a booking admin received offline."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        OFFLINE = "offline", "Offline"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        EXPIRED = "expired", "Expired"

    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="purchases"
    )
    client_email = models.EmailField()
    provider = models.CharField(max_length=10, choices=Provider.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    stripe_checkout_session_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    method = models.CharField(max_length=60, blank=True)
    reference = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.package} for {self.client_email} ({self.get_status_display()})"


class Entitlement(models.Model):
    """A client's sessions from one package: bought (`purchase`) or granted by a
    booking admin as a promotion. `sessions_total` is what it started with; what
    is left is the sum of its ledger lines (`balance`)."""

    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, related_name="entitlements"
    )
    # A bundle's purchase gives one entitlement per service (`service`).
    purchase = models.ForeignKey(
        Purchase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A bundle's session: only this service of the bundle.",
    )
    client_email = models.EmailField(db_index=True)
    sessions_total = models.PositiveSmallIntegerField()
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What its sessions were bought for (a bundle's share of its "
        "price); empty for a promotion.",
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["expires_at", "pk"]

    def __str__(self):
        return f"{self.package} of {self.client_email}"

    @property
    def balance(self) -> int:
        return self.lines.aggregate(total=Sum("sessions"))["total"] or 0

    @property
    def session_share(self) -> Decimal:
        """What one of its sessions stands for: its value / its sessions (a
        bundle's session: its share of the bundle price), else the package's."""
        if self.value is None or not self.sessions_total:
            return self.package.session_share
        return (self.value / self.sessions_total).quantize(CENT, rounding=ROUND_HALF_UP)


class CreditLine(models.Model):
    """One movement of an entitlement's sessions, with its reason."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        PROMOTION = "promotion", "Promotion"
        USE = "use", "Used for a booking"
        RETURN = "return", "Returned (booking cancelled)"
        EXPIRY = "expiry", "Expired"
        REFUND = "refund", "Refunded as money"

    key = models.CharField(max_length=120, unique=True, editable=False)
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="lines"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sessions = models.SmallIntegerField()
    reason = models.CharField(max_length=255)
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_lines",
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
        verbose_name = "credit line"

    def __str__(self):
        return f"{self.get_kind_display()} {self.sessions:+d}"


class ClientLock(models.Model):
    """One row per client address (lower case), locked by every change to the
    client's sessions or active bookings allowance: the per-client lock."""

    email = models.EmailField(unique=True)

    def __str__(self):
        return self.email


class ProductEmail(models.Model):
    """An email about an entitlement, written once per `key` in the transaction
    that causes it and sent by a django-q2 task after commit (the outbox's rows
    belong to a booking; these to an entitlement)."""

    key = models.CharField(max_length=160, unique=True, editable=False)
    entitlement = models.ForeignKey(
        Entitlement,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
    )
    # Or, for the money credit's emails, the credit grant it is about.
    credit_grant = models.ForeignKey(
        "booking.CreditGrant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
    )
    kind = models.CharField(max_length=30)
    recipient = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} to {self.recipient}"
