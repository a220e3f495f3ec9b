"""The booking core's data: consultants, services, bookings and their tokens.

Every write goes through `booking.lifecycle.services`; transition methods here only
change fields (DESIGN §2). Other areas keep their own models beside their services
(`booking/<area>/models.py`); `booking/models.py` imports them all for Django.

The booking model, with its state machine's transitions and their conditions, is
one idea, so this module runs past 400 lines."""

import zoneinfo
from datetime import timedelta
from decimal import Decimal

import django_fsm as fsm
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from booking.core import zones
from booking.core.states import (
    ACTIVE,
    OPEN,
    Attendance,
    BookingSource,
    BookingStatus,
)

S = BookingStatus


def validate_time_zone(value: str) -> None:
    if value not in zones.known_names():
        raise ValidationError(
            f"“{value}” is not a time zone name; use an IANA name such as "
            "Europe/Berlin or America/New_York."
        )


def validate_currency(value: str) -> None:
    if not (
        len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()
    ):
        raise ValidationError(
            f"“{value}” is not a currency code; use three capital letters "
            "(ISO 4217), such as EUR, GBP or USD."
        )


def validate_stripe_account(value: str) -> None:
    if not value.startswith("acct_"):
        raise ValidationError(
            "A Stripe connected account id starts with “acct_” (find it in "
            "Stripe under Connect → Accounts)."
        )


class Consultant(ClusterableModel):
    """The bookable person. Their public profile is a page in `cms`; this is the
    part the booking rules need. A cluster, so that the admin edits their
    `locations` on the consultant's own screen.

    `status` is the consultant's standing with the practice; only a verified
    consultant takes bookings, and `is_active` follows it (set on save) so every
    query that asks "bookable?" stays one indexed filter."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        VERIFIED = "verified", "Verified"
        SUSPENDED = "suspended", "Suspended"
        LEFT = "left", "Left the practice"

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
    languages = models.CharField(
        max_length=200,
        blank=True,
        help_text="The languages they hold sessions in, separated by commas.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.VERIFIED
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(
        default=True, editable=False, help_text="Verified: takes bookings."
    )
    featured = models.BooleanField(
        default=False,
        help_text="Shown among the featured consultants on the home page.",
    )
    payout_currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[validate_currency],
        help_text="The currency this consultant is paid out in; empty: each "
        "booking's own currency.",
    )
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
        validators=[validate_stripe_account],
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

    def save(self, *args, **kwargs):
        self.is_active = self.status == self.Status.VERIFIED
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_active"}
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def primary_location(self) -> "Location | None":
        return self.locations.filter(is_primary=True).first()


class Location(models.Model):
    """Where a consultant sees clients in person. An in-person booking is held at
    its consultant's primary location (`Booking.location`, copied when the booking
    is made, so later edits do not move past sessions). Here beside `Consultant`
    because `Booking` points to it and core depends on nothing else."""

    consultant = ParentalKey(
        Consultant, on_delete=models.CASCADE, related_name="locations"
    )
    label = models.CharField(max_length=80, help_text="e.g. “City practice”.")
    address = models.TextField(max_length=500, help_text="Street and number, lines.")
    city = models.CharField(max_length=80)
    is_primary = models.BooleanField(
        "primary",
        default=False,
        help_text="In-person sessions are held here. One per consultant.",
    )

    class Meta:
        ordering = ["-is_primary", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant"],
                condition=models.Q(is_primary=True),
                name="location_one_primary_per_consultant",
                violation_error_message="A consultant has one primary location.",
            )
        ]

    def __str__(self):
        return f"{self.label}, {self.city}"

    def save(self, *args, **kwargs):
        """Making this one primary makes the consultant's other locations not."""
        if self.is_primary and self.consultant_id:
            others = Location.objects.filter(consultant_id=self.consultant_id)
            others.exclude(pk=self.pk).update(is_primary=False)
        super().save(*args, **kwargs)

    @property
    def full_address(self) -> str:
        """The address on one line, as emails and calendar entries show it."""
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        if self.city and self.city not in lines:
            lines.append(self.city)
        return ", ".join(lines)


class ServiceCategory(models.Model):
    """A group of services a client can filter by ("Individual therapy",
    "Couples", "Workshops")."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "service categories"

    def __str__(self):
        return self.name


class Service(ClusterableModel):
    """A kind of session a client can book: how long, how much, and the rules around
    when it can be booked."""

    class Kind(models.TextChoices):
        SESSION = "session", "Session (booked slot by slot)"
        WORKSHOP = "workshop", "Workshop (one dated meeting, many participants)"
        COURSE = "course", "Course (dated meetings, booked once)"

    class Mode(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"
        BOTH = "both", "Online or in person"

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        ServiceCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
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
    currency = models.CharField(
        max_length=3, default="EUR", validators=[validate_currency]
    )
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.ONLINE)
    kind = models.CharField(
        "type",
        max_length=10,
        choices=Kind.choices,
        default=Kind.SESSION,
        help_text="A course is booked once for all its meetings (set them under "
        "Bookings → Course meetings); its price is for the whole course.",
    )
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
    daily_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="At most this many sessions of this service per consultant a "
        "day; leave empty for no cap.",
    )
    extra_participants = models.PositiveSmallIntegerField(
        "others a client may bring",
        default=1,
        validators=[MaxValueValidator(20)],
        help_text="How many more people, named when booking, may come with the "
        "client (1: a couple). At a group session each takes a seat.",
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

    @property
    def online(self) -> bool:
        """Clients may join from home (online, or online or in person)."""
        return self.mode != self.Mode.IN_PERSON

    @property
    def in_person(self) -> bool:
        return self.mode != self.Mode.ONLINE


# Transition conditions: pure functions of the booking, each with the sentence an
# error shows when it does not hold.
def has_amount_due(booking) -> bool:
    return booking.amount > 0


def is_free(booking) -> bool:
    return booking.amount == 0


def is_paid_in_full(booking) -> bool:
    return booking.amount_paid >= booking.amount


def session_has_ended(booking) -> bool:
    """A series or course (a parent booking) ends with its last meeting. Only
    an ended session asks about later meetings (one query), so lists of upcoming
    sessions cost nothing more."""
    now = timezone.now()
    return booking.end <= now and booking.series_end <= now


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


def payment_window() -> timedelta:
    return timedelta(hours=settings.BOOKING_PAYMENT_WINDOW_HOURS)


def payment_due_before(moment) -> models.Q:
    """Approved bookings whose payment deadline (`Booking.payment_due_by`) falls
    at or before `moment`, as a query."""
    return models.Q(status=S.APPROVED) & (
        models.Q(approved_at__lte=moment - payment_window())
        | models.Q(start__lte=moment)
    )


def is_own_session(booking, user) -> bool:
    return (
        booking.consultant.user_id is not None and booking.consultant.user_id == user.pk
    )


def may_complete(booking, user) -> bool:
    return user.has_perm("booking.complete_booking") or is_own_session(booking, user)


def may_mark_no_show(booking, user) -> bool:
    return user.has_perm("booking.mark_no_show") or is_own_session(booking, user)


class Booking(fsm.ConcurrentTransitionMixin, models.Model):
    """One client's booking of one session. The status only moves through the
    transitions below, called by `booking.lifecycle.services`."""

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
    # Where an in-person session is held: the consultant's primary location when
    # the booking was made.
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="bookings",
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
    # period (booking.privacy.retention); the reference and amounts stay for the
    # accounts.
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
    no_show_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The database allows one active booking per address among those that count.
    # A booking the services allow beyond it (a course's meetings, a session paid
    # from a package the client holds) is saved with False, decided under the
    # client's lock; nothing else sets it.
    counts_toward_limit = models.BooleanField(
        default=True,
        editable=False,
        help_text="Whether this booking is the client's one active booking.",
    )
    # The places the booking holds: the client and their named participants
    # (`booking.participants`); group seats are counted by it.
    seats = models.PositiveSmallIntegerField(default=1, editable=False)
    attendance = models.CharField(
        "client's attendance",
        max_length=7,
        choices=Attendance.choices,
        blank=True,
        editable=False,
    )
    # A recurring series or a course: the first occurrence is the parent (it holds
    # the price, the payment and the one active place); each later occurrence is
    # a child (`booking.lifecycle.series`).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="children",
    )

    class Meta:
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["consultant", "start"]),
            models.Index(fields=["status", "start"]),
            # The admin list's default order: newest first over every booking.
            models.Index(fields=["-start"], name="booking_start_desc"),
            # A client's bookings by address, in any case (`client_email__iexact`:
            # the account page, manage links, privacy requests), without a scan.
            models.Index(Upper("client_email"), name="booking_email_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("client_email"),
                condition=models.Q(status__in=ACTIVE, counts_toward_limit=True),
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
            ("mark_no_show", "Can mark bookings as no-shows"),
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
    def payment_due_by(self):
        """When an approved booking must be paid: the payment window from its
        approval, and never after the session starts."""
        if self.approved_at is None:
            return None
        return min(self.approved_at + payment_window(), self.start)

    @property
    def held_at(self):
        """When the session counted as held: marked completed, or a no-show
        whose fee the practice keeps (the consultant earns it alike)."""
        return self.completed_at or self.no_show_at

    @property
    def series_end(self):
        """When the last meeting that still stands ends (its own end for a
        booking with no children)."""
        if self.parent_id is not None or self.pk is None:
            return self.end
        last = (
            self.children.exclude(status__in=(S.CANCELLED, S.REJECTED))
            .order_by("-end")
            .values_list("end", flat=True)
            .first()
        )
        return max(self.end, last) if last else self.end

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
        source=S.APPROVED,
        target=S.PENDING,
        permission=never_by_hand,
        custom={"label": "Back for approval"},
    )
    def request_approval_again(self):
        """The client moved an approved booking that needs approval: its new time
        is a new request."""
        self.approved_at = None

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
        source=[S.APPROVED, S.PAYMENT_PENDING],
        target=S.CONFIRMED,
        conditions=[is_paid_in_full],
        permission=never_by_hand,
        custom={"label": "Pay with a package session"},
    )
    def pay_with_package(self):
        self.confirmed_at = timezone.now()

    @fsm.transition(
        field=status,
        source=S.APPROVED,
        target=S.CONFIRMED,
        conditions=[is_paid_in_full],
        permission=never_by_hand,
        custom={"label": "Pay with credit"},
    )
    def pay_with_credit(self):
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
        source=S.CONFIRMED,
        target=S.NO_SHOW,
        conditions=[session_has_ended],
        permission=may_mark_no_show,
        custom={"label": "Mark no-show"},
    )
    def mark_no_show(self):
        """The client did not come. What happens to the money is the practice's
        no-show fee (`booking.lifecycle.paying.mark_no_show`)."""
        self.no_show_at = timezone.now()

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
