"""The public booking journey (DESIGN §8): service → slot (in the client's time zone)
→ details → "check your inbox"; status by reference; find by email; moving and
reviewing behind an emailed link. Verifying, the booking page and cancelling are
`booking.web.confirmation`'s. Server-rendered and usable
without JavaScript. Every rule lives in `booking.lifecycle.services`; views
translate its errors into pages."""

from datetime import datetime, timedelta
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from booking.core import ratelimit, tokens, zones
from booking.core.errors import BookingError, SlotTaken, TokenError
from booking.core.models import Booking, BookingToken, Consultant
from booking.intake import answers as intake
from booking.lifecycle import services
from booking.lifecycle.steps import client_cutoff
from booking.reviews import services as review_services
from booking.scheduling.slots import free_slots
from booking.web import picker
from booking.web import series as web_series
from booking.web.account import create_draft, proven_email
from booking.web.bookable import offer, taking_bookings
from booking.web.forms import (
    DetailsForm,
    LookupForm,
    ReferenceForm,
    RescheduleForm,
    ReviewForm,
    TimeZoneForm,
)
from booking.web.watching import watch_booking

Purpose = BookingToken.Purpose


# --- choosing -----------------------------------------------------------------------


@taking_bookings
def choose_service(request, consultant_id):
    consultant = get_object_or_404(Consultant, pk=consultant_id, is_active=True)
    return TemplateResponse(
        request,
        "booking/choose_service.html",
        {
            "consultant": consultant,
            "services": consultant.services.filter(is_active=True),
        },
    )


@taking_bookings
def choose_slot(request, consultant_id, service_slug):
    consultant, service = offer(consultant_id, service_slug)
    if service.kind != service.Kind.SESSION:
        return web_series.dates_page(request, consultant, service)
    chosen = picker.build(
        request,
        consultant=consultant,
        service=service,
        fallback_zone=consultant.time_zone,
        waitlist=True,
    )
    return picker.render(
        request,
        "booking/choose_slot.html",
        {"consultant": consultant, "service": service, "picker": chosen},
    )


# Error reports never carry what the client typed (sensitive_post_parameters with
# no names hides every field: the intake answers' names depend on the service).
@never_cache
@sensitive_post_parameters()
@taking_bookings
def details(request, consultant_id, service_slug):
    consultant, service = offer(consultant_id, service_slug)
    questions = intake.questions_of(service)
    repeatable = service.kind == service.Kind.SESSION
    if request.method != "POST":
        zone = _client_zone(request, consultant)
        form = DetailsForm(
            initial={"tz": zone.key, "start": request.GET.get("start", "")}
            | {"client_email": proven_email(request) or ""},
            questions=questions,
            series=repeatable,
            participants=service.extra_participants,
        )
        return _details_page(request, consultant, service, form)
    form = DetailsForm(
        request.POST,
        questions=questions,
        series=repeatable,
        participants=service.extra_participants,
    )
    if not form.is_valid():
        return _details_page(request, consultant, service, form)
    data = form.cleaned_data
    if not ratelimit.allow(
        "create", ratelimit.client_ip(request), data["client_email"]
    ):
        return rate_limited(request, "create")
    if service.kind == service.Kind.COURSE or data.get("repeat"):
        return web_series.book(request, consultant, service, form, _details_page)
    try:
        booking, signed_in = create_draft(
            request,
            consultant=consultant,
            service=service,
            start=data["start"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            client_phone=data["client_phone"],
            client_notes=data["client_notes"],
            client_time_zone=data["tz"],
            consent=data["consent"],
            intake=form.intake_answers(),
            participants=form.participant_names(),
        )
    except BookingError as error:
        form.add_error(None, error.message)
        alternatives = _nearest_slots(consultant, service, data["start"])
        # A time just taken may free again: offer its waitlist.
        wait = (
            waitlist_url(consultant, service, data["start"])
            if isinstance(error, SlotTaken)
            else ""
        )
        return _details_page(
            request, consultant, service, form, alternatives, waitlist_url=wait
        )
    request.session["booking_sent"] = booking.reference
    return signed_in or redirect("booking:sent")


def _details_page(request, consultant, service, form, alternatives=(), **extra):
    start = form["start"].value()
    zone = _zone_or(form["tz"].value(), consultant.time_zone)
    try:
        chosen = datetime.fromisoformat(str(start)).astimezone(zone) if start else None
    except (ValueError, OverflowError):
        chosen = None
    return TemplateResponse(
        request,
        "booking/details.html",
        {
            "consultant": consultant,
            "service": service,
            "form": form,
            "chosen": chosen,
            "zone": zone.key,
            "alternatives": [
                (slot.start.isoformat(), slot.start.astimezone(zone))
                for slot in alternatives
            ],
            **extra,
        },
        status=400 if form.errors else 200,
    )


@never_cache
def sent(request):
    reference = request.session.get("booking_sent")
    if not reference:
        return redirect("booking:status")
    return TemplateResponse(request, "booking/sent.html", {"reference": reference})


# --- verifying and following up -------------------------------------------------------


@never_cache
def status(request):
    """A booking's state by reference, and nothing personal."""
    form = ReferenceForm(request.GET or None)
    booking = None
    if form.is_valid():
        if not ratelimit.allow("lookup", ratelimit.client_ip(request)):
            return rate_limited(request, "lookup")
        booking = Booking.objects.filter(
            reference=form.cleaned_data["reference"]
        ).first()
        if booking is None:
            form.add_error(
                "reference", "No booking has that reference. Check it and try again."
            )
        else:
            watch_booking(request, booking)
    return TemplateResponse(
        request,
        "booking/status.html",
        {"form": form, "booking": booking},
        status=404 if form.is_bound and booking is None and form.errors else 200,
    )


@never_cache
@sensitive_post_parameters("email")
def find(request):
    """Email a manage link for the bookings of an address. The answer is the same
    whether or not there are any, so the page reveals nothing about who books."""
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.allow("lookup", ratelimit.client_ip(request), email):
            return rate_limited(request, "lookup")
        services.request_manage_links(email=email)
        return TemplateResponse(
            request, "booking/find.html", {"form": None, "sent": True}
        )
    return TemplateResponse(request, "booking/find.html", {"form": form, "sent": False})


# --- managing a booking through its emailed link -------------------------------------


def manage_link_view(view):
    """For views behind an emailed manage link: rate-limit, check the link, and call
    `view(request, token, booking)`, or answer with the page that explains why not."""

    @wraps(view)
    def wrapper(request, token):
        if not ratelimit.allow("manage", ratelimit.client_ip(request)):
            return rate_limited(request, "manage")
        try:
            found = tokens.check_token(token, purpose=Purpose.MANAGE)
        except TokenError as error:
            return problem_page(request, error, status=400)
        booking = Booking.objects.select_related("consultant", "service").get(
            pk=found.booking_id
        )
        return view(request, token, booking)

    return wrapper


@never_cache
@require_POST
@manage_link_view
def manage_review(request, token, booking):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose a rating from 1 to 5.")
        return redirect("booking:manage", token=token)
    try:
        review_services.submit_review(booking=booking, **form.cleaned_data)
    except BookingError as error:
        return problem_page(request, error, status=409)
    messages.success(
        request,
        "Thank you for your review. It will appear once the practice has read it.",
    )
    return redirect("booking:manage", token=token)


@never_cache
@manage_link_view
def manage_reschedule(request, token, booking):
    status = 200
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            status = 400
            messages.error(request, "Please choose one of the times shown.")
        else:
            try:
                services.reschedule(booking=booking, start=form.cleaned_data["start"])
            except BookingError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "Your booking has moved to the new time.")
                return redirect("booking:manage", token=token)
    earliest = timezone.now() + client_cutoff()
    chosen = picker.build(
        request,
        consultant=booking.consultant,
        service=booking.service,
        fallback_zone=booking.client_time_zone or booking.consultant.time_zone,
        earliest=earliest,
    )
    return picker.render(
        request,
        "booking/reschedule.html",
        {
            "booking": booking,
            "token": token,
            "picker": chosen,
            "movable": booking.start >= earliest,
            "cutoff_hours": int(client_cutoff().total_seconds() // 3600),
        },
        status=status,
    )


# --- helpers ---------------------------------------------------------------------


def waitlist_url(consultant, service, start: datetime) -> str:
    path = reverse("booking:waitlist_join", args=(consultant.pk, service.slug))
    return f"{path}?{urlencode({'start': start.isoformat()})}"


def _client_zone(request, consultant) -> ZoneInfo:
    form = TimeZoneForm(request.GET)
    return ZoneInfo(
        form.cleaned_data["tz"] if form.is_valid() else consultant.time_zone
    )


def _zone_or(name, fallback: str) -> ZoneInfo:
    return ZoneInfo(name if name in zones.known_names() else fallback)


def _nearest_slots(consultant, service, around: datetime, count: int = 6):
    now = timezone.now()
    around = min(max(around, now), now + timedelta(days=366))
    start = max(around - timedelta(days=1), now)
    slots = free_slots(
        consultant=consultant,
        service=service,
        start=start,
        end=start + timedelta(days=21),
    )
    return sorted(slots, key=lambda slot: abs(slot.start - around))[:count]


def problem_page(request, error: BookingError, *, status: int):
    return TemplateResponse(
        request, "booking/problem.html", {"error": error}, status=status
    )


def rate_limited(request, action: str):
    response = TemplateResponse(request, "booking/rate_limited.html", status=429)
    response["Retry-After"] = str(ratelimit.limit_for(action)[1])
    return response
