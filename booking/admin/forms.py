"""The forms of the booking actions and of the phone-booking screen: a reason, a
payment received, a slot (with an optional override of the consultant's hours)."""

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django import forms
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from booking.admin.permissions import OVERRIDE
from booking.core import dates, practice
from booking.core.models import Consultant, Service
from booking.scheduling import hours, slots


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The client reads it in the email about this decision.",
    )

    def __init__(self, *args, booking, user, **kwargs):
        super().__init__(*args, **kwargs)


class NoShowForm(forms.Form):
    """Nothing to fill in: the page says what the practice's no-show fee does to
    this booking's money before the admin confirms."""

    def __init__(self, *args, booking, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.consequence = no_show_consequence(booking)


def no_show_consequence(booking) -> str:
    """What marking `booking` a no-show does with its money, by the practice's
    no-show fee (Settings → Practice settings)."""
    if booking.amount_paid <= 0:
        return "Nothing was paid for this session, so no money moves."
    paid = f"{booking.amount_paid} {booking.currency}"
    if practice.policy().keeps_no_show_fee:
        return (
            f"The practice keeps the fee: the {paid} paid stays, and the "
            "consultant earns it as for a completed session."
        )
    return f"The practice charges no fee for a no-show: the {paid} paid is refunded."


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount received", min_value=Decimal("0.01"), decimal_places=2
    )
    method = forms.CharField(
        label="How it was paid",
        max_length=60,
        help_text="e.g. bank transfer, cash, card in the room",
    )
    reference = forms.CharField(
        label="Payment reference", max_length=100, required=False
    )

    def __init__(self, *args, booking, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].initial = booking.amount - booking.amount_paid
        self.fields["amount"].help_text = f"In {booking.currency}."


class SlotForm(forms.Form):
    """A start time: one of the consultant's free slots on a day, or, for those
    who may override availability, any time on that day with a reason (a slot
    another booking holds is never offered, and services refuse it)."""

    day = forms.DateField(
        label="Day", widget=AdminDateInput, validators=[dates.validate_in_range]
    )
    start = forms.ChoiceField(
        label="Free times",
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": "That time is no longer free; choose another one."
        },
    )
    override_time = forms.TimeField(
        label="Or another time (outside availability)",
        widget=AdminTimeInput,
        required=False,
        help_text="Working hours, notice and booking window do not apply; another "
        "booking at the same time still does.",
    )
    override_reason = forms.CharField(
        label="Why outside availability", max_length=500, required=False
    )

    def __init__(self, *args, user, consultant=None, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.consultant, self.service = consultant, service
        if not user.has_perm(OVERRIDE):
            del self.fields["override_time"], self.fields["override_reason"]

    @property
    def slot_consultant(self):
        """The consultant whose times are offered (templates cannot say
        `form.consultant`: on the phone-booking form that is the field)."""
        return self.consultant

    @property
    def ready_for_times(self) -> bool:
        """Consultant and service are chosen, so free times can be offered."""
        return bool(self.consultant and self.service)

    def setup_slots(self) -> None:
        """Offer the free slots of the chosen consultant, service and day."""
        consultant, service, day = self.consultant, self.service, self.peek("day")
        self.slots = []
        if consultant and service and day:
            zone = consultant.zone
            self.slots = slots.free_slots(
                consultant=consultant,
                service=service,
                start=hours.local_moment(day, time(0), zone),
                end=hours.local_moment(day + timedelta(days=1), time(0), zone),
            )
        self.fields["start"].choices = [
            (self.local(slot.start).isoformat(), self.slot_label(slot))
            for slot in self.slots
        ]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.consultant.zone)

    def slot_label(self, slot) -> str:
        label = f"{self.local(slot.start):%H:%M}"
        if self.service.is_group:
            label += f" ({slot.seats_left} of {self.service.capacity} seats free)"
        return label

    def peek(self, name):
        """A field's cleaned value before the whole form is validated (the
        submitted value, or the initial one), or None if it is not valid."""
        field = self.fields[name]
        if self.is_bound:
            raw = field.widget.value_from_datadict(
                self.data, self.files, self.add_prefix(name)
            )
        else:
            raw = self.get_initial_for_field(field, name)
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day is None or self.consultant is None:
            return data
        data["override_reason"] = (data.get("override_reason") or "").strip()
        if data.get("override_time"):
            if not data["override_reason"]:
                self.add_error(
                    "override_reason",
                    "Say why this booking is outside the consultant's availability.",
                )
            data["start_at"] = hours.local_moment(
                day, data["override_time"], self.consultant.zone
            )
        elif data.get("start"):
            data["start_at"] = datetime.fromisoformat(data["start"])
            data["override_reason"] = ""
        elif "start" not in self.errors:
            self.add_error("start", self.no_start_message())
        return data

    def no_start_message(self) -> str:
        if not self.slots:
            message = "There are no free times on that day; choose another day"
        else:
            message = "Choose one of the free times"
        if "override_time" in self.fields:
            message += ", or give another time and the reason"
        return message + "."


class MoveForm(SlotForm):
    """A new time for an existing booking."""

    def __init__(self, *args, booking, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "day", booking.start.astimezone(booking.consultant.zone).date()
        )
        super().__init__(
            *args,
            user=user,
            consultant=booking.consultant,
            service=booking.service,
            **kwargs,
        )
        self.setup_slots()


class RescheduleForm(MoveForm):
    reason = forms.CharField(
        label="Note for the history",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def override_fields(data: dict) -> dict:
    """The services' override argument, only when availability is overridden."""
    reason = data.get("override_reason")
    return {"override_reason": reason} if reason else {}


def time_zone_choices():
    return [("", "Same as the consultant")] + [
        (name, name) for name in sorted(zoneinfo.available_timezones())
    ]


class PhoneBookingForm(SlotForm):
    """A booking taken by phone: consultant, service and time, then the client."""

    field_order = ["consultant", "service", "day", "start"]

    consultant = forms.ModelChoiceField(queryset=Consultant.objects.none())
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    client_name = forms.CharField(label="Client's name", max_length=200)
    client_email = forms.EmailField(label="Client's email")
    client_phone = forms.CharField(
        label="Client's phone", max_length=40, required=False
    )
    client_time_zone = forms.ChoiceField(
        label="Client's time zone", choices=time_zone_choices, required=False
    )
    client_notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = forms.CharField(
        label="Coming with the client",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One name a line (the service says how many may come); at a "
        "group session each takes a seat.",
    )
    repeat = forms.TypedChoiceField(
        label="Repeat",
        required=False,
        coerce=int,
        empty_value=0,
        choices=[
            ("", "Just this once"),
            ("1", "Every week"),
            ("2", "Every other week"),
        ],
        help_text="A series: every time is checked before anything is booked.",
    )
    occurrences = forms.IntegerField(
        label="Sessions in the series", required=False, min_value=2, max_value=26
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["consultant"].queryset = Consultant.objects.filter(is_active=True)
        self.consultant = self.peek("consultant")
        # Consultant first: only the services they offer are listed, and only
        # once they are chosen (issue 19).
        offered = Service.objects.filter(is_active=True)
        if self.consultant is not None:
            offered = offered.filter(consultants=self.consultant)
            self.fields["service"].error_messages["invalid_choice"] = (
                f"{self.consultant} does not offer that service; choose one of theirs."
            )
        self.fields["service"].queryset = offered
        self.service = self.peek("service")
        self.setup_slots()

    def clean(self):
        data = super().clean()
        consultant, service = data.get("consultant"), data.get("service")
        if (
            consultant
            and service
            and not service.consultants.filter(pk=consultant.pk).exists()
        ):
            self.add_error("service", f"{consultant} does not offer “{service}”.")
        if data.get("repeat") and not data.get("occurrences"):
            self.add_error("occurrences", "Say how many sessions the series has.")
        data["participants"] = (data.get("participants") or "").splitlines()
        return data


CLIENT_FIELDS = (
    "client_name",
    "client_email",
    "client_phone",
    "client_time_zone",
    "client_notes",
    "participants",
)
