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
    clock = forms.TypedChoiceField(
        label="Clock",
        choices=ClientAccount._meta.get_field("clock").choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    remind_24h = forms.BooleanField(
        label="Email me a reminder the day before a session", required=False
    )
    remind_30m = forms.BooleanField(
        label="Email me a reminder 30 minutes before a session", required=False
    )


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete my account and the personal details kept with my bookings.",
        error_messages={"required": "Tick the box to confirm."},
    )


class SignInCodeForm(forms.Form):
    """The address and the 6-digit code from the sign-in email (issue 21), for a
    phone that opens mail elsewhere."""

    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    code = forms.CharField(
        label="The 6-digit code from the email",
        help_text="Six digits, for example 123 456.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
            }
        ),
    )


class PasswordSignInForm(HoneypotMixin):
    email = forms.EmailField(label="Your email address", max_length=254)
    password = forms.CharField(
        label="Password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(forms.Form):
    """Add or change the account's password; `current` only when it has one."""

    current = forms.CharField(
        label="Current password",
        max_length=4096,
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    password = forms.CharField(
        label="New password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label="New password again",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, has_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["current"]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("again") != data["password"]:
            self.add_error("again", "The two new passwords are not the same.")
        return data


class RemovePasswordForm(forms.Form):
    current = forms.CharField(
        label="Current password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
