"""Which consultant and service a booking step is about: a consultant who takes
bookings (verified), and a session they offer that is on offer."""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from booking.core.models import Consultant, Service


def taking_bookings(view):
    """For the booking steps: a consultant who is not verified (suspended, left,
    not yet approved) gets a page saying so instead of a bare "not found"."""

    @wraps(view)
    def wrapper(request, consultant_id, *args, **kwargs):
        consultant = get_object_or_404(Consultant, pk=consultant_id)
        if not consultant.is_active:
            return TemplateResponse(
                request,
                "booking/not_taking_bookings.html",
                {"consultant": consultant},
                status=404,
            )
        return view(request, consultant_id, *args, **kwargs)

    return wrapper


def offer(consultant_id, service_slug) -> tuple[Consultant, Service]:
    consultant = get_object_or_404(Consultant, pk=consultant_id, is_active=True)
    service = consultant.services.filter(slug=service_slug, is_active=True).first()
    if service is None:
        raise Http404("This consultant does not offer that session.")
    return consultant, service
