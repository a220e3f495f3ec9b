"""Moving a booking from the admin calendar: dropped on another time (a small
script POSTs here), or, by keyboard and without JavaScript, picked from the list
of its consultant's free times for its service on the "Move" page.

Every move goes through `services.reschedule`, which checks again under lock; a
refusal is its own message. After a move the calendar offers "Undo" for
UNDO_SECONDS, which moves the booking back through the same service."""

from datetime import date, datetime, time, timedelta

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request

from booking.admin.actions import ACTIONS, action_url
from booking.admin.calendar import (
    UNDO_KEY,
    UNDO_SECONDS,
    may_move,
    pending_undo,
)
from booking.admin.permissions import forbidden, visible_bookings
from booking.admin.zones import admin_zone
from booking.core import dates
from booking.core.errors import BookingError, InvalidBookingData
from booking.core.models import Booking
from booking.core.states import MOVABLE
from booking.lifecycle import services
from booking.scheduling import hours, slots

# The Move page lists free times for this many days from the one asked for.
MOVE_DAYS = 7

NOT_ALLOWED = "You do not have permission to reschedule bookings."
BAD_START = "Give the new start as a date and time, e.g. 2030-01-07T10:00."


def movable_booking(request, pk) -> Booking:
    """A booking this user may see (404 for any other)."""
    return get_object_or_404(
        visible_bookings(request.user).select_related("consultant", "service"), pk=pk
    )


def calendar_url(booking: Booking, zone) -> str:
    """The week of the calendar that shows the booking."""
    day = booking.start.astimezone(zone).date()
    query = {"view": "week", "date": day.isoformat()}
    return f"{reverse('booking_calendar')}?{urlencode(query)}"


def parse_start(raw, zone) -> datetime:
    """A new start: an ISO date and time, read in `zone` when it has no offset."""
    try:
        moment = datetime.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise InvalidBookingData(BAD_START) from None
    if not dates.in_range(moment):
        raise InvalidBookingData(dates.OUT_OF_RANGE)
    if timezone.is_naive(moment):
        return hours.local_moment(moment.date(), moment.time(), zone)
    return moment


def when(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({zone.key})"


def reply(request, back: str, *, error: str = "", status: int = 200):
    """The answer to a move or an undo: JSON for the calendar's script, else a
    message and a redirect back."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if wants_json:
        if error:
            return JsonResponse({"ok": False, "message": error}, status=status)
        return JsonResponse({"ok": True, "redirect": back})
    if error:
        messages.error(request, error)
    return redirect(back)


def move_view(request, pk):
    """GET: the booking's free times to move it to. POST `start`: move it."""
    booking = movable_booking(request, pk)
    if not may_move(request.user):
        return forbidden(request, NOT_ALLOWED)
    zone = admin_zone(request)
    back = get_valid_next_url_from_request(request) or calendar_url(booking, zone)
    if request.method == "POST":
        return move(request, booking, zone, back)
    return move_page(request, booking, zone, back)


def move(request, booking: Booking, zone, back: str):
    moved_from = booking.start
    try:
        start = parse_start(request.POST.get("start"), zone)
    except InvalidBookingData as exc:
        return reply(request, back, error=exc.message, status=400)
    try:
        booking = services.reschedule(
            booking=booking,
            start=start,
            actor=request.user,
            reason="Moved in the calendar.",
        )
    except BookingError as exc:
        return reply(request, back, error=exc.message, status=409)
    request.session[UNDO_KEY] = {
        "booking": booking.pk,
        "reference": booking.reference,
        "back": moved_from.isoformat(),
        "at": booking.start.isoformat(),
        "moved": timezone.now().timestamp(),
        "text": f"Moved {booking.reference} to {when(booking.start, zone)}.",
    }
    # The calendar shows the move with its Undo button; elsewhere, a message.
    if not back.startswith(reverse("booking_calendar")):
        moved_to = when(booking.start, zone)
        messages.success(request, f"Moved booking {booking.reference} to {moved_to}.")
    return reply(request, back)


@require_POST
def undo_view(request, pk):
    """Move the booking back where this user's last move (under UNDO_SECONDS
    ago) took it from, through the same service."""
    booking = movable_booking(request, pk)
    if not may_move(request.user):
        return forbidden(request, NOT_ALLOWED)
    zone = admin_zone(request)
    back = get_valid_next_url_from_request(request) or calendar_url(booking, zone)
    undo = pending_undo(request)
    if undo is None or undo["booking"] != booking.pk:
        return reply(
            request,
            back,
            error=f"Too late to undo: a move can be undone for {UNDO_SECONDS} "
            f"seconds. Move booking {booking.reference} again instead.",
            status=409,
        )
    if booking.start != datetime.fromisoformat(undo["at"]):
        return reply(
            request,
            back,
            error=f"Booking {booking.reference} has moved since; nothing was undone.",
            status=409,
        )
    try:
        booking = services.reschedule(
            booking=booking,
            start=datetime.fromisoformat(undo["back"]),
            actor=request.user,
            reason="Move undone in the calendar.",
        )
    except BookingError as exc:
        return reply(request, back, error=exc.message, status=409)
    del request.session[UNDO_KEY]
    messages.success(
        request,
        f"Undone: booking {booking.reference} is back at {when(booking.start, zone)}.",
    )
    return reply(request, back)


def move_page(request, booking: Booking, zone, back: str):
    """The booking's free times, a week from the day asked for, each a button;
    the time it holds now is marked, not offered."""
    today = timezone.now().astimezone(zone).date()
    first = asked_day(request) or max(today, booking.start.astimezone(zone).date())
    days = {first + timedelta(days=n): [] for n in range(MOVE_DAYS)}
    problem = (
        ""
        if booking.status in MOVABLE
        else (
            f"Booking {booking.reference} is {booking.status_label.lower()}, so it "
            "cannot be moved."
        )
    )
    if not problem:
        free = slots.free_slots(
            consultant=booking.consultant,
            service=booking.service,
            start=hours.local_moment(first, time(0), zone),
            end=hours.local_moment(first + timedelta(days=MOVE_DAYS), time(0), zone),
            exclude=booking.pk,
        )
        for slot in free:
            local = slot.start.astimezone(zone)
            if local.date() in days:
                days[local.date()].append(
                    (local.isoformat(), f"{local:%H:%M}", slot.start == booking.start)
                )

    def page(day: date) -> str:
        return f"{request.path}?{urlencode({'day': day.isoformat(), 'next': back})}"

    reschedule = ACTIONS["reschedule"]
    return TemplateResponse(
        request,
        "booking/admin/calendar/move.html",
        {
            "booking": booking,
            "zone": zone.key,
            "now_at": when(booking.start, zone),
            "days": list(days.items()),
            "problem": problem,
            "back": back,
            "earlier_url": page(first - timedelta(days=MOVE_DAYS)),
            "later_url": page(first + timedelta(days=MOVE_DAYS)),
            "reschedule_url": f"{action_url(booking, reschedule)}?"
            + urlencode({"next": back}),
            "page_title": f"Move {booking.reference}",
            "header_title": f"Move booking {booking.reference}",
            "header_icon": "calendar-alt",
        },
    )


def asked_day(request) -> date | None:
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return None
    return day if dates.in_range(day) else None


@hooks.register("register_admin_urls")
def register_move_urls():
    return [
        path("calendar/move/<int:pk>/", move_view, name="booking_calendar_move"),
        path("calendar/move/<int:pk>/undo/", undo_view, name="booking_calendar_undo"),
    ]
