"""Bookings → Course meetings: a course's (or workshop's) dates made from a rule
("8 Tuesdays from 12 January, 18:00–19:30, not 26 January") while nobody has
booked it, and each meeting moved for every participant afterwards (each client
is emailed once). The rules are `booking.lifecycle.courses`'."""

from datetime import datetime

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.permissions import forbidden
from booking.core.errors import BookingError, InvalidBookingData
from booking.core.models import Booking, Service
from booking.core.states import SLOT_HOLDING
from booking.courses.models import CourseMeeting
from booking.lifecycle import courses

PERMISSION = "booking.change_service"
DATED = (Service.Kind.WORKSHOP, Service.Kind.COURSE)


class RuleForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(kind__in=DATED), label="Course or workshop"
    )
    first_day = forms.DateField(
        label="First meeting", widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(label="Meetings", min_value=1, max_value=52, initial=8)
    every_weeks = forms.TypedChoiceField(
        label="Repeat",
        coerce=int,
        choices=[(1, "Every week"), (2, "Every other week")],
    )
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    exceptions = forms.CharField(
        required=False,
        label="Except on",
        help_text="Dates without a meeting, such as 2027-01-26, separated by commas.",
        max_length=2000,
    )

    def clean_exceptions(self):
        try:
            return {
                datetime.strptime(text.strip(), "%Y-%m-%d").date()
                for text in self.cleaned_data["exceptions"].split(",")
                if text.strip()
            }
        except ValueError as exc:
            raise forms.ValidationError(
                "Write each date as year-month-day, such as 2027-01-26."
            ) from exc


class MoveForm(forms.Form):
    start = forms.DateTimeField(
        label="New start",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    reason = forms.CharField(required=False, max_length=2000)


class CoursesView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/courses.html"
    page_title = "Course meetings"
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return forbidden(request, "You do not have permission to change services.")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def post(self, request):
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            service = data["service"]
            zone = (
                service.consultants.first().zone
                if service.consultants.exists()
                else None
            )
            try:
                if zone is None:
                    raise InvalidBookingData(f"“{service}” has no consultant yet.")
                dates = courses.meeting_dates(
                    first_day=data["first_day"],
                    count=data["count"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    zone=zone,
                    every_weeks=data["every_weeks"],
                    exceptions=data["exceptions"],
                )
                courses.set_meetings(service=service, actor=request.user, dates=dates)
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"“{service}” meets {len(dates)} times.")
                return redirect("booking_courses:index")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RuleForm())
        taken = {}
        for service_id, start, seats in Booking.objects.filter(
            service__kind__in=DATED, status__in=SLOT_HOLDING
        ).values_list("service_id", "start", "seats"):
            taken[service_id, start] = taken.get((service_id, start), 0) + seats
        context["services"] = [
            (
                service,
                [
                    (
                        meeting,
                        taken.get((service.pk, meeting.start), 0),
                        MoveForm(prefix=f"m{meeting.pk}"),
                    )
                    for meeting in service.meetings.order_by("start")
                ],
            )
            for service in Service.objects.filter(kind__in=DATED).prefetch_related(
                "consultants"
            )
        ]
        return context


def move_view(request, meeting_id):
    if not request.user.has_perm("booking.reschedule_booking"):
        return forbidden(request, "You do not have permission to reschedule bookings.")
    meeting = get_object_or_404(CourseMeeting, pk=meeting_id)
    if request.method != "POST":
        return redirect("booking_courses:index")
    form = MoveForm(request.POST, prefix=f"m{meeting.pk}")
    if not form.is_valid():
        messages.error(request, "Enter the new start as a date and time.")
        return redirect("booking_courses:index")
    zone = meeting.service.consultants.first().zone
    start = form.cleaned_data["start"].replace(tzinfo=None).replace(tzinfo=zone)
    try:
        moved = courses.move_meeting(
            meeting=meeting,
            start=start,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Meeting moved; {len(moved)} participant(s) were emailed."
        )
    return redirect("booking_courses:index")


class CoursesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_admin_urls")
def register_courses_urls():
    from django.urls import include

    patterns = [
        path("", CoursesView.as_view(), name="index"),
        path("<int:meeting_id>/move/", move_view, name="move"),
    ]
    return [
        path(
            "course-meetings/",
            include((patterns, "booking_courses"), namespace="booking_courses"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_courses_menu_item():
    return CoursesMenuItem(
        "Course meetings", reverse("booking_courses:index"), icon_name="date", order=315
    )
