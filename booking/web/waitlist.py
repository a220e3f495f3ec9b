"""The waitlist's public pages: joining a full time's waitlist, and the page every
waitlist email links to (confirm your place, take the offered seat, leave).
Opening a link changes nothing (mail scanners open links); its buttons POST.
The rules are in `booking.lifecycle.waitlist`; this module words its answers."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from booking.accounts.signin import signed_in_account
from booking.core import dates, ratelimit
from booking.core.errors import BookingError, InvalidBookingData, SlotTaken
from booking.core.models import Consultant, Service
from booking.lifecycle import waitlist
from booking.web.views import problem_page, rate_limited


class JoinForm(forms.Form):
    client_name = forms.CharField(label="Your name", max_length=120)
    client_email = forms.EmailField(label="Your email", max_length=254)
    client_time_zone = forms.CharField(
        label="Your time zone", max_length=64, initial=settings.TIME_ZONE
    )


def wanted_start(raw) -> datetime:
    try:
        start = datetime.fromisoformat(raw or "")
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise InvalidBookingData(
            "The time to wait for is missing or not a full date and time with "
            "its time zone."
        )
    if not dates.in_range(start):
        raise InvalidBookingData(dates.OUT_OF_RANGE)
    return start


@never_cache
def join(request, consultant_id, service_slug):
    consultant = get_object_or_404(Consultant, pk=consultant_id, is_active=True)
    service = get_object_or_404(
        Service, slug=service_slug, consultants=consultant, is_active=True
    )
    try:
        start = wanted_start(request.GET.get("start"))
    except InvalidBookingData as error:
        return problem_page(request, error, status=400)
    account = signed_in_account(request)
    form = JoinForm(request.POST or None)
    if account is not None:
        form = None
    context = {
        "service": service,
        "consultant": consultant,
        "start": start,
        "hold_hours": settings.WAITLIST_HOLD_HOURS,
    }
    if request.method == "POST":
        if not ratelimit.allow("verify", ratelimit.client_ip(request)):
            return rate_limited(request, "verify")
        if form is None or form.is_valid():
            details = (
                form.cleaned_data
                if form is not None
                else {
                    "client_name": account.name or account.email,
                    "client_email": account.email,
                    "client_time_zone": account.time_zone or settings.TIME_ZONE,
                }
            )
            try:
                entry = waitlist.join(
                    service=service,
                    consultant=consultant,
                    start=start,
                    account=account,
                    **details,
                )
            except BookingError as error:
                context["error"] = error.message
            else:
                return TemplateResponse(
                    request,
                    "booking/waitlist/joined.html",
                    {**context, "entry": entry, "place": waitlist.position(entry)},
                )
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "booking/waitlist/join.html",
        {**context, "form": form, "account": account},
        status=status,
    )


@never_cache
def entry_page(request, token):
    """What the waitlist emails link to."""
    if not ratelimit.allow("verify", ratelimit.client_ip(request)):
        return rate_limited(request, "verify")
    try:
        entry = waitlist.entry_for(token)
    except BookingError as error:
        return problem_page(request, error, status=400)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                entry = waitlist.confirm(token=token)
            elif action == "accept":
                booking = waitlist.accept(
                    token=token, consent=request.POST.get("consent") == "on"
                )
                return TemplateResponse(
                    request,
                    "booking/waitlist/booked.html",
                    {"entry": entry, "booking": booking},
                )
            elif action == "leave":
                entry = waitlist.leave(entry=entry)
            else:
                raise InvalidBookingData("Choose one of the buttons on the page.")
        except BookingError as error:
            return problem_page(
                request, error, status=409 if isinstance(error, SlotTaken) else 400
            )
        return redirect("booking:waitlist_entry", token=token)
    return TemplateResponse(
        request,
        "booking/waitlist/entry.html",
        {
            "entry": entry,
            "place": waitlist.position(entry),
            "zone": ZoneInfo(entry.client_time_zone),
        },
    )
