"""Busy times from consultants' own calendars: a consultant (or a booking admin for
them) adds the secret iCal address their calendar app gives; a django-q2 schedule
(migration 0023, every 5 minutes) reads each address, expands its events over the
booking window and stores the busy times as `BusyBlock`s, which the slot engine
(`booking.scheduling.slots`) keeps clients from booking.

A read that fails (unreachable, too slow, too large, not a calendar) keeps the
calendar's previous busy blocks and records the error, which the availability
screen and the dashboard (`failing_feeds`) show. Addresses are secrets: they are
never logged nor shown in full (`OutsideCalendar.masked_url`)."""

import ipaddress
import logging
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django_q.tasks import async_task
from wagtail.log_actions import log

from booking.core.errors import InvalidBookingData
from booking.core.models import Consultant, Service
from booking.scheduling import feed_http
from booking.scheduling.models import BusyBlock, OutsideCalendar

logger = logging.getLogger(__name__)

# Who sees every consultant's calendars (the availability screen's rule).
MANAGE_ALL = "booking.change_consultant"
MAX_CALENDARS = 10
MAX_BLOCKS = 5000
# When no active service says how far ahead clients may book.
DEFAULT_WINDOW_DAYS = 90
# The schedule runs every 5 minutes; a calendar tried more recently is left alone.
MIN_INTERVAL = timedelta(minutes=4)
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".lan", ".home.arpa")


# --- changing a consultant's calendars -----------------------------------------


def add_calendar(
    *, consultant: Consultant, url: str, label: str = "", actor=None
) -> OutsideCalendar:
    """Add an address to read; the first read is queued at once. Refuses an address
    that cannot be read (not http(s), a local network) or is already there."""
    url = _checked_url(url)
    with transaction.atomic():
        Consultant.objects.select_for_update().filter(pk=consultant.pk).first()
        existing = OutsideCalendar.objects.filter(consultant=consultant)
        if existing.filter(url=url).exists():
            raise InvalidBookingData(
                f"{consultant} already has this calendar address; nothing was added."
            )
        if existing.count() >= MAX_CALENDARS:
            raise InvalidBookingData(
                f"{consultant} already has {MAX_CALENDARS} outside calendars, "
                "the most there can be; remove one first."
            )
        calendar = OutsideCalendar.objects.create(
            consultant=consultant, url=url, label=label.strip()
        )
        _log(consultant, actor, f"Added outside calendar “{calendar}”")
        transaction.on_commit(lambda: enqueue_refresh(calendar.pk))
    return calendar


def change_calendar(
    *, calendar: OutsideCalendar, label: str, url: str = "", actor=None
) -> OutsideCalendar:
    """Rename a calendar, and replace its address when `url` is given (its busy
    blocks stay until the new address is read)."""
    calendar.label = label.strip()
    fields = ["label"]
    if url and url.strip() != calendar.url:
        url = _checked_url(url)
        siblings = OutsideCalendar.objects.filter(consultant_id=calendar.consultant_id)
        if siblings.filter(url=url).exclude(pk=calendar.pk).exists():
            raise InvalidBookingData(
                "Another of this consultant's calendars has this address; "
                "nothing was changed."
            )
        calendar.url, calendar.etag, calendar.last_modified = url, "", ""
        calendar.expanded_until = None
        fields += ["url", "etag", "last_modified", "expanded_until"]
    with transaction.atomic():
        calendar.save(update_fields=fields)
        change = "address and name" if "url" in fields else "name"
        _log(
            calendar.consultant,
            actor,
            f"Changed the {change} of outside calendar “{calendar}”",
        )
        if "url" in fields:
            transaction.on_commit(lambda: enqueue_refresh(calendar.pk))
    return calendar


def remove_calendar(*, calendar: OutsideCalendar, actor=None) -> None:
    """Forget the address and the busy times read from it."""
    with transaction.atomic():
        _log(calendar.consultant, actor, f"Removed outside calendar “{calendar}”")
        calendar.delete()


def calendars_of(consultant: Consultant) -> list[OutsideCalendar]:
    """The consultant's outside calendars, each with `busy_count`: how many busy
    times its last good read stored."""
    return list(
        OutsideCalendar.objects.filter(consultant=consultant).annotate(
            busy_count=Count("busy_blocks")
        )
    )


def busy_spans(
    *, consultant: Consultant, start: datetime, end: datetime
) -> list[BusyBlock]:
    """The consultant's busy times from outside calendars that overlap the window,
    in order (each has `start` and `end`)."""
    return list(
        BusyBlock.objects.filter(consultant=consultant, start__lt=end, end__gt=start)
        .only("start", "end")
        .order_by("start")
    )


def _checked_url(url: str) -> str:
    try:
        url = feed_http.normalise_url(url)
    except feed_http.FeedError as exc:
        raise InvalidBookingData(exc.message) from exc
    if not _allow_private():
        host = urlsplit(url).hostname
        if _is_local_name(host):
            raise InvalidBookingData(
                f"“{host}” is a private or local address; only public calendar "
                "addresses can be read."
            )
    return url


def _is_local_name(host: str) -> bool:
    host = host.rstrip(".")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(LOCAL_NAMES)
    return not feed_http.is_public(str(ip))


def _allow_private() -> bool:
    return bool(settings.DEBUG or settings.CALENDAR_FEEDS_ALLOW_PRIVATE)


def _log(consultant: Consultant, actor, change: str) -> None:
    log(
        instance=consultant,
        action="booking.availability",
        user=actor,
        data={"change": change},
    )


# --- reading -----------------------------------------------------------------------


def enqueue_refresh(calendar_id: int) -> None:
    async_task(
        "booking.tasks.refresh_outside_calendar",
        calendar_id,
        task_name=f"outside calendar {calendar_id}",
        group="outside-calendars",
    )


def refresh_due(now: datetime | None = None) -> int:
    """Every 5 minutes: queue a read of each calendar not tried in the last few
    minutes. Returns how many were queued."""
    now = now or timezone.now()
    due = OutsideCalendar.objects.exclude(last_tried_at__gt=now - MIN_INTERVAL)
    ids = list(due.values_list("pk", flat=True))
    for calendar_id in ids:
        enqueue_refresh(calendar_id)
    return len(ids)


def refresh(calendar: OutsideCalendar, *, now: datetime | None = None) -> str:
    """Read one calendar and replace its busy blocks; on any failure keep them and
    record the error. Returns what happened, in words."""
    now = now or timezone.now()
    start, end = _window(now)
    full_read = calendar.expanded_until is None or calendar.expanded_until < end - (
        timedelta(days=1)
    )
    try:
        fetched = feed_http.fetch(
            calendar.url,
            etag="" if full_read else calendar.etag,
            last_modified="" if full_read else calendar.last_modified,
            timeout=settings.CALENDAR_FEEDS_TIMEOUT_SECONDS,
            max_bytes=settings.CALENDAR_FEEDS_MAX_BYTES,
            allow_private=_allow_private(),
        )
        if fetched.body is None:
            _record(calendar, now, error="", last_ok_at=now)
            return "Not changed since the last read."
        blocks = busy_times(fetched.body, calendar.consultant.zone, start, end)
    except feed_http.FeedError as exc:
        logger.warning("Outside calendar %s not read: %s", calendar.pk, exc.message)
        _record(calendar, now, error=exc.message)
        return exc.message
    with transaction.atomic():
        locked = OutsideCalendar.objects.select_for_update().filter(pk=calendar.pk)
        if locked.first() is None:
            return "The calendar was removed while it was being read."
        BusyBlock.objects.filter(calendar=calendar).delete()
        BusyBlock.objects.bulk_create(
            BusyBlock(
                consultant_id=calendar.consultant_id,
                calendar=calendar,
                start=block_start,
                end=block_end,
            )
            for block_start, block_end in blocks
        )
        _record(
            calendar,
            now,
            error="",
            last_ok_at=now,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            expanded_until=end,
        )
    return f"{len(blocks)} busy time{'s' * (len(blocks) != 1)} read."


def _record(calendar: OutsideCalendar, now: datetime, **fields) -> None:
    fields["last_tried_at"] = now
    fields["last_error"] = fields.pop("error")[:1000]
    OutsideCalendar.objects.filter(pk=calendar.pk).update(**fields)
    for name, value in fields.items():
        setattr(calendar, name, value)


def _window(now: datetime) -> tuple[datetime, datetime]:
    """From yesterday to the furthest day any active service can be booked."""
    days = Service.objects.filter(is_active=True).aggregate(
        days=Max("booking_window_days")
    )["days"]
    days = days or DEFAULT_WINDOW_DAYS
    return now - timedelta(days=1), now + timedelta(days=days + 1)


def busy_times(
    body: bytes, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy (start, end) spans in UTC an iCalendar file shows between `start`
    and `end`, merged where they overlap: recurring events expanded, exceptions
    and cancelled instances left out, free ("transparent") events ignored. Dates
    and floating times are read in `zone`. FeedError if it is not a calendar."""
    if b"BEGIN:VCALENDAR" not in body[:4096].upper():
        raise feed_http.FeedError(
            "The address did not return a calendar (no BEGIN:VCALENDAR); check that "
            "it is the calendar's secret iCal address, not its web page."
        )
    try:
        calendar = icalendar.Calendar.from_ical(body)
        events = recurring_ical_events.of(calendar).between(start, end)
        spans = []
        for event in events:
            if _is_busy(event):
                span = _span(event, zone)
                if span and span[0] < end and span[1] > start:
                    spans.append(span)
                    if len(spans) > MAX_BLOCKS:
                        raise feed_http.FeedError(
                            f"The calendar has more than {MAX_BLOCKS:,} busy times "
                            "in the booking window; none were stored."
                        )
    except feed_http.FeedError:
        raise
    except Exception as exc:  # icalendar and dateutil raise many kinds on bad input
        raise feed_http.FeedError(
            f"The calendar could not be read ({type(exc).__name__}: {exc})"[:300]
        ) from exc
    return _merged(spans)


def _is_busy(event) -> bool:
    status = str(event.get("STATUS", "")).upper()
    transparency = str(event.get("TRANSP", "OPAQUE")).upper()
    return status != "CANCELLED" and transparency != "TRANSPARENT"


def _span(event, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    begin = _moment(event.start, zone)
    try:
        finish = _moment(event.end, zone)
    except Exception:  # no DTEND nor DURATION on a timed event: a moment
        finish = begin
    if finish <= begin:
        return None
    return begin, finish


def _moment(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value.astimezone(ZoneInfo("UTC"))


def _merged(spans):
    merged = []
    for begin, finish in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


# --- who sees what -----------------------------------------------------------------


def failing_feeds(user) -> QuerySet[OutsideCalendar]:
    """The outside calendars whose last read failed that `user` looks after: every
    consultant's for a booking admin, their own for a consultant, none otherwise.
    Each row has `consultant` loaded, `last_error`, `last_ok_at` (None: never read)
    and `last_tried_at`; link to `booking_availability:consultant`."""
    failing = (
        OutsideCalendar.objects.exclude(last_error="")
        .select_related("consultant")
        .order_by("consultant__name", "pk")
    )
    if not getattr(user, "is_authenticated", False):
        return failing.none()
    if user.has_perm(MANAGE_ALL):
        return failing
    return failing.filter(consultant__user=user)
