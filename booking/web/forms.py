"""Public booking forms. They check shape and length only; every booking rule is
the service layer's."""

from django import forms

from booking.core import dates, zones
from booking.core.models import Booking
from booking.intake import answers

TIME_ZONES = sorted(zones.known_names() - {"Factory", "localtime"})


def validate_zone(value: str) -> str:
    if value not in zones.known_names():
        raise forms.ValidationError("Choose a time zone from the list.")
    return value


class TimeZoneForm(forms.Form):
    tz = forms.ChoiceField(
        label="Show times in",
        choices=[(zone, zone.replace("_", " ")) for zone in TIME_ZONES],
    )


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from screen readers); bots that
    fill every input fill it too."""

    # Out of the tab order too: a hidden field that keyboards reach fails axe's
    # "aria-hidden-focus" and would trap a keyboard user in an unseen box.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise forms.ValidationError("This request looks automated.")
        return ""


class TickedBox(forms.CheckboxInput):
    """A ticked checkbox without a value attribute (as this one renders) sends
    "on"; an unticked one sends nothing. Only "on" is ticked: Django's
    CheckboxInput reads any text but "false" as ticked, so consent=0, consent=off
    or consent=no counted as consent."""

    TICKED = "on"

    def value_from_datadict(self, data, files, name):
        return data.get(name) == self.TICKED


def too_long(what: str) -> str:
    """A max_length message: what is too long, the limit, and how long it is."""
    return (
        f"{what} must be %(limit_value)d characters or fewer (it has %(show_value)d)."
    )


class DetailsForm(HoneypotMixin):
    """Each message says what to do, in the words of the field's label."""

    client_name = forms.CharField(
        label="Your name",
        max_length=200,
        error_messages={
            "required": "Enter your name",
            "max_length": too_long("Your name"),
        },
    )
    client_email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We send the confirmation link here.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address like name@example.com",
            "max_length": too_long("An email address"),
        },
    )
    client_phone = forms.CharField(
        label="Phone (optional)",
        max_length=40,
        required=False,
        error_messages={"max_length": too_long("A phone number")},
    )
    client_notes = forms.CharField(
        label="Anything you would like your consultant to know (optional)",
        max_length=Booking._meta.get_field("client_notes").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": too_long("Your note")},
    )
    consent = forms.BooleanField(
        widget=TickedBox,
        label="I have read the privacy policy and agree that the practice keeps these "
        "details to arrange my session.",
        error_messages={
            "required": "Tick the box to agree that the practice keeps your details "
            "to arrange your session"
        },
    )
    tz = forms.CharField(
        label="Time zone", widget=forms.HiddenInput, validators=[validate_zone]
    )
    start = forms.DateTimeField(
        label="Time",
        widget=forms.HiddenInput,
        validators=[dates.validate_in_range],
        error_messages={
            "required": "Go back and choose a time",
            "invalid": "Go back and choose a time from the list",
        },
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
        help_text="A series at the same time; it counts as your one booking.",
    )
    occurrences = forms.IntegerField(
        label="How many times in all (for a series)",
        required=False,
        min_value=2,
        max_value=26,
        error_messages={
            "min_value": "A series has at least 2 sessions",
            "max_value": "A series has at most 26 sessions",
            "invalid": "Enter the number of sessions, such as 6",
        },
    )
    # The times the client accepted after a conflict: ISO starts, comma-separated.
    starts = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def __init__(self, *args, questions=(), series=True, participants=0, **kwargs):
        """`questions`: the service's intake questions, asked after the notes.
        `series`: whether the client may repeat the session (not for courses and
        workshops, whose dates are set). `participants`: how many more people
        the client may name (the service's `extra_participants`)."""
        super().__init__(*args, **kwargs)
        if not series:
            for name in ("repeat", "occurrences", "starts"):
                del self.fields[name]
        self.party = [f"participant_{n}" for n in range(1, participants + 1)]
        for n, name in enumerate(self.party, 1):
            self.fields[name] = forms.CharField(
                label=f"Name of person {n} coming with you (optional)"
                if participants > 1
                else "Name of someone coming with you (optional)",
                max_length=120,
                required=False,
                help_text="At a group session, workshop or course each person "
                "takes a seat."
                if n == 1
                else "",
                error_messages={"max_length": too_long("A name")},
            )
        if self.party:
            names = list(self.fields)
            at = names.index("client_notes")
            self.order_fields([*names[:at], *self.party, *names[at:]])
        self.questions = list(questions)
        if self.questions:
            names = list(self.fields)
            at = names.index("consent")
            asked = answers.intake_fields(self.questions)
            self.fields.update(asked)
            self.order_fields([*names[:at], *asked, *names[at:]])

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("occurrences"):
            self.add_error("occurrences", "Say how many sessions the series has")
        return data

    def participant_names(self) -> list[str]:
        """The names given for the people coming with the client, each taking
        a seat."""
        return [self.cleaned_data[n] for n in self.party if self.cleaned_data[n]]

    def intake_answers(self) -> dict:
        return answers.collected(self.questions, self.cleaned_data)


class LookupForm(HoneypotMixin):
    email = forms.EmailField(label="The email address you booked with", max_length=254)


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label="Booking reference", max_length=16, help_text="For example MS-7K3QXA."
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class RescheduleForm(forms.Form):
    """The new start the client chose on the reschedule page."""

    start = forms.DateTimeField(validators=[dates.validate_in_range])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating",
        choices=[(n, f"{n} out of 5") for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="What would you like others to know? (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    display_name = forms.CharField(
        label="Sign it as (optional)",
        max_length=60,
        required=False,
        help_text="Leave empty to sign with your first name and initial.",
    )
