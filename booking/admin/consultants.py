"""Practice → Consultants: booking admins add and edit consultants (issue 18).

The edit screen asks two things the fields alone cannot say: when the time zone
changes, whether the weekly hours keep their local times or their moments
(`booking.scheduling.hours.change_time_zone`), and when a consultant is
suspended or leaves with sessions ahead, whether to cancel those and tell the
clients (`booking.lifecycle.consultants.change_status`, which otherwise refuses
and names them). Their locations are edited on the same screen. Every change is
in the consultant's History."""

import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter

from booking.core.errors import BookingError
from booking.core.models import Consultant
from booking.lifecycle import consultants as standing
from booking.notifications import consultants as consultant_notices
from booking.scheduling import hours

KEEP_LOCAL, KEEP_MOMENTS = "local", "moments"
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def zone_choices() -> list[tuple[str, str]]:
    """IANA zones by region (no "US/…" or "Etc/…" aliases), and UTC."""
    zones = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if zone.partition("/")[0] in REGIONS
    )
    return [(zone, zone.replace("_", " ")) for zone in ["UTC", *zones]]


class ConsultantForm(WagtailAdminModelForm):
    time_zone = forms.ChoiceField(
        choices=zone_choices,
        help_text="Their weekly hours are read in this zone.",
    )
    hours_on_zone_change = forms.ChoiceField(
        label="If you change the time zone, their weekly hours",
        choices=[
            (
                KEEP_LOCAL,
                "Keep the same local times (09:00 stays 09:00 in the new zone)",
            ),
            (KEEP_MOMENTS, "Keep the same moments (hours shift)"),
        ],
        widget=forms.RadioSelect,
        required=False,
        help_text="Asked only when the time zone changes.",
    )
    cancel_bookings_ahead = forms.BooleanField(
        label="Cancel them and tell the clients",
        required=False,
        help_text="When you suspend a consultant or record that they left, their "
        "sessions ahead are cancelled (refunded in full) and each client is "
        "emailed. Without this, the change is refused while they have sessions "
        "ahead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:  # nothing to move or cancel yet
            del self.fields["hours_on_zone_change"]
            del self.fields["cancel_bookings_ahead"]
        if "user" in self.fields:
            linked = Q(consultant__isnull=True)
            if self.instance.user_id:
                linked |= Q(pk=self.instance.user_id)
            self.fields["user"].queryset = (
                get_user_model().objects.filter(linked).order_by("username")
            )
        time_zone = self.initial.get("time_zone")
        if time_zone and time_zone not in dict(zone_choices()):
            self.fields["time_zone"].choices = [
                (time_zone, time_zone),
                *zone_choices(),
            ]

    # The account id's and the currency's rules are the model fields' own
    # validators (so imports meet them too); the form only tidies what was typed.
    def clean_stripe_account_id(self):
        return self.cleaned_data["stripe_account_id"].strip()

    def clean_payout_currency(self):
        return self.cleaned_data["payout_currency"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        zone_changed = self.instance.pk and "time_zone" in self.changed_data
        if zone_changed and not cleaned.get("hours_on_zone_change"):
            self.add_error(
                "hours_on_zone_change",
                "You changed the time zone: choose whether their weekly hours keep "
                "their local times or their moments.",
            )
        return cleaned

    def is_valid(self):
        valid = super().is_valid()
        primaries = [
            form
            for form in self.formsets["locations"].forms
            if form.is_valid()
            and form.cleaned_data.get("is_primary")
            and not form.cleaned_data.get("DELETE")
        ]
        for form in primaries[1:] if len(primaries) > 1 else ():
            form.add_error(
                "is_primary",
                "Only one location can be primary: in-person sessions are held at "
                "the primary one. Untick all but one.",
            )
        return valid and len(primaries) <= 1


class ConsultantIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(services_count=Count("services"))


class ConsultantCreateView(generic.CreateView):
    def save_instance(self):
        consultant = self.form.instance
        consultant.status_changed_at = timezone.now()
        consultant.status_changed_by = self.request.user
        return super().save_instance()


class ConsultantEditView(generic.EditView):
    """Saves the plain fields and the locations, then changes the time zone and
    the status through their services, all in one transaction."""

    def save_instance(self):
        form, consultant = self.form, self.form.instance
        zone, status = consultant.time_zone, consultant.status
        consultant.time_zone = form.initial["time_zone"]
        consultant.status = form.initial["status"]
        consultant = super().save_instance()
        actor = self.request.user
        if zone != consultant.time_zone:
            hours.change_time_zone(
                consultant=consultant,
                new_zone=zone,
                keep_local_times=form.cleaned_data["hours_on_zone_change"]
                == KEEP_LOCAL,
                actor=actor,
            )
        self.cancelled = standing.change_status(
            consultant=consultant,
            status=status,
            actor=actor,
            cancel_bookings=form.cleaned_data["cancel_bookings_ahead"],
        )
        if form.initial["meeting_url"] != consultant.meeting_url:
            consultant_notices.meeting_link_changed(
                consultant=consultant,
                old=form.initial["meeting_url"],
                new=consultant.meeting_url,
                actor=actor,
                source="Changed in the admin",
                old_email=form.initial["email"],
            )
        return consultant

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except BookingError as refused:  # sessions ahead, or no right to cancel
            form.add_error("status", refused.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def get_success_message(self):
        message = super().get_success_message()
        cancelled = getattr(self, "cancelled", [])
        if cancelled:
            references = ", ".join(booking.reference for booking in cancelled)
            message += f" Cancelled and told the clients: {references}."
        return message


class ConsultantViewSet(ModelViewSet):
    model = Consultant
    name = "consultants"
    url_prefix = "practice/consultants"
    icon = "user"
    menu_label = "Consultants"
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = ConsultantIndexView
    add_view_class = ConsultantCreateView
    edit_view_class = ConsultantEditView
    list_display = [
        "name",
        "email",
        Column("status", label="Status", accessor="get_status_display"),
        BooleanColumn("featured", label="Featured"),
        Column("time_zone", label="Time zone"),
        Column("services_count", label="Services", sort_key="services_count"),
    ]
    list_filter = ["status", "featured"]
    search_fields = ["name", "email"]
    search_backend_name = None
    ordering = "name"
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("email"),
            MultiFieldPanel(
                [FieldPanel("time_zone"), FieldPanel("hours_on_zone_change")],
                heading="Time zone and weekly hours",
            ),
            FieldPanel("languages"),
            MultiFieldPanel(
                [FieldPanel("status"), FieldPanel("cancel_bookings_ahead")],
                heading="Standing with the practice",
            ),
            FieldPanel("featured"),
            FieldPanel("meeting_url"),
            FieldPanel("max_bookings_per_day"),
            MultiFieldPanel(
                [
                    FieldPanel("commission_rate"),
                    FieldPanel("payout_currency"),
                    FieldPanel("stripe_account_id"),
                ],
                heading="Payouts",
            ),
            FieldPanel("user", heading="Linked login"),
            InlinePanel(
                "locations",
                heading="Locations",
                label="Location",
                panels=[
                    FieldPanel("label"),
                    FieldPanel("address"),
                    FieldPanel("city"),
                    FieldPanel("is_primary"),
                ],
            ),
        ],
        base_form_class=ConsultantForm,
    )


class StatusChangeFormatter(LogFormatter):
    """“Status changed from Verified to Left the practice”, with the sessions it
    cancelled as the comment."""

    label = "Change consultant status"

    def format_message(self, log_entry):
        data = log_entry.data
        return (
            f"Status changed from {Consultant.Status(data['from']).label} to "
            f"{Consultant.Status(data['to']).label}"
        )

    def format_comment(self, log_entry):
        cancelled = log_entry.data.get("cancelled") or []
        return f"Cancelled: {', '.join(cancelled)}" if cancelled else ""


def register_log_actions(actions):
    actions.register_action(standing.STATUS_CHANGED)(StatusChangeFormatter)
