"""A consultant's private iCal subscription feed, served by its secret address
(revocable from the admin: `booking.scheduling.calendar_files`)."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from booking.scheduling.calendar_files import consultant_feed, consultant_for_feed


@require_GET
def feed_view(request, token: str):
    consultant = consultant_for_feed(token)
    if consultant is None:
        raise Http404("No such calendar feed; it may have been revoked.")
    response = HttpResponse(
        consultant_feed(consultant), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
