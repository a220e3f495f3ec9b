"""Outside calendars on the availability screen: add a consultant's secret iCal
address, rename or replace it, read it now, remove it. The rules are
`booking.scheduling.feeds`'; who may act is the availability screen's rule
(booking admins for anyone, a consultant for themselves). The address is shown
only as its host once saved."""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin import messages

from booking.admin.availability import AvailabilityView
from booking.core.errors import BookingError
from booking.scheduling import feeds
from booking.scheduling.models import OutsideCalendar

HELP = (
    "The secret iCal address your calendar gives: in Google Calendar, Settings › "
    "your calendar › “Secret address in iCal format”; in Outlook, Calendar settings "
    "› Shared calendars › Publish a calendar (ICS); in Apple Calendar, share the "
    "calendar publicly and copy its webcal:// link."
)


class CalendarForm(forms.Form):
    label = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        help_text="Shown here instead of the address, e.g. “Work” or “Private”.",
    )
    url = forms.CharField(
        label="Calendar address",
        max_length=2000,
        help_text=HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, calendar=None, **kwargs):
        super().__init__(*args, **kwargs)
        if calendar is not None:
            self.fields["url"].required = False
            self.fields["url"].label = "New calendar address"
            self.fields["url"].help_text = (
                f"Leave empty to keep the current one ({calendar.masked_url}). " + HELP
            )


class CalendarView(AvailabilityView):
    """A view of one of the consultant's outside calendars (`calendar_id`), or of
    a new one."""

    @cached_property
    def calendar(self) -> OutsideCalendar | None:
        if "calendar_id" not in self.kwargs:
            return None
        return get_object_or_404(
            OutsideCalendar, pk=self.kwargs["calendar_id"], consultant=self.consultant
        )

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": self.get_page_title()},
        ]


class CalendarFormView(CalendarView, FormView):
    template_name = "booking/admin/outside_calendar_form.html"
    form_class = CalendarForm

    def get_page_title(self):
        return "Change outside calendar" if self.calendar else "Add outside calendar"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "calendar": self.calendar}

    def get_initial(self):
        return {"label": self.calendar.label} if self.calendar else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_button_label="Save",
            submit_button_active_label="Saving…",
            calendar=self.calendar,
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if self.calendar:
                calendar = feeds.change_calendar(
                    calendar=self.calendar,
                    label=data["label"],
                    url=data["url"],
                    actor=self.request.user,
                )
            else:
                calendar = feeds.add_calendar(
                    consultant=self.consultant,
                    url=data["url"],
                    label=data["label"],
                    actor=self.request.user,
                )
        except BookingError as exc:
            form.add_error("url", exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Saved outside calendar “{calendar}”. Its busy times are read every "
            "5 minutes; use “Read now” to see the result at once.",
        )
        return redirect(self.consultant_url())


class CalendarDeleteView(CalendarView, TemplateView):
    template_name = "wagtailadmin/generic/confirm_delete.html"
    page_title = "Remove outside calendar"

    def get(self, request, *args, **kwargs):
        if self.calendar is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    @property
    def confirmation_message(self) -> str:
        return (
            f"Remove the outside calendar “{self.calendar}”? Its busy times stop "
            "blocking bookings at once."
        )

    def get_delete_url(self) -> str:
        return self.request.path

    def get_success_url(self) -> str:
        return self.consultant_url()

    def post(self, request, *args, **kwargs):
        calendar = self.calendar
        feeds.remove_calendar(calendar=calendar, actor=request.user)
        messages.success(request, f"Removed outside calendar “{calendar}”.")
        return redirect(self.consultant_url())


class CalendarReadView(CalendarView, View):
    """POST: read the calendar now and say what happened."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        calendar = self.calendar
        outcome = feeds.refresh(calendar)
        if calendar.last_error:
            messages.error(request, f"“{calendar}” could not be read: {outcome}")
        else:
            messages.success(request, f"Read “{calendar}”: {outcome}")
        return redirect(self.consultant_url())


urlpatterns = [
    path("add/", CalendarFormView.as_view(), name="add"),
    path("<int:calendar_id>/edit/", CalendarFormView.as_view(), name="edit"),
    path("<int:calendar_id>/delete/", CalendarDeleteView.as_view(), name="delete"),
    path("<int:calendar_id>/read/", CalendarReadView.as_view(), name="read"),
]


@hooks.register("register_admin_urls")
def register_outside_calendar_urls():
    return [
        path(
            "availability/<int:consultant_id>/calendars/",
            include(
                (urlpatterns, "booking_outside_calendars"),
                namespace="booking_outside_calendars",
            ),
        )
    ]
