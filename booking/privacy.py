"""Clients' personal data (issue 12): consent, the access audit, data requests
(export and erasure) and the retention period.

- Consent: `create_draft` stores when the client accepted the privacy policy and
  which version: the live revision of the policy page. `booking` does not know
  pages, so `cms` tells it where the policy is (`set_policy_source`, called from
  its AppConfig). With no policy page set up, consent keeps its time only.
- Access audit: `record_access` writes who opened, exported or imported personal
  data, naming what by references and ids only. Superusers read it in the admin.
- Data requests: `client_data` gathers everything held about an email address,
  `export_bundle` packs it as a .zip (data.json and one CSV per kind), and
  `erase_client` anonymises it, refused while the client has an open booking.
- Retention: `apply_retention` (a django-q2 schedule) anonymises finished
  bookings older than BOOKING_RETENTION_MONTHS and deletes drafts whose email was
  never verified after BOOKING_UNVERIFIED_RETENTION_HOURS.

Anonymising keeps each booking's reference, dates, state and amounts (the
accounts need them) and its payments, with nothing left that points at the
person: see `_anonymise`."""

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Revision

from booking import exports
from booking.audit import record_access
from booking.errors import BookingError
from booking.models import (
    AccessLogEntry,
    Booking,
    BookingToken,
    OutboxEmail,
    Payment,
    Refund,
    Review,
)
from booking.resources import spreadsheet_safe
from booking.states import FINAL, OPEN, BookingStatus

S = BookingStatus
Action = AccessLogEntry.Action

ANONYMOUS_NAME = "Anonymised client"
ANONYMOUS_REVIEWER = "Former client"
REMOVED = "(removed with the client's personal data)"
# Audit-log data that names no one: states, amounts, times and the staff login.
# Every other text (reasons, payment references) may quote the client.
NEUTRAL_LOG_KEYS = {"from", "to", "by", "amount", "method", "moved_from", "moved_to"}
# At most this many bookings are anonymised or deleted per retention run.
BATCH = 500


class PrivacyError(BookingError):
    code = "privacy_refused"


# --- consent ------------------------------------------------------------------------

_policy_source: Callable[[], Revision | None] | None = None


def set_policy_source(source: Callable[[], Revision | None]) -> None:
    """`source()` returns the privacy policy's current (live) revision, or None
    when there is no policy page. `cms` registers it when the apps load."""
    global _policy_source
    _policy_source = source


def current_policy() -> Revision | None:
    return _policy_source() if _policy_source else None


def consent_fields() -> dict:
    """What a booking records when the client accepts the privacy policy."""
    return {"consent_at": timezone.now(), "consent_policy": current_policy()}


# --- what is held about one address -------------------------------------------------


@dataclass
class ClientData:
    """Everything held about one email address: its bookings and what hangs off
    them, and every email sent to it."""

    email: str

    @property
    def bookings(self):
        return Booking.objects.filter(client_email__iexact=self.email).select_related(
            "consultant", "service", "consent_policy"
        )

    @property
    def emails(self):
        return OutboxEmail.objects.filter(recipient__iexact=self.email).select_related(
            "booking"
        )

    @property
    def payments(self):
        return Payment.objects.filter(booking__in=self.bookings.values("pk"))

    @property
    def refunds(self):
        return Refund.objects.filter(booking__in=self.bookings.values("pk"))

    @property
    def reviews(self):
        return Review.objects.filter(booking__in=self.bookings.values("pk"))

    def counts(self) -> dict[str, int]:
        return {kind: getattr(self, kind).count() for kind in BUNDLE_FIELDS}

    def open_bookings(self) -> list[Booking]:
        return list(self.bookings.filter(status__in=OPEN).order_by("start"))


def client_data(email: str) -> ClientData:
    """The data held about `email`; a clear error when it is not an address."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise PrivacyError(
            "Enter the email address the client booked with, e.g. name@example.com."
        ) from exc
    return ClientData(email)


def _held_for(data: ClientData) -> str:
    """The audit log's name for a client: their bookings' references."""
    references = list(data.bookings.order_by("pk").values_list("reference", flat=True))
    if not references:
        return "an address with no bookings"
    shown = ", ".join(references[:20])
    more = f" and {len(references) - 20} more" if len(references) > 20 else ""
    return f"client of {len(references)} booking(s): {shown}{more}"


def look_up(*, email: str, user, request=None) -> ClientData:
    """What a booking admin sees before exporting or erasing; logged."""
    data = client_data(email)
    record_access(
        user=user, action=Action.DATA_LOOKED_UP, target=_held_for(data), request=request
    )
    return data


# --- export -------------------------------------------------------------------------

BUNDLE_FIELDS = {
    "bookings": (
        "reference",
        "status",
        "consultant",
        "service",
        "start",
        "end",
        "client_name",
        "client_email",
        "client_phone",
        "client_time_zone",
        "client_notes",
        "intake",
        "consent_at",
        "privacy_policy_version",
        "amount",
        "amount_paid",
        "currency",
        "source",
        "created_at",
        "cancel_reason",
        "reject_reason",
    ),
    "emails": (
        "booking",
        "kind",
        "recipient",
        "subject",
        "text_body",
        "status",
        "created_at",
        "sent_at",
    ),
    "payments": (
        "booking",
        "provider",
        "status",
        "amount",
        "paid_amount",
        "refunded_amount",
        "currency",
        "method",
        "reference",
        "created_at",
        "paid_at",
    ),
    "refunds": (
        "booking",
        "amount",
        "currency",
        "status",
        "reason",
        "created_at",
        "refunded_at",
    ),
    "reviews": ("booking", "rating", "comment", "display_name", "is_published"),
}


def _policy_version(revision: Revision | None) -> str:
    if revision is None:
        return ""
    return (
        f"{revision.object_str}, version {revision.pk} of "
        f"{revision.created_at:%Y-%m-%d}"
    )


def _booking_row(booking: Booking) -> dict:
    return {
        **_fields(booking, BUNDLE_FIELDS["bookings"]),
        "status": booking.status_label,
        "consultant": str(booking.consultant),
        "service": str(booking.service),
        "privacy_policy_version": _policy_version(booking.consent_policy),
        "source": booking.get_source_display(),
    }


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name, None) for name in names}


def _row_with_booking(obj, kind: str) -> dict:
    return {**_fields(obj, BUNDLE_FIELDS[kind]), "booking": obj.booking.reference}


def bundle_rows(data: ClientData) -> dict[str, list[dict]]:
    return {
        "bookings": [_booking_row(b) for b in data.bookings.order_by("start")],
        **{
            kind: [
                _row_with_booking(obj, kind)
                for obj in getattr(data, kind).select_related("booking").order_by("pk")
            ]
            for kind in ("emails", "payments", "refunds", "reviews")
        },
    }


def export_bundle(*, email: str, user, request=None) -> bytes:
    """A .zip of everything held about `email`: data.json, and bookings.csv,
    emails.csv, payments.csv, refunds.csv and reviews.csv. Logged."""
    data = client_data(email)
    rows = bundle_rows(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        document = {"email": data.email, "exported_at": timezone.now(), **rows}
        bundle.writestr("data.json", json.dumps(document, indent=2, default=str))
        for kind, kind_rows in rows.items():
            bundle.writestr(f"{kind}.csv", _csv(BUNDLE_FIELDS[kind], kind_rows))
    record_access(
        user=user, action=Action.DATA_EXPORTED, target=_held_for(data), request=request
    )
    return buffer.getvalue()


def _csv(fields, rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: _cell(value) for name, value in row.items()})
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    return spreadsheet_safe(
        json.dumps(value) if isinstance(value, dict) else str(value)
    )


# --- erasure ------------------------------------------------------------------------


@transaction.atomic
def erase_client(*, email: str, user, request=None) -> list[str]:
    """Anonymise everything held about `email` (see `_anonymise`) and return the
    references of the bookings kept. Refused, changing nothing, while any of
    them is still open, or when nothing is held."""
    data = client_data(email)
    bookings = list(data.bookings.select_for_update(of=("self",)).order_by("pk"))
    if not bookings and not data.emails.exists():
        raise PrivacyError(
            "Nothing is held for that address: there is nothing to erase."
        )
    if still_open := [b for b in bookings if b.status in OPEN]:
        raise PrivacyError(_open_message(still_open))
    target = _held_for(data)
    # How staff may have searched the bookings list for this client.
    searched_as = {data.email}
    searched_as |= {text for b in bookings for text in (b.client_name, b.client_phone)}
    _scrub_session_emails(bookings)
    for booking in bookings:
        _anonymise(booking, actor=user, action="booking.erase", with_review=True)
    # Emails to the address about someone else's booking, if any.
    _scrub_emails(
        data.emails, client_email=data.email, address="erased@anonymised.invalid"
    )
    exports.forget_searches_for(searched_as)
    record_access(user=user, action=Action.ERASED, target=target, request=request)
    return [booking.reference for booking in bookings]


def _open_message(still_open: list[Booking]) -> str:
    listed = ", ".join(f"{b.reference} ({b.status_label.lower()})" for b in still_open)
    return (
        f"This client still has open bookings: {listed}. Cancel them, or wait until "
        "they are completed, then erase the client's data."
    )


def _placeholder_email(booking: Booking) -> str:
    """An address that cannot receive mail (RFC 2606's .invalid) and is unique per
    booking, so the one-active-booking-per-email rule never sees two alike."""
    return f"{booking.reference.lower()}@anonymised.invalid"


def _anonymise(booking: Booking, *, actor, action: str, with_review: bool) -> None:
    """Remove the person from one finished booking: name, email, phone, notes,
    intake answers, time zone and reasons in the booking; its emails' bodies and
    the client's address; its links (deleted); payment references and notes;
    free text in its audit log; and, `with_review`, the review's words and
    signature (its rating stays). Reference, dates, state and amounts stay."""
    personal = [booking.client_name, booking.client_email, booking.client_phone]
    placeholder = _placeholder_email(booking)
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        client_name=ANONYMOUS_NAME,
        client_email=placeholder,
        client_phone="",
        client_notes="",
        intake={},
        client_time_zone="UTC",
        reject_reason=REMOVED if booking.reject_reason else "",
        cancel_reason=REMOVED if booking.cancel_reason else "",
        anonymised_at=now,
        updated_at=now,
    )
    BookingToken.objects.filter(booking=booking).delete()
    _scrub_emails(
        booking.emails.all(), client_email=booking.client_email, address=placeholder
    )
    _scrub_money(booking, personal)
    if with_review:
        Review.objects.filter(booking=booking).update(
            comment="", display_name=ANONYMOUS_REVIEWER
        )
    _scrub_audit_log(booking)
    log(instance=booking, action=action, user=actor, data={"by": _by(actor)})


def _by(actor) -> str:
    return actor.get_username() if actor else "retention period"


def _scrub_emails(emails, *, client_email: str, address: str) -> int:
    """Keep each email's kind, subject (references only), dates and status; drop
    its bodies, attachment and error text, and the client's address (`address`
    instead; staff and consultants' addresses stay). The unique key held the
    address too. An email never sent is not sent any more."""
    queued, failed = OutboxEmail.Status.QUEUED, OutboxEmail.Status.FAILED
    return emails.update(
        key=Concat(Value("anonymised:"), Cast("pk", models.CharField())),
        recipient=Case(
            When(recipient__iexact=client_email, then=Value(address)),
            default=F("recipient"),
            output_field=models.EmailField(),
        ),
        text_body=REMOVED,
        html_body="",
        ics="",
        last_error="",
        status=Case(When(status=queued, then=Value(failed)), default=F("status")),
        next_attempt_at=None,
        claimed_until=None,
    )


def _scrub_session_emails(bookings: list[Booking]) -> None:
    """A group session's emails to its consultant list every participant's name,
    but belong to one seat's booking: scrub those that name this client."""
    for booking in (b for b in bookings if b.service.is_group):
        session_emails = OutboxEmail.objects.filter(
            key__startswith=f"session:{booking.consultant_id}:",
            text_body__icontains=booking.client_name,
        )
        _scrub_emails(session_emails, client_email=booking.client_email, address="")


def _scrub_money(booking: Booking, personal: list[str]) -> None:
    """Payments and refunds keep their amounts, states, dates and provider ids
    (the accounts and Stripe need them); the texts people typed go."""
    Payment.objects.filter(booking=booking).update(reference="", checkout_url="")
    for payment in Payment.objects.filter(booking=booking).exclude(note=""):
        payment.note = _without(payment.note, personal)
        payment.save(update_fields=["note"])
    for refund in Refund.objects.filter(booking=booking):
        refund.reason = _without(refund.reason, personal)
        refund.last_error = _without(refund.last_error, personal)
        refund.save(update_fields=["reason", "last_error"])


def _without(text: str, personal: list[str]) -> str:
    for value in filter(None, personal):
        text = re.sub(re.escape(value), "[removed]", text, flags=re.IGNORECASE)
    return text


def _scrub_audit_log(booking: Booking) -> None:
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Booking),
        object_id=str(booking.pk),
    )
    for entry in entries:
        data = entry.data or {}
        scrubbed = {
            key: value
            if key in NEUTRAL_LOG_KEYS or not isinstance(value, str) or not value
            else REMOVED
            for key, value in data.items()
        }
        if scrubbed != data:
            entry.data = scrubbed
            entry.save(update_fields=["data"])


# --- retention ----------------------------------------------------------------------


def apply_retention(*, now: datetime | None = None) -> str:
    """Run by the "Apply the data retention period" schedule. Safe to run again:
    what is done already is not touched."""
    now = now or timezone.now()
    anonymised = anonymise_expired(now=now)
    deleted = delete_unverified(now=now)
    return f"{anonymised} booking(s) anonymised, {deleted} unverified draft(s) deleted"


def retention_cutoff(now: datetime) -> datetime:
    months = settings.BOOKING_RETENTION_MONTHS
    return now - timedelta(days=round(months * 365.25 / 12))


def anonymise_expired(*, now: datetime) -> int:
    """Finished bookings whose session ended before the retention period."""
    expired = Booking.objects.filter(
        status__in=FINAL, anonymised_at__isnull=True, end__lt=retention_cutoff(now)
    )
    done = 0
    for pk in expired.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            booking = expired.select_for_update().filter(pk=pk).first()
            if booking is not None:
                _anonymise(
                    booking, actor=None, action="booking.anonymise", with_review=False
                )
                done += 1
    return done


def unverified_drafts(now: datetime):
    """Bookings asked for on the public site or API whose email was never
    verified (drafts, or drafts the expiry job cancelled), older than
    BOOKING_UNVERIFIED_RETENTION_HOURS. Being sent a verification link is what
    marks them: imported or phone bookings never are."""
    cutoff = now - timedelta(hours=settings.BOOKING_UNVERIFIED_RETENTION_HOURS)
    verification = BookingToken.objects.filter(
        booking=OuterRef("pk"), purpose=BookingToken.Purpose.VERIFY
    )
    return Booking.objects.filter(
        Exists(verification),
        status__in=(S.DRAFT, S.CANCELLED),
        verified_at__isnull=True,
        created_at__lt=cutoff,
    ).exclude(Exists(Payment.objects.filter(booking=OuterRef("pk"))))


def delete_unverified(*, now: datetime) -> int:
    """Delete unverified drafts with their links and emails. Their audit log
    stays (its free text scrubbed) and says they were deleted."""
    stale = unverified_drafts(now)
    done = 0
    for pk in stale.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            booking = stale.select_for_update().filter(pk=pk).first()
            if booking is not None:
                _scrub_audit_log(booking)
                log(instance=booking, action="booking.delete_unverified", data={})
                booking.delete()
                done += 1
    return done
