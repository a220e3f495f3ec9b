"""Historical bookings from a spreadsheet (DESIGN §7): each row is written by
`import_historical_booking`, in its final status in one step, logged in its History,
never moved through the state machine and never by editing the status. It takes the
same steps as every booking service (`booking.lifecycle.steps`): the consultant's
lock, field rules, a free slot, a fresh reference."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from booking.core.errors import InvalidBookingData, NotPermitted
from booking.core.models import Booking, Consultant, Service
from booking.core.states import ACTIVE, BookingSource, BookingStatus
from booking.lifecycle import slot_checks, steps
from booking.payments.models import Payment
from booking.spreadsheets.resources import ImportMixin, RowObjectMixin, SafeExportMixin
from booking.spreadsheets.widgets import (
    ConsultantWidget,
    ServiceWidget,
    WallClockInputWidget,
    number_field,
    text_field,
)

S = BookingStatus


# DRAFT needs the client's emailed link and PAYMENT_PENDING a live checkout.
IMPORTABLE_STATES = (
    S.PENDING,
    S.APPROVED,
    S.CONFIRMED,
    S.COMPLETED,
    S.CANCELLED,
    S.REJECTED,
)


PAID_STATES = (S.CONFIRMED, S.COMPLETED)


def import_historical_booking(*, actor, row, source_name: str = "") -> Booking:
    """A booking migrated from another system, created in its final status in
    one logged step. Active bookings obey the same rules as any other (one active
    booking per email, no overlap, under the consultant's lock); confirmed and
    completed ones must be paid in full and get an offline payment for it."""
    if not actor.has_perm("booking.import_bookings"):
        raise NotPermitted("You do not have permission to import bookings.")
    consultant, service, status = row.consultant, row.service, S(row.status)
    start = _aware(row.start, consultant)
    end = _aware(row.end, consultant) if row.end else start + service.duration
    amount = service.price if row.amount is None else row.amount
    paid = row.amount_paid or Decimal("0.00")
    _check_history(status, start, end, amount, paid)
    booking = Booking(
        consultant=consultant,
        service=service,
        status=status,
        start=start,
        end=end,
        client_name=str(row.client_name).strip(),
        client_email=str(row.client_email).strip(),
        client_phone=str(row.client_phone or "").strip(),
        client_time_zone=consultant.time_zone,
        amount=amount,
        currency=service.currency,
        amount_paid=paid,
        source=BookingSource.IMPORT,
        created_by=actor,
        **_reason_fields(status, row.note),
    )
    booking.slot_key = steps.slot_key(booking)
    with transaction.atomic():
        steps.lock_schedule(consultant)
        steps.validate_fields(booking)
        if status in ACTIVE:
            slot_checks.ensure_slot_free(booking)
        _insert_with_reference(booking, str(row.reference or "").strip())
        if paid:
            _record_payment(booking, actor, source_name)
        steps.log_change(
            booking,
            "booking.import",
            actor=actor,
            to_state=status,
            reason=f"Imported from {source_name}" if source_name else "Imported",
        )
    return booking


def _aware(moment: datetime, consultant) -> datetime:
    """A wall-clock time in the consultant's zone, read as the Availability
    screen reads one (RFC 5545 for skipped and repeated times)."""
    if timezone.is_aware(moment):
        return moment
    return moment.replace(tzinfo=consultant.zone).astimezone(UTC)


def _check_history(status, start, end, amount, paid) -> None:
    if end <= start:
        raise InvalidBookingData("The session must end after it starts.")
    if amount < 0 or paid < 0:
        raise InvalidBookingData("Amount and Paid cannot be negative.")
    if status in PAID_STATES and paid < amount:
        raise InvalidBookingData(
            f"A {status.label.lower()} booking must be paid in full: Paid is {paid}, "
            f"Amount is {amount}."
        )
    if status == S.COMPLETED and end > timezone.now():
        raise InvalidBookingData("A completed session must have ended already.")


def _reason_fields(status, note) -> dict:
    note = str(note or "").strip() or "Imported from another system."
    if status == S.CANCELLED:
        return {"cancel_reason": note}
    if status == S.REJECTED:
        return {"reject_reason": note}
    return {}


def _insert_with_reference(booking: Booking, reference: str) -> None:
    """Keep the old system's reference when there is one (it must be new here);
    otherwise draw one as for every booking."""
    if not reference:
        steps.insert(booking)
        return
    if len(reference) > Booking._meta.get_field("reference").max_length:
        raise InvalidBookingData(f"The reference “{reference}” is too long.")
    if Booking.objects.filter(reference=reference).exists():
        raise InvalidBookingData(
            f"A booking with the reference {reference} exists already; imports "
            "only add bookings."
        )
    booking.reference = reference
    try:
        with transaction.atomic():
            booking.save(force_insert=True)
    except IntegrityError as exc:
        raise steps.constraint_error(exc, booking) from exc


def _record_payment(booking: Booking, actor, source_name: str) -> None:
    Payment.objects.create(
        booking=booking,
        provider=Payment.Provider.OFFLINE,
        status=Payment.Status.PAID,
        amount=booking.amount,
        currency=booking.currency,
        paid_amount=booking.amount_paid,
        method="Imported",
        reference=source_name[:120],
        recorded_by=actor,
        paid_at=timezone.now(),
        note="Paid in the system the booking was imported from.",
    )


class StatusWidget(widgets.Widget):
    """A status by its name or its label: `completed` or `Completed`."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        for state in IMPORTABLE_STATES:
            if text in (state.value, state.label.lower()):
                return state
        names = ", ".join(state.value for state in IMPORTABLE_STATES)
        raise ValueError(
            f"“{value}” is not a status a booking can be imported in ({names})."
        )

    def render(self, value, obj=None, **kwargs):
        return value.value if value else ""


@dataclass
class HistoricalBooking:
    """One row of a booking migrated from another system."""

    reference: str = ""
    status: str = ""
    client_name: str = ""
    client_email: str = ""
    client_phone: str = ""
    consultant: Consultant | None = None
    service: Service | None = None
    start: datetime | None = None
    end: datetime | None = None
    amount: Decimal | None = None
    amount_paid: Decimal | None = None
    note: str = ""
    pk: None = None


class HistoricalBookingResource(
    RowObjectMixin, ImportMixin, SafeExportMixin, resources.Resource
):
    """Bookings from another system, each written in its final status by
    `booking.imports.import_historical_booking` (one logged step). Start and End
    are wall-clock times in the consultant's time zone."""

    reference = text_field("reference", "Reference")
    status = fields.Field("status", "Status", StatusWidget())
    client_name = text_field("client_name", "Client")
    client_email = text_field("client_email", "Email")
    client_phone = text_field("client_phone", "Phone")
    consultant = fields.Field("consultant", "Consultant email", ConsultantWidget())
    service = fields.Field("service", "Service", ServiceWidget())
    start = fields.Field("start", "Start", WallClockInputWidget())
    end = fields.Field("end", "End", WallClockInputWidget())
    amount = number_field("amount", "Amount")
    amount_paid = number_field("amount_paid", "Paid")
    note = text_field("note", "Note")
    row_class = HistoricalBooking
    required = ("status", "client_name", "client_email", "consultant", "service")
    required_columns = (
        "Status",
        "Client",
        "Email",
        "Consultant email",
        "Service",
        "Start",
    )

    class Meta:
        instance_loader_class = BaseInstanceLoader
        force_init_instance = True

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        errors = dict(import_validation_errors or {})
        for name in (*self.required, "start"):
            if getattr(instance, name) in (None, "") and name not in errors:
                errors[name] = ["This column needs a value."]
        super().validate_instance(instance, errors, **kwargs)

    def write(self, instance):
        import_historical_booking(
            actor=self.actor, row=instance, source_name=self.source_name
        )
