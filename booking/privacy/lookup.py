"""Data requests: everything held about one email address (`client_data`), looked
up (`look_up`) or packed as a .zip (`export_bundle`: data.json and one CSV per
kind). Each is written to the access log."""

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from wagtail.models import Revision

from booking.accounts.models import ClientAccount
from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.core.states import OPEN, BookingStatus
from booking.messaging import privacy as messaging
from booking.notifications.models import OutboxEmail
from booking.participants import party
from booking.payments.models import Payment, Refund
from booking.privacy.audit import record_access
from booking.privacy.models import AccessLogEntry
from booking.products import membership_privacy
from booking.products import privacy as products_privacy
from booking.reviews.models import Review
from booking.spreadsheets.widgets import spreadsheet_safe
from booking.streams import privacy as streams_privacy
from booking.team.models import Application
from booking.waitlist import privacy as waitlist_privacy

S = BookingStatus


Action = AccessLogEntry.Action


class PrivacyError(BookingError):
    code = "privacy_refused"


@dataclass
class ClientData:
    """Everything held about one email address: its bookings and what hangs off
    them, and every email sent to it."""

    email: str

    @property
    def bookings(self):
        return (
            Booking.objects.filter(client_email__iexact=self.email)
            .select_related("consultant", "service", "consent_policy", "parent")
            .prefetch_related("participants")
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

    @property
    def applications(self):
        """Applications to join the practice from this address (booking.team)."""
        return Application.objects.filter(email__iexact=self.email)

    @property
    def packages(self):
        """The client's packages (booking.products) and their ledger lines."""
        return products_privacy.entitlements_of(self.email)

    @property
    def package_lines(self):
        return products_privacy.lines_of(self.email)

    @property
    def memberships(self):
        """Memberships (booking.products, Stripe Billing)."""
        return membership_privacy.memberships_of(self.email)

    @property
    def credit(self):
        """The client's money credit (booking.products) and its ledger lines."""
        return products_privacy.grants_of(self.email)

    @property
    def credit_lines(self):
        return products_privacy.credit_lines_of(self.email)

    @property
    def messages(self):
        """Secure messages with consultants (booking.messaging), both ways."""
        return messaging.messages_of(self.email)

    @property
    def waitlist(self):
        """Waitlist entries (booking.waitlist)."""
        return waitlist_privacy.entries_of(self.email)

    @property
    def stream_activity(self):
        """Likes, saves and comments on the stream (booking.streams)."""
        return streams_privacy.activity_of(self.email)

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


def held_for(data: ClientData) -> str:
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
        user=user, action=Action.DATA_LOOKED_UP, target=held_for(data), request=request
    )
    return data


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
        "service_type",
        "series",
        "seats",
        "attendance",
        "participants",
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
    "applications": (
        "name",
        "email",
        "qualifications",
        "specialisations",
        "statement",
        "consent_at",
        "status",
        "created_at",
        "decided_at",
        "decline_reason",
    ),
    "packages": products_privacy.PACKAGE_FIELDS,
    "package_lines": products_privacy.LINE_FIELDS,
    "memberships": membership_privacy.FIELDS,
    "credit": products_privacy.CREDIT_FIELDS,
    "credit_lines": products_privacy.CREDIT_LINE_FIELDS,
    "messages": messaging.BUNDLE_FIELDS,
    "waitlist": waitlist_privacy.FIELDS,
    "stream_activity": streams_privacy.BUNDLE_FIELDS,
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
        "service_type": booking.service.get_kind_display(),
        "series": booking.parent.reference if booking.parent_id else "",
        "attendance": booking.get_attendance_display(),
        "participants": party.participants_text(booking),
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
        "applications": [
            _fields(application, BUNDLE_FIELDS["applications"])
            for application in data.applications.order_by("pk")
        ],
        **products_privacy.bundle_rows(data.email),
        **membership_privacy.bundle_rows(data.email),
        "messages": messaging.bundle_rows(data.email),
        **waitlist_privacy.bundle_rows(data.email),
        "stream_activity": streams_privacy.bundle_rows(data.email),
    }


ACCOUNT_FIELDS = (
    "email",
    "name",
    "time_zone",
    "clock",
    "remind_24h",
    "remind_30m",
    "stripe_customer_id",
    "created_at",
    "last_signed_in_at",
)


def account_row(email: str) -> dict | None:
    """The client account of `email`, if one was made (issue 21): its details
    and preferences, whether it has a password (never the hash) and its Stripe
    Customer id."""
    account = ClientAccount.objects.filter(email__iexact=email).first()
    if account is None:
        return None
    return {**_fields(account, ACCOUNT_FIELDS), "has_password": account.has_password}


def export_bundle(*, email: str, user, request=None, by: str = "") -> bytes:
    """A .zip of everything held about `email`: data.json, and bookings.csv,
    emails.csv, payments.csv, refunds.csv, reviews.csv, applications.csv and
    messages.csv, with the messages' attachments under attachments/.
    Logged."""
    data = client_data(email)
    rows = bundle_rows(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        document = {
            "email": data.email,
            "exported_at": timezone.now(),
            "account": account_row(data.email),
            **rows,
        }
        bundle.writestr("data.json", json.dumps(document, indent=2, default=str))
        for kind, kind_rows in rows.items():
            bundle.writestr(f"{kind}.csv", _csv(BUNDLE_FIELDS[kind], kind_rows))
        for attachment in messaging.attachments_of(data.email):
            with attachment.file.open("rb") as file:
                bundle.writestr(messaging.bundle_name(attachment), file.read())
    record_access(
        user=user,
        action=Action.DATA_EXPORTED,
        target=held_for(data),
        request=request,
        by=by,
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
