"""A booking taken by phone: a booking admin (or a consultant, for themselves) picks
the consultant, service and slot and types in the client's details."""

from django.contrib.admin.utils import quote
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.forms import CLIENT_FIELDS, PhoneBookingForm, override_fields
from booking.admin.permissions import booking_policy, forbidden
from booking.core.errors import BookingError
from booking.lifecycle import series, services


class CreateBookingView(WagtailAdminTemplateMixin, FormView):
    """Phone bookings: the service layer gives the booking its reference and
    decides whether it starts pending or approved."""

    template_name = "booking/admin/bookings/create.html"
    form_class = PhoneBookingForm
    header_icon = "calendar-alt"
    page_title = "New phone booking"
    index_url_name = None
    inspect_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not booking_policy.user_has_permission(request.user, "add"):
            return forbidden(request, "You do not have permission to create bookings.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        if self.request.method == "GET":
            kwargs["initial"] = {
                "day": timezone.localdate(),
                **self.request.GET.dict(),
            }
        return kwargs

    def post(self, request, *args, **kwargs):
        if "show" in request.POST:
            form = self.form_class(user=request.user, initial=request.POST.dict())
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if data["repeat"] or data["service"].kind == data["service"].Kind.COURSE:
                return self.book_series(form, data)
            booking = services.create_admin_booking(
                actor=self.request.user,
                consultant=data["consultant"],
                service=data["service"],
                start=data["start_at"],
                **{name: data[name] for name in CLIENT_FIELDS},
                **override_fields(data),
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Booking {booking.reference} created for {booking.client_name}: it is "
            f"{booking.status_label.lower()}.",
        )
        return redirect(self.inspect_url_name, quote(booking.pk))

    def book_series(self, form, data):
        """A weekly or fortnightly series, or a whole course: refused whole with
        every clash and the nearest free time for each."""
        service, consultant = data["service"], data["consultant"]
        if service.kind == service.Kind.COURSE:
            starts = series.course_starts(service)
        else:
            starts = series.occurrence_starts(
                data["start_at"],
                every_weeks=data["repeat"],
                count=data["occurrences"],
                zone=consultant.zone,
            )
        try:
            parent = series.create_admin_series(
                actor=self.request.user,
                consultant=consultant,
                service=service,
                starts=starts,
                **{name: data[name] for name in CLIENT_FIELDS},
                **override_fields(data),
            )
        except series.SeriesConflict as conflict:
            zone = consultant.zone
            lines = [
                f"{o.start.astimezone(zone):%a %d %b %H:%M}: nearest free "
                + (
                    f"{o.alternative.astimezone(zone):%a %d %b %H:%M}"
                    if o.alternative
                    else "time: none within three days"
                )
                for o in conflict.plan
                if o.problem
            ]
            form.add_error(None, "Not every time is free. " + "; ".join(lines) + ".")
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Series {parent.reference} created for {parent.client_name}: "
            f"{len(starts)} sessions, {parent.status_label.lower()}.",
        )
        return redirect(self.inspect_url_name, quote(parent.pk))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": "Bookings"},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(action_url=self.request.path, media=form.media)
        if form.consultant:
            context["zone"] = form.consultant.time_zone
        return context
