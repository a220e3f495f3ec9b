"""Spreadsheet columns (DESIGN §7): the django-import-export resources that decide
which columns a booking export has and what each cell holds, and how imported
consultants, services, weekly hours and historical bookings are read.

Exports go through `export_row`, which asks each field for its value once per row.
Text that a spreadsheet would run as a formula is neutralised here, for CSV and
XLSX alike (`spreadsheet_safe`); numbers and dates are not text and stay numbers
and dates. django-import-export's own escaping only strips a leading `=`, and only
in its Django admin, so it is not used.

Imports: each resource reads one row into an object and validates it; writes go
through the functions that own them (`booking.availability.add_working_hours` for
weekly hours, `booking.imports.import_historical_booking` for bookings), which
raise `BookingError`; a refused row becomes a row error with the reason."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from booking.errors import BookingError
from booking.models import Booking, Consultant, Refund, Service

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WALL_CLOCK = "%Y-%m-%d %H:%M"


def spreadsheet_safe(value):
    """Text a spreadsheet would read as a formula (a leading `=`, `+`, `-`, `@`,
    tab or carriage return) gets a leading apostrophe, so it shows as typed.
    Anything that is not text is returned unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


# --- widgets -----------------------------------------------------------------------


class WallClockWidget(widgets.Widget):
    """A moment as the wall-clock time it already carries: a real (naive)
    datetime in XLSX, `2026-03-02 09:00` in CSV."""

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value.replace(tzinfo=None)
        return value.strftime(WALL_CLOCK)


class NumberWidget(widgets.DecimalWidget):
    """Amounts: a number in XLSX, plain `-12.50` in CSV (never localised)."""

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "" if value is None else f"{Decimal(value):.2f}"


class YesNoWidget(widgets.BooleanWidget):
    """yes/no, true/false, 1/0; anything else is an error, not a silent "no".
    An empty cell keeps the current value (`saves_null_values=False`)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip().lower() if value is not None else ""
        if text in ("", "none"):
            return None
        if text in ("1", "yes", "true", "y"):
            return True
        if text in ("0", "no", "false", "n"):
            return False
        raise ValueError(f"“{value}” is neither yes nor no.")


class DayWidget(widgets.DateWidget):
    """A date cell; XLSX hands over a datetime, which is read as its date."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                f"“{value}” is not a date; write it as 2026-03-31."
            ) from None


class ClockWidget(widgets.TimeWidget):
    def __init__(self):
        super().__init__()
        self.formats = ("%H:%M", "%H:%M:%S")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.time()
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                f"“{value}” is not a time of day; write it as 09:30."
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%H:%M") if value else ""


class WeekdaysWidget(widgets.Widget):
    """`Mon, Wed, Fri` (or full names) <-> weekday numbers, Monday = 0."""

    def clean(self, value, row=None, **kwargs):
        names = [part.strip().lower()[:3] for part in str(value or "").split(",")]
        unknown = [name for name in names if name not in DAY_CODES]
        if not value or unknown:
            raise ValueError(
                f"“{value}” is not a list of weekdays; write e.g. “Mon, Wed, Fri”."
            )
        return tuple(sorted({DAY_CODES.index(name) for name in names}))

    def render(self, value, obj=None, **kwargs):
        return ", ".join(DAY_CODES[day].capitalize() for day in value or ())


class ConsultantWidget(widgets.Widget):
    """A consultant named by their email (case does not matter)."""

    def clean(self, value, row=None, **kwargs):
        email = str(value or "").strip()
        found = list(Consultant.objects.filter(email__iexact=email)[:2])
        if len(found) != 1:
            problem = "no consultant has" if not found else "several consultants have"
            raise ValueError(f"{problem} the email “{email}”.".capitalize())
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return value.email if value else ""


class ConsultantsWidget(widgets.ManyToManyWidget):
    """Consultants by email, comma-separated. Unlike django-import-export's own
    widget, an email that matches no consultant is an error, not dropped."""

    def __init__(self):
        super().__init__(Consultant, separator=",", field="email")

    def clean(self, value, row=None, **kwargs):
        emails = {e.strip().lower() for e in str(value or "").split(",") if e.strip()}
        found = list(Consultant.objects.filter(email__in=emails))
        missing = emails - {consultant.email.lower() for consultant in found}
        if missing:
            raise ValueError(
                "No consultant has the email " + ", ".join(sorted(missing)) + "."
            )
        return found


class LocalTime(fields.Field):
    """A booking's moment in its consultant's time zone."""

    def get_value(self, instance):
        moment = super().get_value(instance)
        return moment and moment.astimezone(instance.consultant.zone)


class UtcTime(fields.Field):
    def get_value(self, instance):
        moment = super().get_value(instance)
        return moment and moment.astimezone(UTC)


# --- bookings (export) ------------------------------------------------------------


def _text(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column)


def _number(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=NumberWidget())


class BookingResource(resources.Resource):
    """A booking export's columns. Start and end are in the consultant's time zone
    (named in its own column); Created is UTC."""

    reference = _text("reference", "Reference")
    status = _text("status_label", "Status")
    client = _text("client_name", "Client")
    email = _text("client_email", "Email")
    phone = _text("client_phone", "Phone")
    consultant = _text("consultant__name", "Consultant")
    service = _text("service__title", "Service")
    start = LocalTime("start", "Start", widget=WallClockWidget())
    end = LocalTime("end", "End", widget=WallClockWidget())
    time_zone = _text("consultant__time_zone", "Time zone")
    amount = _number("amount", "Amount")
    currency = _text("currency", "Currency")
    paid = _number("amount_paid", "Paid")
    refunded = _number("refunded", "Refunded")
    created = UtcTime("created_at", "Created (UTC)", widget=WallClockWidget())
    source = _text("get_source_display", "Source")
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
    )

    @staticmethod
    def prepare(queryset):
        """The related rows every column needs, joined into the one query: the
        consultant and service, and the refunded total as a subquery."""
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
        return (
            queryset.select_related("consultant", "service")
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


# --- shared by every resource -----------------------------------------------------


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


# --- consultants and services -----------------------------------------------------


class ConsultantResource(ImportMixin, SafeExportMixin, resources.ModelResource):
    """Consultants, matched by email: a known email changes that consultant, a
    new one adds a consultant."""

    name = _text("name", "Name")
    email = _text("email", "Email")
    time_zone = _text("time_zone", "Time zone")
    is_active = fields.Field(
        "is_active", "Active", YesNoWidget(), saves_null_values=False
    )
    meeting_url = _text("meeting_url", "Meeting URL")
    max_bookings_per_day = fields.Field(
        "max_bookings_per_day", "Max bookings per day", widgets.IntegerWidget()
    )
    required_columns = ("Name", "Email")

    class Meta:
        model = Consultant
        fields = (
            "name",
            "email",
            "time_zone",
            "is_active",
            "meeting_url",
            "max_bookings_per_day",
        )
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True

    def get_instance(self, instance_loader, row):
        email = str(row.get("Email") or "").strip()
        found = list(Consultant.objects.filter(email__iexact=email)[:2])
        if len(found) > 1:
            raise ValidationError(
                {"Email": f"Several consultants have the email “{email}”."}
            )
        return found[0] if found else None


class ServiceResource(ImportMixin, SafeExportMixin, resources.ModelResource):
    """Services, matched by slug; Consultants lists their emails."""

    slug = _text("slug", "Slug")
    title = _text("title", "Title")
    description = _text("description", "Description")
    duration_minutes = fields.Field(
        "duration_minutes", "Duration (minutes)", widgets.IntegerWidget()
    )
    price = _number("price", "Price")
    currency = _text("currency", "Currency")
    mode = _text("mode", "Mode")
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


# --- weekly availability ----------------------------------------------------------


@dataclass
class WeeklyHours:
    """One row of weekly hours, before `availability.add_working_hours` writes it."""

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
        from booking import availability

        availability.add_working_hours(
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
        from booking import availability

        rows = []
        for consultant in Consultant.objects.order_by("name", "pk"):
            for entry in availability.availability_entries(consultant=consultant):
                if entry.kind == availability.Kind.WEEKLY_HOURS:
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


# --- historical bookings ----------------------------------------------------------


class ServiceWidget(widgets.Widget):
    """A service named by its slug."""

    def clean(self, value, row=None, **kwargs):
        slug = str(value or "").strip()
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            raise ValueError(f"No service has the slug “{slug}”.")
        return service

    def render(self, value, obj=None, **kwargs):
        return value.slug if value else ""


class StatusWidget(widgets.Widget):
    """A status by its name or its label: `completed` or `Completed`."""

    def clean(self, value, row=None, **kwargs):
        from booking.imports import IMPORTABLE_STATES

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


class WallClockInputWidget(WallClockWidget):
    """A wall-clock time without a zone (the consultant's zone is added later)."""

    formats = (WALL_CLOCK, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        for format_ in self.formats:
            try:
                return datetime.strptime(str(value).strip(), format_)
            except ValueError:
                continue
        raise ValueError(f"“{value}” is not a date and time; write 2026-03-31 09:30.")


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

    reference = _text("reference", "Reference")
    status = fields.Field("status", "Status", StatusWidget())
    client_name = _text("client_name", "Client")
    client_email = _text("client_email", "Email")
    client_phone = _text("client_phone", "Phone")
    consultant = fields.Field("consultant", "Consultant email", ConsultantWidget())
    service = fields.Field("service", "Service", ServiceWidget())
    start = fields.Field("start", "Start", WallClockInputWidget())
    end = fields.Field("end", "End", WallClockInputWidget())
    amount = _number("amount", "Amount")
    amount_paid = _number("amount_paid", "Paid")
    note = _text("note", "Note")
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
        from booking.imports import import_historical_booking

        import_historical_booking(
            actor=self.actor, row=instance, source_name=self.source_name
        )
