"""How one spreadsheet cell is read and written: wall-clock times, numbers, yes/no,
days, weekdays, consultants and services by name, and text made safe from
formulas (`spreadsheet_safe`). django-import-export's own escaping only strips a
leading `=`, and only in its Django admin, so it is not used."""

from datetime import UTC, datetime
from decimal import Decimal

from import_export import fields, widgets

from booking.core import dates
from booking.core.models import Consultant, Service

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


def in_range(value):
    """`value` if it is empty or a date Haven accepts (`booking.core.dates`);
    otherwise the row's error."""
    if value is not None and not dates.in_range(value):
        raise ValueError(dates.OUT_OF_RANGE)
    return value


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
            return in_range(value.date())
        try:
            day = super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                f"“{value}” is not a date; write it as 2026-03-31."
            ) from None
        return in_range(day)


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


def text_field(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column)


def number_field(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=NumberWidget())


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


class WallClockInputWidget(WallClockWidget):
    """A wall-clock time without a zone (the consultant's zone is added later)."""

    formats = (WALL_CLOCK, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return in_range(value.replace(tzinfo=None))
        for format_ in self.formats:
            try:
                moment = datetime.strptime(str(value).strip(), format_)
            except ValueError:
                continue
            return in_range(moment)
        raise ValueError(f"“{value}” is not a date and time; write 2026-03-31 09:30.")
