"""Calendar files: the `.ics` attached to confirmation, reschedule and cancellation
emails, and each consultant's private iCal subscription feed.

Every booking keeps one UID (`booking_uid`), so a calendar that imported the
confirmation updates the entry on a reschedule or cancellation instead of adding
a second one; SEQUENCE grows with each revision. Times carry the reader's IANA
time zone, with its VTIMEZONE included.

Feed entries name the service and the booking reference, not the client: feeds
are fetched and stored by third-party calendar services."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from itertools import groupby
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event
from icalendar.enums import STATUS

from booking.core.models import Booking, Consultant
from booking.core.states import BookingStatus
from booking.core.tokens import split_token
from booking.scheduling.models import CalendarFeed, MeetingLink

PRODID = "-//Haven//Bookings//EN"
FEED_PAST = timedelta(days=60)
FEED_AHEAD = timedelta(days=400)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "haven.localhost"


def booking_uid(booking: Booking) -> str:
    return f"{booking.reference.lower()}@{_host()}"


def session_uid(booking: Booking) -> str:
    """One entry per session in a consultant's feed: a group session's seats share
    it."""
    if booking.service.is_group:
        return f"group-{booking.service_id}-{booking.start:%Y%m%dT%H%M%SZ}@{_host()}"
    return booking_uid(booking)


def location(booking: Booking, meeting_url: str = "") -> str:
    """The room: the meeting link online, the booking's location (or the
    practice's address) in person; both when the client may choose."""
    if not booking.service.in_person:
        return meeting_url
    address = (
        booking.location.full_address
        if booking.location is not None
        else settings.BOOKING_PRACTICE_ADDRESS
    )
    return " or ".join(filter(None, (address, meeting_url)))


def _calendar(events: list[Event], *, name: str = "", uid: str = "") -> Calendar:
    calendar = Calendar.new(
        prodid=PRODID, method="PUBLISH", name=name or None, uid=uid or None
    )
    for event in events:
        calendar.add_component(event)
    if events:
        first = min(event.start for event in events)
        last = max(event.end for event in events)
        calendar.add_missing_timezones(
            first_date=(first - timedelta(days=366)).date(),
            last_date=(last + timedelta(days=366)).date(),
        )
    return calendar


def booking_ics(
    booking: Booking,
    *,
    zone: ZoneInfo,
    sequence: int = 0,
    meeting_url: str = "",
    for_consultant: bool = False,
    cancelled: bool = False,
) -> str:
    """The calendar file for one booking, in the reader's time zone."""
    practice = settings.BOOKING_PRACTICE_NAME
    if for_consultant:
        summary = f"{booking.service} – {booking.reference}"
    else:
        summary = f"{booking.service} with {booking.consultant} ({practice})"
    description = f"Booking reference {booking.reference}."
    if meeting_url:
        description += f"\nJoin the session: {meeting_url}"
    event = Event.new(
        uid=booking_uid(booking),
        start=booking.start.astimezone(zone),
        end=booking.end.astimezone(zone),
        stamp=timezone.now(),
        summary=summary,
        description=description,
        location=location(booking, meeting_url) or None,
        url=meeting_url or None,
        sequence=sequence,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
    )
    return _calendar([event]).to_ical().decode()


# --- the consultant's feed ---------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed(consultant: Consultant) -> str:
    """A new private feed link for the consultant, replacing (and so revoking) any
    earlier one. Returns the only copy of its raw token."""
    key, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
    CalendarFeed.objects.update_or_create(
        consultant=consultant, defaults={"key": key, "secret_hash": _digest(secret)}
    )
    return f"{key}.{secret}"


def revoke_feed(consultant: Consultant) -> None:
    CalendarFeed.objects.filter(consultant=consultant).delete()


def feed_url(token: str) -> str:
    return f"{settings.SITE_URL}/calendar/{token}.ics"


def consultant_for_feed(token: str) -> Consultant | None:
    parts = split_token(token)
    if parts is None:
        return None
    key, secret = parts
    feed = CalendarFeed.objects.select_related("consultant").filter(key=key).first()
    if feed is None or not hmac.compare_digest(feed.secret_hash, _digest(secret)):
        return None
    return feed.consultant


def consultant_feed(consultant: Consultant, *, now: datetime | None = None) -> bytes:
    """The consultant's confirmed sessions from two months back to a year ahead,
    one entry per session, in the consultant's time zone."""
    now = now or timezone.now()
    bookings = (
        Booking.objects.filter(
            consultant=consultant,
            status=BookingStatus.CONFIRMED,
            start__gte=now - FEED_PAST,
            start__lte=now + FEED_AHEAD,
        )
        .select_related("service", "consultant")
        .order_by("start", "slot_key", "pk")
    )
    rooms = dict(
        MeetingLink.objects.filter(
            slot_key__in={booking.slot_key for booking in bookings}
        ).values_list("slot_key", "url")
    )
    events = [
        _session_event(list(seats), consultant.zone, rooms.get(slot_key, ""))
        for slot_key, seats in groupby(bookings, key=lambda b: b.slot_key)
    ]
    name = f"{settings.BOOKING_PRACTICE_NAME}: {consultant.name}"
    calendar = _calendar(events, name=name, uid=f"feed-{consultant.pk}@{_host()}")
    calendar.refresh_interval = timedelta(hours=1)
    return calendar.to_ical()


def _session_event(seats: list[Booking], zone: ZoneInfo, meeting_url: str) -> Event:
    first = seats[0]
    references = ", ".join(seat.reference for seat in seats)
    if first.service.is_group:
        taken = sum(seat.seats for seat in seats)
        summary = f"{first.service} – group, {taken} of {first.service.capacity}"
    else:
        summary = f"{first.service} – {first.reference}"
    description = f"Bookings: {references}\n{settings.SITE_URL}/admin/"
    if meeting_url:
        description += f"\nJoin the session: {meeting_url}"
    return Event.new(
        uid=session_uid(first),
        start=first.start.astimezone(zone),
        end=first.end.astimezone(zone),
        stamp=max(seat.updated_at for seat in seats),
        summary=summary,
        description=description,
        location=location(first, meeting_url) or None,
        url=meeting_url or None,
        status=STATUS.CONFIRMED,
    )
