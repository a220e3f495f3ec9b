"""What a report is about: a range of session days, and optionally one consultant
and one service, checked as a form (bad input is a form error that names the
field, nothing is computed). A consultant who is not a booking admin or staff
sees only their own figures: `Selection.consultant` is forced to them, and asking
for another consultant is refused."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from booking.core.dates import validate_in_range
from booking.core.models import Booking, Consultant, Service

DEFAULT_DAYS = 365
LONGEST_DAYS = 366 * 5
OTHERS_FIGURES = "You can see only your own figures."


@dataclass(frozen=True)
class Selection:
    """A validated report filter. `start`/`end` are aware moments bounding the
    chosen days in the practice's time zone (end exclusive)."""

    first_day: date
    last_day: date
    consultant: Consultant | None = None
    service: Service | None = None

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1))

    def bookings(self):
        """Every booking of the selection's consultant and service, any day."""
        bookings = Booking.objects.all()
        if self.consultant:
            bookings = bookings.filter(consultant=self.consultant)
        if self.service:
            bookings = bookings.filter(service=self.service)
        return bookings

    def query(self) -> dict:
        """The selection as the report page's query string reads it."""
        return {
            "date_from": self.first_day.isoformat(),
            "date_to": self.last_day.isoformat(),
            "consultant": self.consultant.pk if self.consultant else "",
            "service": self.service.pk if self.service else "",
        }


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, validators=[validate_in_range]
    )
    date_to = forms.DateField(
        label="To", required=False, validators=[validate_in_range]
    )
    consultant = forms.ModelChoiceField(
        queryset=Consultant.objects.order_by("name"),
        required=False,
        empty_label="All consultants",
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("title"),
        required=False,
        empty_label="All services",
    )

    def __init__(self, data=None, *, own: Consultant | None = None):
        """`own`: the consultant whose figures alone this user may see."""
        super().__init__(data)
        self.own = own
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        if own is not None:
            self.fields["consultant"].queryset = Consultant.objects.filter(pk=own.pk)
            self.fields["consultant"].empty_label = None

    def clean_consultant(self):
        consultant = self.cleaned_data.get("consultant")
        return self.own or consultant

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        last = cleaned.get("date_to") or today
        first = cleaned.get("date_from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if first > last:
            self.add_error("date_to", "The end of the range is before its start.")
        elif (last - first).days >= LONGEST_DAYS:
            self.add_error("date_to", "Choose a range of at most five years.")
        cleaned["date_from"], cleaned["date_to"] = first, last
        return cleaned

    def selection(self) -> Selection:
        data = self.cleaned_data
        return Selection(
            first_day=data["date_from"],
            last_day=data["date_to"],
            consultant=data.get("consultant"),
            service=data.get("service"),
        )


def asks_for_others(data, own: Consultant | None) -> bool:
    """Whether a consultant's query names another consultant (refused, not
    silently narrowed, so that nobody reads someone else's figures as theirs)."""
    wanted = (data or {}).get("consultant", "")
    return own is not None and wanted not in ("", str(own.pk))
