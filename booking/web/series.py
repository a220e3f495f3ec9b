"""The public journey's series and courses: a course's dates page, and booking a
course or a repeated session from the details form. A series with a clash is
shown back with every clashing time and the nearest free time for each, to
accept with one button (`booking.lifecycle.series`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from booking.core.errors import BookingError, InvalidBookingData
from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.courses.models import CourseMeeting
from booking.lifecycle import series
from booking.web.account import after_signed_in_booking


def dates_page(request, consultant, service):
    """A course's or workshop's dates and the seats left."""
    meetings = list(CourseMeeting.objects.filter(service=service).order_by("start"))
    taken = {}
    for start, seats in Booking.objects.filter(
        service=service, status__in=SLOT_HOLDING
    ).values_list("start", "seats"):
        taken[start] = taken.get(start, 0) + seats
    seats = service.capacity - max(taken.values(), default=0)
    return TemplateResponse(
        request,
        "booking/course_dates.html",
        {
            "consultant": consultant,
            "service": service,
            "meetings": [
                (m, service.capacity - taken.get(m.start, 0)) for m in meetings
            ],
            "seats": seats,
            "first": meetings[0] if meetings else None,
        },
    )


def book(request, consultant, service, form, render):
    """Book a course (all its meetings) or a repeated session; `render` shows
    the details page again with an error or the series' clashes."""
    data = form.cleaned_data
    zone = ZoneInfo(data["tz"])
    try:
        starts = _starts(consultant, service, data)
        with transaction.atomic():
            parent, _ = series.create_series_draft(
                consultant=consultant,
                service=service,
                starts=starts,
                consent=data["consent"],
                client_name=data["client_name"],
                client_email=data["client_email"],
                client_phone=data["client_phone"],
                client_notes=data["client_notes"],
                client_time_zone=data["tz"],
                intake=form.intake_answers(),
                participants=form.participant_names(),
            )
            signed_in = after_signed_in_booking(request, parent)
    except series.SeriesConflict as conflict:
        form.add_error(None, "Some times of the series are not free; see below.")
        accepted = [o.alternative or o.start for o in conflict.plan]
        form.data = form.data.copy()
        form.data["starts"] = ",".join(s.isoformat() for s in accepted)
        return render(
            request,
            consultant,
            service,
            form,
            conflicts=[
                (
                    o.start.astimezone(zone),
                    o.problem,
                    o.alternative and o.alternative.astimezone(zone),
                )
                for o in conflict.plan
                if o.problem
            ],
            can_accept=all(o.alternative for o in conflict.plan if o.problem),
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return render(request, consultant, service, form)
    request.session["booking_sent"] = parent.reference
    return signed_in or redirect("booking:sent")


def _starts(consultant, service, data) -> list[datetime]:
    if service.kind == service.Kind.COURSE:
        return series.course_starts(service)
    if data.get("starts"):
        try:
            return [datetime.fromisoformat(s) for s in data["starts"].split(",")]
        except ValueError as exc:
            raise InvalidBookingData("Go back and choose the times again.") from exc
    return series.occurrence_starts(
        data["start"],
        every_weeks=data["repeat"],
        count=data["occurrences"],
        zone=consultant.zone,
    )
