"""The availability screens' forms: plain dates and times, no rules (the rules are
`booking.scheduling.hours`', and its refusals show on the form)."""

from datetime import time, timedelta

from django import forms
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from booking.core import dates
from booking.scheduling import hours
from booking.scheduling.hours import DAY_NAMES, Entry, Kind, local_moment

IN_RANGE = [dates.validate_in_range]


class WeeklyHoursForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        choices=list(enumerate(DAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(label="From", widget=AdminTimeInput)
    end_time = forms.TimeField(label="Until", widget=AdminTimeInput)
    starts_on = forms.DateField(
        label="Starting on", widget=AdminDateInput, validators=IN_RANGE
    )
    ends_on = forms.DateField(
        label="Last day",
        widget=AdminDateInput,
        validators=IN_RANGE,
        required=False,
        help_text="Leave empty to keep these hours with no end date.",
    )

    @staticmethod
    def initial_for(entry: Entry) -> dict:
        return {
            "weekdays": list(entry.weekdays),
            "start_time": entry.start.time(),
            "end_time": entry.end.time(),
            "starts_on": entry.start.date(),
            "ends_on": entry.until,
        }

    def save(self, **target) -> Entry:
        return hours.add_working_hours(**target, **self.cleaned_data)


class DateHoursForm(forms.Form):
    day = forms.DateField(label="Date", widget=AdminDateInput, validators=IN_RANGE)
    start_time = forms.TimeField(label="From", widget=AdminTimeInput)
    end_time = forms.TimeField(label="Until", widget=AdminTimeInput)
    note = forms.CharField(label="Note", required=False, max_length=500)

    @staticmethod
    def initial_for(entry: Entry) -> dict:
        return {
            "day": entry.start.date(),
            "start_time": entry.start.time(),
            "end_time": entry.end.time(),
            "note": entry.note,
        }

    def save(self, **target) -> Entry:
        return hours.add_date_hours(**target, **self.cleaned_data)


class TimeOffForm(forms.Form):
    first_day = forms.DateField(
        label="First day", widget=AdminDateInput, validators=IN_RANGE
    )
    last_day = forms.DateField(
        label="Last day", widget=AdminDateInput, validators=IN_RANGE
    )
    start_time = forms.TimeField(
        label="From (on the first day)",
        widget=AdminTimeInput,
        required=False,
        help_text="Leave both times empty for whole days.",
    )
    end_time = forms.TimeField(
        label="Until (on the last day)", widget=AdminTimeInput, required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=500)

    @staticmethod
    def initial_for(entry: Entry) -> dict:
        return {
            "first_day": entry.start.date(),
            "last_day": entry.last_day,
            "start_time": None if entry.whole_days else entry.start.time(),
            "end_time": None if entry.whole_days else entry.end.time(),
            "note": entry.note,
        }

    def save(self, *, consultant, **target) -> Entry:
        data = self.cleaned_data
        zone = consultant.zone
        if data["end_time"]:
            end = local_moment(data["last_day"], data["end_time"], zone)
        else:
            end = local_moment(data["last_day"] + timedelta(days=1), time(0), zone)
        return hours.add_time_off(
            consultant=consultant,
            start=local_moment(data["first_day"], data["start_time"] or time(0), zone),
            end=end,
            note=data["note"],
            **target,
        )


FORMS = {
    Kind.WEEKLY_HOURS: WeeklyHoursForm,
    Kind.DATE_HOURS: DateHoursForm,
    Kind.TIME_OFF: TimeOffForm,
}
