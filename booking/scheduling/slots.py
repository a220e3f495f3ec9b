"""Free slots: when a consultant can be booked (DESIGN §4), computed from the hours
in `booking.scheduling.hours` and the bookings that hold time.

Queries. However many consultants, days, events or bookings, slots cost two queries,
written as SQL (see "the two queries"): the availability events with their rules and
persisted occurrences, and the bookings that hold time around the window.

The engine (the plan of open blocks, cut by held bookings, on the slot grid) is one
idea that reads best in one module, so this one runs past 400 lines."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone
from schedule.models import Event, Rule

from booking.core.errors import InvalidBookingData, SlotTaken
from booking.core.models import Booking, Consultant, Service
from booking.core.states import HELD, SLOT_HOLDING
from booking.scheduling.hours import (
    Kind,
    instant,
    local_moment,
    wall_clock,
)

# Slots start on this grid, counted from the start of each block of working hours.
GRID = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)


# Bookings and events are read a day beyond the window on both sides: that covers every
# local day the window touches, in any time zone, and sessions plus buffers that reach
# into it (a session lasts at most 8 hours).
MARGIN = timedelta(days=1)


# Held sessions (completed, or kept for a no-show) no longer block time but still
# count towards a day's cap.
HOLDING = (*SLOT_HOLDING, *HELD)


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start, in UTC. A one-to-one slot has one seat."""

    start: datetime
    end: datetime
    seats_left: int = 1


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime


def open_hours(
    *, consultants: Sequence[Consultant], start: datetime, end: datetime
) -> dict[int, list[Span]]:
    """Working hours minus time off between `start` and `end`, per consultant id,
    before any booking: what a calendar shades as available. One query."""
    plans = _load_plans(consultants, start, end)
    return {
        consultant.pk: [
            Span(max(begin, start), min(finish, end))
            for _, begin, finish in plans[consultant.pk]
            if begin < end and finish > start
        ]
        for consultant in consultants
    }


def free_slots(
    *,
    consultant: Consultant,
    service: Service,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    exclude: int | None = None,
) -> list[Slot]:
    """The slots of `service` with `consultant` that start between `start` and `end`
    and may be booked `now`; with `exclude`, as if that booking (one being moved)
    held no time. Two queries."""
    return _free_slots(
        [consultant], service, start, end, now or timezone.now(), exclude=exclude
    )[consultant.pk]


def free_slots_by_consultant(
    *,
    consultants: Sequence[Consultant],
    service: Service,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """`free_slots` for many consultants at once (a calendar page), by consultant
    id, in the same two queries. Whether each offers the service is the caller's
    concern."""
    return _free_slots(consultants, service, start, end, now or timezone.now())


def free_slots_by_offer(
    *,
    offers: Sequence[tuple[Consultant, Service]],
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> dict[tuple[int, int], list[Slot]]:
    """`free_slots` for many (consultant, service) pairs at once (a listing's next
    free days), by (consultant id, service id), in the same two queries: the
    hours and bookings of every consultant are read once for the widest window,
    then each pair is cut within its own notice and booking window."""
    _require_aware(start, end)
    now = now or timezone.now()
    slots = {(consultant.pk, service.pk): [] for consultant, service in offers}
    windows = {}
    for consultant, service in offers:
        lo = max(start, now + timedelta(minutes=service.minimum_notice_minutes))
        hi = min(end, now + timedelta(days=service.booking_window_days))
        bookable = consultant.is_active and consultant.calendar_id
        if lo < hi and service.is_active and bookable:
            windows[consultant.pk, service.pk] = (consultant, service, lo, hi)
    if not windows:
        return slots
    consultants = list({c.pk: c for c, *_ in windows.values()}.values())
    lo = min(window[2] for window in windows.values())
    hi = max(window[3] for window in windows.values())
    plans = _load_plans(consultants, lo, hi)
    held = _held_bookings(consultants, lo - MARGIN, hi + MARGIN, None)
    for key, (consultant, service, lo, hi) in windows.items():
        slots[key] = _cut(
            plans[consultant.pk], held[consultant.pk], service, consultant, lo, hi
        )
    return slots


def ensure_bookable(*, booking: Booking, now: datetime | None = None) -> None:
    """Refuse a booking (new, or being moved) whose start is not a free slot of its
    consultant and service: `InvalidBookingData` when it breaks the minimum notice
    or the booking window, `SlotTaken` otherwise. The booking itself does not count
    against its own slot. Two queries."""
    now = now or timezone.now()
    service, consultant = booking.service, booking.consultant
    client_zone = ZoneInfo(booking.client_time_zone or consultant.time_zone)
    earliest = now + timedelta(minutes=service.minimum_notice_minutes)
    if booking.start < earliest:
        raise InvalidBookingData(
            f"“{service}” must be booked at least "
            f"{_minutes_text(service.minimum_notice_minutes)} ahead; the earliest "
            f"start now is {_when(earliest, client_zone)}."
        )
    latest = now + timedelta(days=service.booking_window_days)
    if booking.start >= latest:
        raise InvalidBookingData(
            f"“{service}” can be booked up to {service.booking_window_days} days "
            f"ahead, so {_when(booking.start, client_zone)} is too far away."
        )
    zone = consultant.zone
    day = wall_clock(booking.start, zone).date()
    day_slots = _free_slots(
        [consultant],
        service,
        local_moment(day, time(0), zone),
        local_moment(day + timedelta(days=1), time(0), zone),
        now,
        exclude=booking.pk,
    )[consultant.pk]
    slot = next((s for s in day_slots if s.start == booking.start), None)
    if slot is not None and slot.seats_left >= booking.seats:
        return
    if slot is not None:
        raise SlotTaken(
            f"“{service}” at {_when(booking.start, client_zone)} has "
            f"{slot.seats_left} seat{'s' * (slot.seats_left != 1)} left, for a party "
            f"of {booking.seats}. Please choose another time or bring fewer people."
        )
    capped = capped_day_error(booking, exclude=booking.pk)
    if capped is not None:
        raise capped
    others = ", ".join(
        f"{wall_clock(s.start, client_zone):%H:%M}" for s in day_slots[:6]
    )
    raise SlotTaken(
        f"Sorry, {consultant} is not free for “{service}” at "
        f"{_when(booking.start, client_zone)}. "
        + (
            f"Free times that day: {others}."
            if others
            else "There are no free times that day."
        )
        + " Please choose another time."
    )


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} ({zone.key})"


def _minutes_text(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} day{'s' * (minutes != 24 * 60)}"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' * (minutes != 60)}"
    return f"{minutes} minutes"


def _free_slots(consultants, service, start, end, now, exclude=None):
    _require_aware(start, end)
    lo = max(start, now + timedelta(minutes=service.minimum_notice_minutes))
    hi = min(end, now + timedelta(days=service.booking_window_days))
    slots = {consultant.pk: [] for consultant in consultants}
    bookable = [c for c in consultants if c.is_active and c.calendar_id]
    if lo >= hi or not service.is_active or not bookable:
        return slots
    plans = _load_plans(bookable, lo, hi)
    held = _held_bookings(bookable, lo - MARGIN, hi + MARGIN, exclude)
    for consultant in bookable:
        slots[consultant.pk] = _cut(
            plans[consultant.pk], held[consultant.pk], service, consultant, lo, hi
        )
    return slots


def _require_aware(*moments: datetime) -> None:
    if any(timezone.is_naive(moment) for moment in moments):
        raise ValueError("Availability windows must be aware datetimes.")


def _load_plans(consultants, lo, hi) -> dict[int, list[tuple]]:
    """Per consultant id: open time as sorted (grid anchor, start, end) blocks."""
    events = defaultdict(list)
    calendars = [c.calendar_id for c in consultants if c.calendar_id]
    if calendars:
        for event in _availability_events(calendars, lo - MARGIN, hi + MARGIN):
            events[event.calendar_id].append(event)
    return {c.pk: _plan(events[c.calendar_id], c.zone, lo, hi) for c in consultants}


AVAILABILITY_SQL = """
SELECT e.id, e.calendar_id, rel.distinction, e.start, e."end", e.end_recurring_period,
       r.frequency, r.params, o.original_start, o.start, o."end", o.cancelled
FROM schedule_event e
JOIN schedule_eventrelation rel ON rel.event_id = e.id
LEFT JOIN schedule_rule r ON r.id = e.rule_id
LEFT JOIN schedule_occurrence o ON o.event_id = e.id
    AND (o.original_start < %s AND o.original_end > %s OR o.start < %s AND o."end" > %s)
WHERE e.calendar_id IN ({calendars}) AND rel.distinction IN ({kinds}) AND e.start < %s
    AND (e.rule_id IS NULL AND e."end" > %s
         OR e.rule_id IS NOT NULL
            AND (e.end_recurring_period IS NULL OR e.end_recurring_period > %s))
"""


# Busy times from consultants' own calendars ride along as rows without a service
# (booking.scheduling.feeds keeps them to the booking window, so they are few).
HELD_SQL = """
SELECT b.consultant_id, b.start, b."end", b.service_id, s.capacity,
       s.buffer_before_minutes, s.buffer_after_minutes, b.seats
FROM booking_booking b JOIN booking_service s ON s.id = b.service_id
WHERE b.consultant_id IN ({consultants}) AND b.status IN ({statuses})
    AND b.start >= %s AND b.start < %s AND b.id <> %s
UNION ALL
SELECT k.consultant_id, k.start, k."end", NULL, 0, 0, 0, 0
FROM booking_busyblock k
WHERE k.consultant_id IN ({consultants}) AND k.start < %s AND k."end" > %s
"""


@dataclass(slots=True)
class _Event:
    """An availability event as the computation needs it, with the persisted
    occurrences of the window as (original start, start, end, cancelled)."""

    id: int
    calendar_id: int
    kind: str
    start: datetime
    end: datetime
    until: datetime | None
    frequency: str | None
    params: str | None
    persisted: list


def _availability_events(calendar_ids, lo, hi) -> list[_Event]:
    """Query 1: the events (with rule and persisted occurrences) of the calendars
    that can matter between lo and hi."""
    sql = AVAILABILITY_SQL.format(
        calendars=_placeholders(calendar_ids), kinds=_placeholders(Kind.values)
    )
    lo, hi = _db_moment(lo), _db_moment(hi)
    rows = _fetch(sql, [hi, lo, hi, lo, *calendar_ids, *Kind.values, hi, lo, lo])
    events = {}
    for event_id, calendar_id, kind, start, end, until, frequency, params, *occ in rows:
        if event_id not in events:
            until = until and _utc(until)
            events[event_id] = _Event(
                event_id,
                calendar_id,
                kind,
                _utc(start),
                _utc(end),
                until,
                frequency,
                params,
                [],
            )
        if occ[0] is not None:
            original, start, end, cancelled = occ
            events[event_id].persisted.append(
                (_utc(original), _utc(start), _utc(end), bool(cancelled))
            )
    return list(events.values())


def _held_bookings(consultants, lo, hi, exclude) -> dict[int, list[tuple]]:
    """Query 2: bookings that hold time, by consultant id, as (start, end,
    service id, capacity, buffer before, buffer after, seats), and busy times
    from outside calendars as (start, end, None, 0, 0, 0, 0). The bookings' range is on
    `start` alone so that the (consultant, start) index bounds the scan whatever
    the history."""
    ids = [c.pk for c in consultants]
    sql = HELD_SQL.format(
        consultants=_placeholders(ids), statuses=_placeholders(HOLDING)
    )
    lo, hi = _db_moment(lo), _db_moment(hi)
    params = [*ids, *HOLDING, lo, hi, exclude or 0, *ids, hi, lo]
    held = defaultdict(list)
    for row in _fetch(sql, params):
        held[row[0]].append((_utc(row[1]), _utc(row[2]), *row[3:]))
    return held


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _db_moment(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _plan(events, zone, lo, hi) -> list[tuple]:
    """Working hours (weekly, or the date's own hours where a date has them) merged,
    minus time off, as sorted (grid anchor, start, end) blocks."""
    first_day = wall_clock(lo, zone).date() - timedelta(days=1)
    last_day = wall_clock(hi, zone).date()
    weekly, dated, time_off = [], defaultdict(list), []
    for event in events:
        if event.kind == Kind.TIME_OFF:
            time_off.append((event.start, event.end))
        elif event.kind == Kind.DATE_HOURS:
            dated[wall_clock(event.start, zone).date()].append((event.start, event.end))
        else:
            weekly += _weekly_blocks(event, zone, first_day, last_day)
    hours = [(start, end) for day, start, end in weekly if day not in dated]
    hours += [span for spans in dated.values() for span in spans]
    return _subtract(_merge(hours), _merge(time_off))


def _weekly_blocks(event, zone, first_day, last_day):
    """(local day, start, end) of each block of a recurring event in the days;
    a cancelled occurrence is dropped, a moved one taken from where it is now."""
    first_wall = wall_clock(event.start, zone)
    length = wall_clock(event.end, zone) - first_wall
    if event.frequency is None:
        walls = [first_wall]
    else:
        walls = _recurrence(event, zone, first_day).between(
            datetime.combine(first_day, time.min),
            datetime.combine(last_day, time.max),
            inc=True,
        )
    replaced = {wall_clock(original, zone) for original, *_ in event.persisted}
    blocks = [
        (wall.date(), instant(wall, zone), instant(wall + length, zone))
        for wall in walls
        if wall not in replaced
    ]
    blocks += [
        (wall_clock(start, zone).date(), start, end)
        for _, start, end, cancelled in event.persisted
        if not cancelled
    ]
    return blocks


def _recurrence(event, zone, first_day):
    """The event's rule in local wall time, as django-scheduler builds it. dateutil
    walks from the first block on every query; a plain daily or weekly rule yields
    the same blocks from a start a whole number of periods later, so start near the
    window, not years back."""
    rule = Rule(frequency=event.frequency, params=event.params)
    recurrence = Event(
        start=event.start, end=event.end, end_recurring_period=event.until, rule=rule
    ).get_rrule_object(zone)
    params = rule.get_params()
    period_days = {"DAILY": 1, "WEEKLY": 7}.get(event.frequency)
    if period_days and not params.keys() & {"count", "bysetpos", "byweekno"}:
        period_days *= params.get("interval", 1)
        first_wall = wall_clock(event.start, zone)
        periods = (first_day - first_wall.date()).days // period_days
        if periods > 0:
            later = first_wall + timedelta(days=periods * period_days)
            recurrence = recurrence.replace(dtstart=later)
    return recurrence


def _cut(plan, held, service, consultant, lo, hi) -> list[Slot]:
    """Slots of `service` on the grid of each open block, clear of other bookings
    and their buffers, and of outside calendars' busy times (bookings with no
    buffers of their own), within [lo, hi) and the consultant's daily cap.

    Between two sessions the consultant keeps the larger of the earlier session's
    buffer after and the later one's buffer before. Seats of one group session share
    its start: that start stays bookable until its seats are taken."""
    duration = service.duration
    own_before = timedelta(minutes=service.buffer_before_minutes)
    own_after = timedelta(minutes=service.buffer_after_minutes)
    sessions, others, pads = Counter(), [], {}
    for start, end, service_id, _capacity, before, after, seats in held:
        if service.is_group and service_id == service.pk:
            sessions[start] += seats
            continue
        if (before, after) not in pads:
            pads[before, after] = (
                max(own_after, timedelta(minutes=before)),
                max(own_before, timedelta(minutes=after)),
            )
        pad_before, pad_after = pads[before, after]
        others.append((start - pad_before, end + pad_after))
    free = _subtract(plan, _merge(others))
    pad = max(own_before, own_after)
    taken = _merge([(start - pad, start + duration + pad) for start in sessions])
    grid = _grid(_subtract(free, taken), duration, lo, hi)
    starts = [(start, service.capacity) for start in grid]
    starts += [
        (start, service.capacity - seats)
        for start, seats in sessions.items()
        if seats < service.capacity
        and lo <= start < hi
        and any(begin <= start and start + duration <= end for _, begin, end in free)
    ]
    full = _full_days(held, consultant) | _capped_days(held, service, consultant)
    zone = consultant.zone
    return [
        Slot(start, start + duration, seats)
        for start, seats in sorted(starts)
        if not full or start in sessions or wall_clock(start, zone).date() not in full
    ]


def _grid(blocks, duration, lo, hi) -> list[datetime]:
    """Every GRID from each block's anchor, where a session fits in the block."""
    starts = []
    for anchor, begin, end in blocks:
        moment = anchor - (anchor - max(begin, lo)) // GRID * GRID
        while moment + duration <= end and moment < hi:
            starts.append(moment)
            moment += GRID
    return starts


def _full_days(held, consultant) -> set[date]:
    """Local days that already have `max_bookings_per_day` sessions (a group
    session counts once, however many seats are taken)."""
    cap = consultant.max_bookings_per_day
    if cap is None:
        return set()
    sessions = {
        ("group", start, service_id) if capacity > 1 else ("one", start, index)
        for index, (start, _, service_id, capacity, *_) in enumerate(held)
        if service_id is not None  # not an outside calendar's busy time
    }
    zone = consultant.zone
    per_day = Counter(wall_clock(session[1], zone).date() for session in sessions)
    return {day for day, count in per_day.items() if count >= cap}


def _capped_days(held, service, consultant) -> set[date]:
    """Local days that already have the service's `daily_cap` sessions of it with
    this consultant (a group session counts once)."""
    if service.daily_cap is None:
        return set()
    zone = consultant.zone
    sessions = {
        ("group", start) if capacity > 1 else ("one", start, index)
        for index, (start, _, service_id, capacity, *_) in enumerate(held)
        if service_id == service.pk
    }
    per_day = Counter(wall_clock(session[1], zone).date() for session in sessions)
    return {day for day, count in per_day.items() if count >= service.daily_cap}


def capped_day_error(booking: Booking, exclude=None) -> InvalidBookingData | None:
    """The error for a booking on a day its service's daily cap is reached with
    its consultant, or None. One query, asked only once a slot was refused."""
    service, consultant = booking.service, booking.consultant
    if service.daily_cap is None:
        return None
    zone = consultant.zone
    day = wall_clock(booking.start, zone).date()
    starts = (
        Booking.objects.filter(
            consultant=consultant,
            service=service,
            status__in=HOLDING,
            start__gte=local_moment(day, time(0), zone),
            start__lt=local_moment(day + timedelta(days=1), time(0), zone),
        )
        .exclude(pk=exclude)
        .values_list("start", flat=True)
    )
    sessions = len(set(starts)) if service.is_group else len(starts)
    if sessions < service.daily_cap or booking.start in set(starts):
        return None
    return InvalidBookingData(
        f"“{service}” with {consultant} is fully booked on {day:%A} {day.day} "
        f"{day:%B %Y}: at most {service.daily_cap} session"
        f"{'s' * (service.daily_cap != 1)} a day. Please choose another day."
    )


def _merge(spans) -> list[tuple]:
    """Overlapping or touching (start, end) spans joined, as sorted (anchor, start,
    end) blocks whose anchor is where the first of them began."""
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][2]:
            anchor, begin, finish = merged[-1]
            merged[-1] = (anchor, begin, max(finish, end))
        else:
            merged.append((start, start, end))
    return merged


def _subtract(blocks, cuts) -> list[tuple]:
    """`blocks` minus `cuts`, both as `_merge` returns them; pieces keep their
    block's anchor. One pass over both."""
    pieces, first = [], 0
    for anchor, begin, end in blocks:
        while first < len(cuts) and cuts[first][2] <= begin:
            first += 1
        index = first
        while begin < end and index < len(cuts) and cuts[index][1] < end:
            _, cut_begin, cut_end = cuts[index]
            if cut_begin > begin:
                pieces.append((anchor, begin, cut_begin))
            begin = max(begin, cut_end)
            index += 1
        if begin < end:
            pieces.append((anchor, begin, end))
    return pieces
