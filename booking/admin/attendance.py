"""Marking attendance: one page per booking listing the client and each named
participant, each Present, Absent or Not marked. The consultant reaches it from
My practice (their own sessions only), a booking admin from the booking's page;
`booking.lifecycle.attendance` decides who may mark and when (once the meeting
has begun)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.permissions import forbidden, visible_bookings
from booking.admin.zones import format_admin_range
from booking.core.errors import BookingError
from booking.core.states import Attendance
from booking.lifecycle import attendance
from booking.participants import party

CHOICES = [*Attendance.choices, ("", "Not marked")]


def attendance_url(booking, next_url: str = "") -> str:
    url = reverse("booking_attendance", args=[booking.pk])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def summary(booking) -> str:
    """ "2 of 3 present", or "Not marked" while nobody is."""
    marks = [mark for _, _, mark in party.people(booking)]
    if not any(marks):
        return "Not marked"
    present = marks.count(Attendance.PRESENT)
    return f"{present} of {len(marks)} present"


class AttendanceForm(forms.Form):
    """A Present / Absent / Not marked choice per person of the booking."""

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        for key, name, mark in people:
            self.fields[key] = forms.ChoiceField(
                label=f"{name} (client)" if key == attendance.CLIENT else name,
                choices=CHOICES,
                required=False,
                initial=mark,
                widget=forms.RadioSelect,
            )


class AttendanceView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/attendance.html"
    page_title = "Attendance"
    header_icon = "group"

    def dispatch(self, request, pk):
        self.booking = get_object_or_404(
            visible_bookings(request.user)
            .select_related("consultant", "service")
            .prefetch_related("participants"),
            pk=pk,
        )
        if not attendance.may_mark(self.booking, request.user):
            return forbidden(
                request,
                "Only the booking's consultant or a booking admin marks attendance.",
            )
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.booking.reference

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("bookings:index"), "label": "Bookings"},
            {"url": self.next_url, "label": self.booking.reference},
            {"url": "", "label": "Attendance"},
        ]

    @cached_property
    def next_url(self) -> str:
        return get_valid_next_url_from_request(self.request) or reverse(
            "bookings:inspect", args=(quote(self.booking.pk),)
        )

    def form(self, data=None) -> AttendanceForm:
        return AttendanceForm(data, people=party.people(self.booking))

    def post(self, request, pk):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                attendance.mark(
                    booking=self.booking, actor=request.user, marks=form.cleaned_data
                )
            except BookingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, f"Attendance of {self.booking.reference} saved."
                )
                return redirect(self.next_url)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        booking = self.booking
        kwargs.setdefault("form", self.form())
        return super().get_context_data(
            booking=booking,
            when=format_admin_range(booking.start, booking.end, self.request),
            refusal=attendance.refusal(booking, self.request.user),
            next_url=self.next_url,
            **kwargs,
        )


@hooks.register("register_admin_urls")
def register_attendance_url():
    return [
        path(
            "booking-attendance/<int:pk>/",
            AttendanceView.as_view(),
            name="booking_attendance",
        )
    ]
