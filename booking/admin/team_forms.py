"""The team screens' forms (booking/admin/team.py, applications.py): inviting a
consultant, and accepting or declining an application. They check shape and
length; the rules are `booking.team.services`'s."""

from django import forms

from booking.core.models import Consultant

MAKE_PAGE = forms.BooleanField(
    label="Create a draft profile page",
    required=False,
    initial=True,
    help_text="An unpublished page under the consultants' page, for the "
    "consultant or an editor to fill in and publish.",
)


class InviteForm(forms.Form):
    consultant = forms.ModelChoiceField(
        queryset=Consultant.objects.filter(user__isnull=True).exclude(
            status=Consultant.Status.LEFT
        ),
        required=False,
        label="Consultant",
        help_text="A consultant without a login; leave empty to add a new one.",
    )
    name = forms.CharField(
        max_length=120,
        required=False,
        label="Name of a new consultant",
        help_text="Only when the consultant is not in the list above.",
    )
    email = forms.EmailField(max_length=254, label="Email")
    make_page = MAKE_PAGE

    def clean(self):
        data = super().clean()
        if not data.get("consultant") and not data.get("name", "").strip():
            self.add_error(
                "name", "Choose a consultant, or give a new consultant's name."
            )
        if data.get("consultant") and data.get("name", "").strip():
            self.add_error(
                "name", "Either choose a consultant or name a new one, not both."
            )
        return data


class AcceptForm(forms.Form):
    make_page = MAKE_PAGE


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        label="Reason",
        help_text="The applicant is emailed it.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give a reason: the applicant is emailed it."},
    )
