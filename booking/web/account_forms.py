"""The client account's forms: shape and length only; the rules are
booking.accounts.services'."""

from django import forms

from booking.accounts.models import ClientAccount
from booking.web.forms import TIME_ZONES, HoneypotMixin
from booking.web.widgets import LongSelect


class SignInForm(HoneypotMixin):
    email = forms.EmailField(label="Your email address", max_length=254)


class AccountDetailsForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=ClientAccount._meta.get_field("name").max_length,
        required=False,
    )
    time_zone = forms.ChoiceField(
        label="Show times in",
        choices=[("", "Each booking's own time zone")]
        + [(zone, zone.replace("_", " ")) for zone in TIME_ZONES],
        required=False,
        widget=LongSelect,
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete my account and the personal details kept with my bookings.",
        error_messages={"required": "Tick the box to confirm."},
    )
