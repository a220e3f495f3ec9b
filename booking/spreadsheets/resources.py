"""Spreadsheet columns (DESIGN §7): the django-import-export resources that decide
which columns a booking export has and what each cell holds, and how imported
consultants, services and weekly hours are read.

Exports go through `export_row`, which asks each field for its value once per row.
Text that a spreadsheet would run as a formula is neutralised (`spreadsheet_safe`,
in `booking.spreadsheets.widgets`), for CSV and XLSX alike; numbers and dates are
not text and stay numbers and dates.

Imports: each resource reads one row into an object and validates it; writes go
through the functions that own them (`add_working_hours` for weekly hours), which
raise `BookingError`; a refused row becomes a row error with the reason.
Consultants are in `booking.spreadsheets.consultants` (who may change what),
historical bookings in `booking.spreadsheets.history`."""

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from booking.core.errors import BookingError
from booking.core.models import Booking, Consultant, Service
from booking.participants import party
from booking.payments.models import Refund
from booking.scheduling import hours
from booking.spreadsheets.widgets import (
    ClockWidget,
    ConsultantsWidget,
    ConsultantWidget,
    DayWidget,
    LocalTime,
    UtcTime,
    WallClockWidget,
    WeekdaysWidget,
    YesNoWidget,
    number_field,
    spreadsheet_safe,
    text_field,
)


class BookingResource(resources.Resource):
    """A booking export's columns. Start and end are in the consultant's time zone
    (named in its own column); Created is UTC."""

    reference = text_field("reference", "Reference")
    status = text_field("status_label", "Status")
    client = text_field("client_name", "Client")
    email = text_field("client_email", "Email")
    phone = text_field("client_phone", "Phone")
    consultant = text_field("consultant__name", "Consultant")
    service = text_field("service__title", "Service")
    start = LocalTime("start", "Start", widget=WallClockWidget())
    end = LocalTime("end", "End", widget=WallClockWidget())
    time_zone = text_field("consultant__time_zone", "Time zone")
    amount = number_field("amount", "Amount")
    currency = text_field("currency", "Currency")
    paid = number_field("amount_paid", "Paid")
    refunded = number_field("refunded", "Refunded")
    created = UtcTime("created_at", "Created (UTC)", widget=WallClockWidget())
    source = text_field("get_source_display", "Source")
    kind = text_field("service__kind", "Type")
    series = text_field("parent__reference", "Series")
    # The party (the client and the people they named) and who of it was marked
    # present or absent (`booking.lifecycle.attendance`): 0 and 0 while unmarked.
    seats = fields.Field("seats", "Seats", widgets.IntegerWidget())
    present = fields.Field("present", "Present", widgets.IntegerWidget())
    absent = fields.Field("absent", "Absent", widgets.IntegerWidget())
    # What the columns above read (Status reads `status`): only these are
    # fetched, a third of each row to read and convert.
    loaded_fields = (
        "reference",
        "status",
        "client_name",
        "client_email",
        "client_phone",
        "consultant__name",
        "consultant__time_zone",
        "service__title",
        "start",
        "end",
        "amount",
        "currency",
        "amount_paid",
        "created_at",
        "source",
        "service__kind",
        "parent__reference",
        "seats",
        "attendance",
    )

    @staticmethod
    def prepare(queryset):
        """The related rows every column needs, joined into the one query: the
        consultant and service, and the refunded total and attendance counts as
        subqueries."""
        refunded = (
            Refund.objects.filter(
                booking=OuterRef("pk"), status=Refund.Status.SUCCEEDED
            )
            .order_by()
            .values("booking")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        money = DecimalField(max_digits=12, decimal_places=2)
        return party.with_attendance(
            queryset.select_related("consultant", "service", "parent")
            .only(*BookingResource.loaded_fields)
            .annotate(
                refunded=Coalesce(
                    Subquery(refunded, output_field=money),
                    Value(Decimal("0.00")),
                    output_field=money,
                )
            )
        )

    def get_queryset(self):
        return self.prepare(Booking.objects.all())


class SafeExportMixin:
    """Export through the fields only (no `dehydrate_` lookups, which cost a scan
    of every field per cell), with formula text neutralised."""

    def export_field(self, field, instance, **kwargs):
        value = field.export(instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value  # `-5.00` is a negative amount, not a formula
        return spreadsheet_safe(value)

    def export_row(self, instance, export_fields, *, native: bool) -> list:
        """One row's cells: native numbers and dates for XLSX (`native`), text for
        CSV."""
        kwargs = {"force_native_type": True} if native else {}
        return [self.export_field(f, instance, **kwargs) for f in export_fields]


class ImportMixin:
    """What every import resource shares: the user doing it, a check that the
    file has the columns it needs, and field errors named by their column."""

    required_columns: tuple[str, ...] = ()

    def __init__(self, *, actor=None, source_name: str = "", **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.source_name = source_name

    def before_import(self, dataset, **kwargs):
        headers = [str(header or "").strip() for header in dataset.headers or []]
        dataset.headers = headers
        missing = [name for name in self.required_columns if name not in headers]
        if missing:
            raise ValueError(
                "The file has no column "
                + ", ".join(f"“{name}”" for name in missing)
                + ". The first row must name the columns: "
                + ", ".join(self.get_export_headers())
                + "."
            )

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        """Errors are reported under the column's name, as the file has it."""
        try:
            super().validate_instance(instance, import_validation_errors, **kwargs)
        except ValidationError as exc:
            errors = exc.message_dict.items()
            raise ValidationError(
                {self.column_of(key): messages for key, messages in errors}
            ) from exc

    def column_of(self, attribute: str) -> str:
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return attribute


class BookingExportResource(SafeExportMixin, BookingResource):
    pass


class ServiceResource(ImportMixin, SafeExportMixin, resources.ModelResource):
    """Services, matched by slug; Consultants lists their emails."""

    slug = text_field("slug", "Slug")
    title = text_field("title", "Title")
    description = text_field("description", "Description")
    duration_minutes = fields.Field(
        "duration_minutes", "Duration (minutes)", widgets.IntegerWidget()
    )
    price = number_field("price", "Price")
    currency = text_field("currency", "Currency")
    mode = text_field("mode", "Mode")
    capacity = fields.Field("capacity", "Capacity", widgets.IntegerWidget())
    buffer_before_minutes = fields.Field(
        "buffer_before_minutes", "Buffer before (minutes)", widgets.IntegerWidget()
    )
    buffer_after_minutes = fields.Field(
        "buffer_after_minutes", "Buffer after (minutes)", widgets.IntegerWidget()
    )
    minimum_notice_minutes = fields.Field(
        "minimum_notice_minutes", "Minimum notice (minutes)", widgets.IntegerWidget()
    )
    booking_window_days = fields.Field(
        "booking_window_days", "Booking window (days)", widgets.IntegerWidget()
    )
    requires_approval = fields.Field(
        "requires_approval", "Requires approval", YesNoWidget()
    )
    is_active = fields.Field(
        "is_active", "Active", YesNoWidget(), saves_null_values=False
    )
    consultants = fields.Field("consultants", "Consultants", ConsultantsWidget())
    required_columns = ("Slug", "Title")

    class Meta:
        model = Service
        fields = (
            "slug",
            "title",
            "description",
            "duration_minutes",
            "price",
            "currency",
            "mode",
            "capacity",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "requires_approval",
            "is_active",
            "consultants",
        )
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True

    def import_instance(self, instance, row, **kwargs):
        """django-import-export reads many-to-many columns only after saving;
        check the consultants before, so a wrong email is a row error."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.message_dict
        if "Consultants" in row:
            try:
                self.fields["consultants"].clean(row)
            except ValueError as exc:
                errors["consultants"] = [str(exc)]
        if errors:
            raise ValidationError(errors)


@dataclass
class WeeklyHours:
    """One row of weekly hours, before `hours.add_working_hours` writes it."""

    consultant: Consultant | None = None
    weekdays: tuple[int, ...] = ()
    start_time: time | None = None
    end_time: time | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    pk: None = None


class RowObjectMixin:
    """For resources whose rows are not model instances: every row is new, and
    `write(instance)` saves it; a `BookingError` becomes the row's error."""

    row_class = None

    def init_instance(self, row=None):
        return self.row_class()

    def do_instance_save(self, instance, is_create):
        try:
            self.write(instance)
        except BookingError as exc:
            raise ValidationError(exc.message) from exc

    def write(self, instance):
        raise NotImplementedError


class AvailabilityResource(
    RowObjectMixin, ImportMixin, SafeExportMixin, resources.Resource
):
    """Weekly hours, in the consultant's time zone: `Mon, Wed` 09:00–13:00 from a
    date, until a date or for good. Written exactly as the Availability screen
    writes them."""

    consultant = fields.Field("consultant", "Consultant email", ConsultantWidget())
    weekdays = fields.Field("weekdays", "Weekdays", WeekdaysWidget())
    start_time = fields.Field("start_time", "Start", ClockWidget())
    end_time = fields.Field("end_time", "End", ClockWidget())
    starts_on = fields.Field("starts_on", "From", DayWidget())
    ends_on = fields.Field("ends_on", "Until", DayWidget())
    row_class = WeeklyHours
    required_columns = ("Consultant email", "Weekdays", "Start", "End", "From")

    class Meta:
        instance_loader_class = BaseInstanceLoader
        force_init_instance = True

    required = ("consultant", "weekdays", "start_time", "end_time", "starts_on")

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        errors = dict(import_validation_errors or {})
        for name in self.required:
            if getattr(instance, name) in (None, ()) and name not in errors:
                errors[name] = ["This column needs a value."]
        super().validate_instance(instance, errors, **kwargs)

    def write(self, instance):
        hours.add_working_hours(
            consultant=instance.consultant,
            weekdays=instance.weekdays,
            start_time=instance.start_time,
            end_time=instance.end_time,
            starts_on=instance.starts_on,
            ends_on=instance.ends_on,
            actor=self.actor,
        )

    def get_queryset(self):
        """Every consultant's weekly hours, as rows this resource imports."""
        rows = []
        for consultant in Consultant.objects.order_by("name", "pk"):
            for entry in hours.availability_entries(consultant=consultant):
                if entry.kind == hours.Kind.WEEKLY_HOURS:
                    rows.append(
                        WeeklyHours(
                            consultant=consultant,
                            weekdays=entry.weekdays,
                            start_time=entry.start.time(),
                            end_time=entry.end.time(),
                            starts_on=entry.start.date(),
                            ends_on=entry.until,
                        )
                    )
        return rows
