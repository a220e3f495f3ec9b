"""The LiveKit join page (booking/video/). Who may join: the client, through
their manage link or their signed-in account; the session's consultant,
through their admin login; nobody else. The page itself changes nothing; the
Join button (a POST) creates the room at the first join and hands out a
short-lived token."""

from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking.accounts.signin import signed_in_account
from booking.admin.permissions import own_consultant
from booking.core import ratelimit
from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.video import access, rooms
from booking.web.views import manage_link_view, rate_limited


@never_cache
@require_http_methods(["GET", "POST"])
@manage_link_view
def manage_video(request, token, booking):
    """The client's join page, behind their emailed manage link."""
    action = reverse("booking:manage_video", args=[token])
    return join_page(
        request, booking, role=access.CLIENT, action=action, through="the manage link"
    )


@never_cache
@require_http_methods(["GET", "POST"])
def video_join(request, reference):
    """The join page for someone signed in: the consultant (admin login) or the
    client (account). Anyone else is sent to sign in, or refused."""
    if not ratelimit.allow("manage", ratelimit.client_ip(request)):
        return rate_limited(request, "manage")
    booking = get_object_or_404(
        Booking.objects.select_related("consultant", "service"),
        reference=reference.upper(),
    )
    consultant = own_consultant(request.user)
    account = signed_in_account(request)
    if consultant is not None and consultant.pk == booking.consultant_id:
        role, through = access.CONSULTANT, "the admin sign-in"
    elif account and account.email.lower() == booking.client_email.lower():
        role, through = access.CLIENT, "their account"
    else:
        signed_in = consultant is not None or account is not None
        context = {"signed_in": signed_in, "next": request.get_full_path()}
        return TemplateResponse(
            request, "booking/video_refused.html", context, status=403
        )
    action = reverse("booking:video_join", args=[booking.reference])
    return join_page(request, booking, role=role, action=action, through=through)


def join_page(request, booking, *, role: str, action: str, through: str):
    if role == access.CONSULTANT:
        zone = booking.consultant.zone
    else:
        zone = ZoneInfo(booking.client_time_zone)
    opens, closes = rooms.join_window(booking)
    context = {
        "booking": booking,
        "role": role,
        "action": action,
        "zone": zone.key,
        "zone_label": zone.key.replace("_", " "),
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "opens": opens.astimezone(zone),
    }
    try:
        access.check_joinable(booking)
    except BookingError as error:
        context["problem"] = error.message
        status = 200 if request.method == "GET" else 409
        return TemplateResponse(
            request, "booking/video_join.html", context, status=status
        )
    if request.method == "POST":
        try:
            context["join"] = access.join(
                booking,
                role=role,
                through=through,
                user=request.user,
                request=request,
            )
        except BookingError as error:
            context["problem"] = error.message
            return TemplateResponse(
                request, "booking/video_join.html", context, status=503
            )
    return TemplateResponse(request, "booking/video_join.html", context)
