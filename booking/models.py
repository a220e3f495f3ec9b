"""The booking domain's data. Every write goes through `booking.services`; transition
methods here only change fields (DESIGN §2)."""

import zoneinfo
from datetime import timedelta
from decimal import Decimal

import django_fsm as fsm
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from booking.states import ACTIVE, OPEN, BookingSource, BookingStatus

S = BookingStatus


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"“{value}” is not a time zone name; use an IANA name such as "
            "Europe/Berlin or America/New_York."
        )


class Consultant(models.Model):
    """The bookable person. Their public profile is a page in `cms`; this is the
    part the booking rules need."""

    name = models.CharField(max_length=120)
    email = models.EmailField()
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultant",
        help_text="The login that lets this consultant see their own bookings.",
    )
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    is_active = models.BooleanField(default=True)
    meeting_url = models.URLField(
        blank=True, help_text="A personal video-call room used for online sessions."
    )
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Overrides the practice's commission tiers, e.g. 0.0350 for 3.5%.",
    )
    max_bookings_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty for no daily limit."
    )
    stripe_account_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="A Stripe connected account (acct_…): payouts are sent to it as "
        "Stripe transfers.",
    )
    calendar = models.OneToOneField(
        "schedule.Calendar",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="consultant",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Service(models.Model):
    """A kind of session a client can book: how long, how much, and the rules around
    when it can be booked."""

    class Mode(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    consultants = models.ManyToManyField(
        Consultant, related_name="services", blank=True
    )
    duration_minutes = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(max_length=3, default="EUR")
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.ONLINE)
    capacity = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="1 for one-to-one sessions; more for a group session.",
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=10)
    minimum_notice_minutes = models.PositiveIntegerField(
        default=24 * 60,
        help_text="How long before the start a slot stops being bookable.",
    )
    booking_window_days = models.PositiveSmallIntegerField(
        default=60, help_text="How far ahead clients may book."
    )
    requires_approval = models.BooleanField(
        default=True,
        help_text="Booking admins approve each request; otherwise a verified booking "
        "is approved at once.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_group(self) -> bool:
        return self.capacity > 1


# Transition conditions: pure functions of the booking, each with the sentence an
# error shows when it does not hold.
def has_amount_due(booking) -> bool:
    return booking.amount > 0


def is_free(booking) -> bool:
    return booking.amount == 0


def is_paid_in_full(booking) -> bool:
    return booking.amount_paid >= booking.amount


def session_has_ended(booking) -> bool:
    return booking.end <= timezone.now()


CONDITION_MESSAGES = {
    has_amount_due: "the session is free, so there is nothing to pay",
    is_free: "the session has a price, so it must be paid",
    is_paid_in_full: "no payment covering the full amount has been recorded",
    session_has_ended: "the session has not ended yet",
}


def never_by_hand(booking, user) -> bool:
    """For transitions only the client (by token) or the system runs: no staff
    member is offered them."""
    return False


def may_complete(booking, user) -> bool:
    return user.has_perm("booking.complete_booking") or (
        booking.consultant.user_id is not None and booking.consultant.user_id == user.pk
    )


class Booking(fsm.ConcurrentTransitionMixin, models.Model):
    """One client's booking of one session. The status only moves through the
    transitions below, called by `booking.services`."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    consultant = models.ForeignKey(
        Consultant, on_delete=models.PROTECT, related_name="bookings"
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings"
    )
    status = fsm.FSMField(
        max_length=20, choices=S.choices, default=S.DRAFT, protected=True
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # What the PostgreSQL exclusion constraint compares: one-to-one bookings use their
    # own reference, so they clash with any overlap; the seats of one group session
    # share a key, so they may overlap each other but nothing else.
    slot_key = models.CharField(max_length=64, editable=False)

    client_name = models.CharField(max_length=200)
    client_email = models.EmailField()
    client_phone = models.CharField(max_length=40, blank=True)
    client_time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    client_notes = models.TextField(blank=True, max_length=4000)
    intake = models.JSONField(default=dict, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    # The privacy policy as the client read it: a revision of the policy page,
    # kept (PROTECT) as evidence. Empty when no policy page was set up.
    consent_policy = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="privacy policy accepted",
    )
    # Set when the client's personal data was erased or reached its retention
    # period (booking.privacy); the reference and amounts stay for the accounts.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    amount_paid = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00")
    )

    source = models.CharField(
        max_length=10, choices=BookingSource.choices, default=BookingSource.CLIENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reject_reason = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    payment_started_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["consultant", "start"]),
            models.Index(fields=["status", "start"]),
            # The admin list's default order: newest first over every booking.
            models.Index(fields=["-start"], name="booking_start_desc"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("client_email"),
                condition=models.Q(status__in=ACTIVE),
                name="booking_one_active_per_email",
                violation_error_message="This email address already has an active "
                "booking.",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="booking_ends_after_start",
            ),
        ]
        permissions = [
            ("approve_booking", "Can approve bookings"),
            ("reject_booking", "Can reject bookings"),
            ("cancel_booking", "Can cancel bookings"),
            ("complete_booking", "Can mark bookings completed"),
            ("reschedule_booking", "Can reschedule bookings"),
            ("record_offline_payment", "Can record offline payments"),
            (
                "override_availability",
                "Can book outside working hours, notice or booking window",
            ),
        ]

    def __str__(self):
        return self.reference or "new booking"

    @property
    def status_label(self) -> str:
        return S(self.status).label

    # Transitions (DESIGN §2). They change fields only; the caller saves and runs
    # side effects inside services.

    @fsm.transition(
        field=status,
        source=S.DRAFT,
        target=S.PENDING,
        permission=never_by_hand,
        custom={"label": "Verify email"},
    )
    def verify_email(self):
        self.verified_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.PENDING,
        target=S.APPROVED,
        permission="booking.approve_booking",
        custom={"label": "Approve"},
    )
    def approve(self):
        self.approved_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.PENDING,
        target=S.REJECTED,
        permission="booking.reject_booking",
        custom={"label": "Reject", "needs_reason": True},
    )
    def reject(self, reason: str):
        self.reject_reason = reason
        self.rejected_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.APPROVED,
        target=S.PAYMENT_PENDING,
        conditions=[has_amount_due],
        permission=never_by_hand,
        custom={"label": "Start payment"},
    )
    def start_payment(self):
        self.payment_started_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.PAYMENT_PENDING,
        target=S.APPROVED,
        permission=never_by_hand,
        custom={"label": "Payment expired"},
    )
    def payment_expired(self):
        self.payment_started_at = None

    @fsm.transition(
        field=status,
        source=S.PAYMENT_PENDING,
        target=S.CONFIRMED,
        conditions=[is_paid_in_full],
        permission=never_by_hand,
        custom={"label": "Confirm payment"},
    )
    def confirm(self):
        self.confirmed_at = timezone.now()

    @fsm.transition(
        field=status,
        source=[S.APPROVED, S.PAYMENT_PENDING],
        target=S.CONFIRMED,
        conditions=[is_paid_in_full],
        permission="booking.record_offline_payment",
        custom={"label": "Record offline payment", "needs_payment": True},
    )
    def record_offline_payment(self):
        self.confirmed_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.APPROVED,
        target=S.CONFIRMED,
        conditions=[is_free],
        permission=never_by_hand,
        custom={"label": "Confirm free session"},
    )
    def confirm_free(self):
        self.confirmed_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.CONFIRMED,
        target=S.COMPLETED,
        conditions=[session_has_ended],
        permission=may_complete,
        custom={"label": "Mark completed"},
    )
    def complete(self):
        self.completed_at = timezone.now()

    @fsm.transition(
        field=status,
        source=list(OPEN),
        target=S.CANCELLED,
        permission="booking.cancel_booking",
        custom={"label": "Cancel", "needs_reason": True},
    )
    def cancel(self, reason: str):
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()


class BookingToken(models.Model):
    """A link sent to the booking's email. Only a hash of the secret is stored; the
    link carries `key.secret`, and the secret is compared in constant time."""

    class Purpose(models.TextChoices):
        VERIFY = "verify", "Verify email"
        MANAGE = "manage", "Manage booking"
        CANCEL = "cancel", "Cancel booking"

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="tokens"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    key = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_purpose_display()} link for {self.booking}"


# --- Email outbox, meeting links and calendar feeds ------------------------------


class OutboxEmail(models.Model):
    """One email, written in the same transaction as the change that causes it and
    sent by a django-q2 task after commit (`booking.notifications`). `key` names
    (booking or session, kind, occurrence, recipient): the database refuses a second
    row for it, so overlapping sweeps or a task that runs twice send nothing twice."""

    class Kind(models.TextChoices):
        VERIFY_EMAIL = "verify_email", "Verify your email"
        RECEIVED = "received", "Booking received"
        APPROVED = "approved", "Booking approved"
        REJECTED = "rejected", "Booking rejected"
        CONFIRMED = "confirmed", "Booking confirmed"
        RESCHEDULED = "rescheduled", "Booking rescheduled"
        CANCELLED = "cancelled", "Booking cancelled"
        REMINDER_24H = "reminder_24h", "Reminder 24 hours before"
        REMINDER_30M = "reminder_30m", "Reminder 30 minutes before"
        COMPLETED = "completed", "Session completed, please review"
        MANAGE_LINK = "manage_link", "Link to the booking (asked for)"
        STAFF_NEW_REQUEST = "staff_new_request", "Staff: new booking awaits approval"
        CONSULTANT_CONFIRMED = "consultant_confirmed", "Consultant: booking confirmed"
        CONSULTANT_RESCHEDULED = "consultant_rescheduled", "Consultant: booking moved"
        CONSULTANT_CANCELLED = "consultant_cancelled", "Consultant: booking cancelled"
        CONSULTANT_REMINDER = "consultant_reminder", "Consultant: session reminder"
        SESSION_ENDED = "session_ended", "Consultant: session ended, mark completed"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"

    key = models.CharField(max_length=400, unique=True, editable=False)
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurrence = models.CharField(max_length=64, blank=True)
    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    ics = models.TextField(blank=True, help_text="The calendar file attached, if any.")

    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    esp_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    tracked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the provider last reported on it."
    )
    # The sweep hands the row to a sender again from this time on ...
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # ... unless a sender has claimed it until this time.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "email"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["booking", "kind"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


class MeetingLink(models.Model):
    """The video-call link of one online session, fixed when the session is
    confirmed so that every email and calendar entry shows the same room. Seats of
    a group session share a `slot_key`, and so a room."""

    slot_key = models.CharField(max_length=64, unique=True)
    url = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.url


class CalendarFeed(models.Model):
    """A consultant's private iCal subscription link. Only a hash of the secret is
    stored; revoking the link deletes the row, making a new one replaces it."""

    consultant = models.OneToOneField(
        Consultant, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.consultant}"


class Review(models.Model):
    """A client's review of a completed session: one per booking, held until a
    booking admin publishes it."""

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="review"
    )
    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2000, blank=True)
    display_name = models.CharField(
        max_length=60, help_text="How the review is signed on the site, e.g. “Ada L.”"
    )
    is_published = models.BooleanField(
        default=False, help_text="Shown on the consultant's page once published."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["consultant", "is_published", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.rating}★ for {self.consultant} ({self.booking})"


# --- Payments, refunds and Stripe events (booking.payments) ------------------------


class Payment(models.Model):
    """One attempt to pay for a booking: a Stripe Checkout Session, or money a
    booking admin received offline. A booking is never confirmed without one."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        OFFLINE = "offline", "Offline"

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
    """Money owed to a consultant from their earnings, asked for by them and paid
    by a booking admin (by hand, or as a Stripe transfer to their connected
    account)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
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
    refund took back. Lines not yet in a payout make the available balance."""

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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["consultant", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.net} {self.currency} ({self.booking})"


# --- Spreadsheets: large exports and imports (booking.exports, booking.imports) ----


class ExportJob(models.Model):
    """A booking export too large to answer in one request, written by a django-q2
    job. Only its owner may see it or download the file, which is kept outside
    the public media folder until `expires_at`."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Writing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    query = models.TextField(
        blank=True, help_text="The bookings list's filters, search and ordering."
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"], name="exportjob_expires")]

    def __str__(self):
        return f"{self.get_format_display()} export of bookings ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class SpreadsheetImport(models.Model):
    """One uploaded spreadsheet: previewed first (a dry run), imported only when
    its owner confirms. The upload stays on the server under `file_name`, so the
    confirmed import reads exactly the file that was previewed."""

    class Kind(models.TextChoices):
        CONSULTANTS = "consultants", "Consultants"
        SERVICES = "services", "Services"
        AVAILABILITY = "availability", "Weekly availability"
        BOOKINGS = "bookings", "Historical bookings"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"
        REFUSED = "refused", "Refused"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    original_name = models.CharField(max_length=255)
    file_name = models.CharField(max_length=255, editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    totals = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "import_spreadsheets",
                "Can import consultants, services and availability",
            ),
            ("import_bookings", "Can import historical bookings"),
        ]

    def __str__(self):
        return f"Import of {self.get_kind_display().lower()} ({self.original_name})"


# --- Privacy: who opened or took out personal data (booking.privacy) ---------------


class AccessLogEntry(models.Model):
    """Someone opened, exported or imported personal data, or answered a client's
    data request. `target` names what by references and ids only, never by a
    client's name or email. Written through `booking.audit.record_access`."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        IMPORTED = "imported", "Imported"
        DATA_LOOKED_UP = "data_looked_up", "Looked up a client's data"
        DATA_EXPORTED = "data_exported", "Exported a client's data"
        ERASED = "erased", "Erased a client's data"

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(
        max_length=150, blank=True, help_text="Kept when the login is deleted."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        permissions = [("handle_data_requests", "Can export and erase a client's data")]

    def __str__(self):
        return f"{self.username or 'system'} {self.get_action_display()}: {self.target}"
