"""The availability screen in the Wagtail admin: a consultant's weekly hours, hours
on dates and time off, as a list and forms, in the consultant's own time zone.

Booking admins (`booking.change_consultant`) edit anyone's availability; a consultant
edits only their own; everyone else gets 403, whatever URL they type."""

from datetime import date, time, timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter

from booking.admin.availability_forms import FORMS
from booking.core.errors import BookingError
from booking.core.models import Consultant
from booking.scheduling import feeds, hours, slots
from booking.scheduling.hours import Entry, Kind, local_moment

MANAGE_ALL = "booking.change_consultant"


PREVIEW_DAYS = 14


def editable_consultant(user, consultant_id: int) -> Consultant:
    """The consultant whose availability `user` may edit, or PermissionDenied. A
    user without the permission learns nothing about other consultants' ids."""
    if user.has_perm(MANAGE_ALL):
        return get_object_or_404(Consultant, pk=consultant_id)
    own = Consultant.objects.filter(user=user, pk=consultant_id).first()
    if own is None:
        raise PermissionDenied
    return own


def forbidden(request) -> TemplateResponse:
    """A plain 403 inside the admin. Wagtail answers PermissionDenied with a
    redirect to the dashboard; a typed or crafted URL gets a clear refusal."""
    return TemplateResponse(
        request,
        "booking/admin/availability_forbidden.html",
        {"page_title": "Not allowed"},
        status=403,
    )


def zone_label(consultant: Consultant) -> str:
    now = timezone.now().astimezone(consultant.zone)
    offset = now.strftime("%z")
    return f"{consultant.zone.key} ({now:%Z}, UTC{offset[:3]}:{offset[3:]} today)"


class AvailabilityView(WagtailAdminTemplateMixin):
    """Resolves the consultant in the URL, refusing anyone who may not edit them,
    before any handler runs."""

    header_icon = "time"
    consultant = None

    def dispatch(self, request, *args, **kwargs):
        try:
            if "consultant_id" in kwargs:
                consultant_id = kwargs["consultant_id"]
                self.consultant = editable_consultant(request.user, consultant_id)
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    def consultant_url(self) -> str:
        return reverse("booking_availability:consultant", args=[self.consultant.pk])

    def get_breadcrumbs_items(self):
        items = [
            *self.breadcrumbs_items,
            {"url": reverse("booking_availability:index"), "label": "Availability"},
        ]
        if self.consultant:
            items.append({"url": self.consultant_url(), "label": str(self.consultant)})
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.consultant:
            context["consultant"] = self.consultant
            context["zone_label"] = zone_label(self.consultant)
        return context


class ConsultantIndexView(AvailabilityView, TemplateView):
    """Booking admins choose a consultant; a consultant goes straight to their own."""

    template_name = "booking/admin/availability_index.html"
    page_title = "Availability"

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm(MANAGE_ALL):
            own = Consultant.objects.filter(user=request.user).first()
            if own is None:
                raise PermissionDenied
            return redirect("booking_availability:consultant", own.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            consultants=Consultant.objects.order_by("name"), **kwargs
        )


class ConsultantAvailabilityView(AvailabilityView, TemplateView):
    """The list: entries by kind, and the open hours they add up to."""

    template_name = "booking/admin/availability.html"

    def get_page_title(self):
        return f"Availability of {self.consultant}"

    def get_context_data(self, **kwargs):
        entries = hours.availability_entries(consultant=self.consultant)
        today = timezone.now().astimezone(self.consultant.zone).date()
        current = [entry for entry in entries if _last_day(entry) >= today]
        return super().get_context_data(
            sections=[
                (kind, [entry for entry in current if entry.kind == kind])
                for kind in Kind
            ],
            past=[entry for entry in entries if _last_day(entry) < today],
            preview=self.preview(today),
            outside_calendars=outside_calendar_rows(self.consultant),
            **kwargs,
        )

    def preview(self, today: date) -> list[tuple[date, str, str]]:
        """Per day: the open hours, and the busy times outside calendars take out
        of them."""
        zone = self.consultant.zone
        start = local_moment(today, time(0), zone)
        end = local_moment(today + timedelta(PREVIEW_DAYS), time(0), zone)
        spans = slots.open_hours(consultants=[self.consultant], start=start, end=end)[
            self.consultant.pk
        ]
        busy = feeds.busy_spans(consultant=self.consultant, start=start, end=end)
        days = {today + timedelta(days=n): ([], []) for n in range(PREVIEW_DAYS)}
        for column, found in ((0, spans), (1, _by_day(busy, zone, start, end))):
            for span in found:
                local_start = max(span.start, start).astimezone(zone)
                local_end = min(span.end, end).astimezone(zone)
                until = f"{local_end:%H:%M}"
                if local_end.date() > local_start.date() and until == "00:00":
                    until = "24:00"
                days[local_start.date()][column].append(f"{local_start:%H:%M}–{until}")
        return [
            (day, ", ".join(open_), ", ".join(busy))
            for day, (open_, busy) in days.items()
        ]


def _by_day(spans, zone, start, end) -> list[slots.Span]:
    """`spans` cut at each local midnight, so that a busy day or week shows on
    every day it covers."""
    pieces = []
    for span in spans:
        begin, finish = max(span.start, start), min(span.end, end)
        while begin < finish:
            midnight = local_moment(
                begin.astimezone(zone).date() + timedelta(days=1), time(0), zone
            )
            pieces.append(slots.Span(begin, min(finish, midnight)))
            begin = midnight
    return pieces


def outside_calendar_rows(consultant: Consultant) -> list[dict]:
    """Each outside calendar with its state in words and its times in the
    consultant's zone (the screen's rule)."""
    zone = consultant.zone

    def when(moment) -> str:
        if moment is None:
            return "Never"
        local = moment.astimezone(zone)
        return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"

    return [
        {
            "calendar": calendar,
            "state": (
                "Failing"
                if calendar.last_error
                else "OK"
                if calendar.last_ok_at
                else "Not read yet"
            ),
            "last_ok": when(calendar.last_ok_at),
            "last_tried": when(calendar.last_tried_at),
        }
        for calendar in feeds.calendars_of(consultant)
    ]


def _last_day(entry: Entry) -> date:
    if entry.kind == Kind.WEEKLY_HOURS:
        return entry.until or date.max
    return entry.last_day


class EntryView(AvailabilityView):
    """A view of one entry (named by `entry_id`) or of a new one of a `kind`."""

    @cached_property
    def entry(self) -> Entry | None:
        if "entry_id" not in self.kwargs:
            return None
        entry = hours.availability_entry(
            consultant=self.consultant, entry_id=self.kwargs["entry_id"]
        )
        if entry is None:
            raise Http404("No such entry in this consultant's availability.")
        return entry

    @cached_property
    def kind(self) -> Kind:
        if self.entry:
            return self.entry.kind
        if self.kwargs["kind"] not in Kind.values:
            raise Http404("Unknown kind of availability.")
        return Kind(self.kwargs["kind"])


class EntryFormView(EntryView, FormView):
    """Add an entry of one kind, or change an existing one."""

    template_name = "booking/admin/availability_form.html"

    def get_form_class(self):
        return FORMS[self.kind]

    def get_initial(self):
        if self.entry:
            return FORMS[self.kind].initial_for(self.entry)
        return {"starts_on": timezone.now().astimezone(self.consultant.zone).date()}

    def get_page_title(self):
        action = "Change" if self.entry else "Add"
        return f"{action} {self.kind.label.lower()}"

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label="Save",
            submit_button_active_label="Saving…",
            media=context["form"].media,
        )
        return context

    def form_valid(self, form):
        try:
            entry = form.save(
                consultant=self.consultant,
                actor=self.request.user,
                entry_id=self.entry and self.entry.id,
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {entry.kind.label.lower()}: {entry}.")
        return redirect(self.consultant_url())


class EntryDeleteView(EntryView, TemplateView):
    template_name = "wagtailadmin/generic/confirm_delete.html"
    page_title = "Remove from availability"

    def get_context_data(self, **kwargs):
        return super().get_context_data(entry=self.entry, **kwargs)

    @property
    def confirmation_message(self) -> str:
        return f"Remove {self.entry.kind.label.lower()} “{self.entry}”?"

    def get_delete_url(self) -> str:
        return self.request.path

    def get_success_url(self) -> str:
        return self.consultant_url()

    def post(self, request, *args, **kwargs):
        entry = self.entry
        hours.remove_entry(
            consultant=self.consultant, entry_id=entry.id, actor=request.user
        )
        messages.success(request, f"Removed {entry.kind.label.lower()}: {entry}.")
        return redirect(self.consultant_url())


urlpatterns = [
    path("", ConsultantIndexView.as_view(), name="index"),
    path(
        "<int:consultant_id>/", ConsultantAvailabilityView.as_view(), name="consultant"
    ),
    path("<int:consultant_id>/add/<slug:kind>/", EntryFormView.as_view(), name="add"),
    path(
        "<int:consultant_id>/<int:entry_id>/edit/",
        EntryFormView.as_view(),
        name="edit",
    ),
    path(
        "<int:consultant_id>/<int:entry_id>/delete/",
        EntryDeleteView.as_view(),
        name="delete",
    ),
]


@hooks.register("register_admin_urls")
def register_availability_urls():
    return [
        path(
            "availability/",
            include(
                (urlpatterns, "booking_availability"), namespace="booking_availability"
            ),
        )
    ]


class AvailabilityMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return (
            user.has_perm(MANAGE_ALL) or Consultant.objects.filter(user=user).exists()
        )


@hooks.register("register_admin_menu_item")
def register_availability_menu_item():
    return AvailabilityMenuItem(
        "Availability",
        reverse("booking_availability:index"),
        icon_name="time",
        order=310,
    )


@hooks.register("register_log_actions")
def register_availability_log_action(actions):
    @actions.register_action("booking.availability")
    class AvailabilityFormatter(LogFormatter):
        label = "Change availability"

        def format_message(self, log_entry):
            return log_entry.data.get("change", "Availability changed")
