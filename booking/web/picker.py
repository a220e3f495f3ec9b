"""The time picker of the booking journey and of moving a booking: a month calendar
whose days with free times are links, beside the chosen day's times, in the
client's time zone, on a 12- or 24-hour clock, with night times marked.

Without JavaScript everything is in the query string (`?tz=Asia/Tokyo&month=
2026-12&day=2026-12-14`) and the page is rendered whole. With it
(static/js/picker.js), `&partial=times` answers with only the day's times and
`&partial=month` with only the calendar and times, which the script swaps in.

A month costs one call to the slot engine (two queries) for the whole month; an
arrival in a month with no free time left looks one or two months further.

In the booking journey the chosen day also lists the service's taken times
(one query), each linking to its waitlist (issue 23)."""

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from booking.core import zones
from booking.core.models import Booking
from booking.core.states import SLOT_HOLDING
from booking.scheduling.hours import local_moment
from booking.scheduling.slots import Slot, free_slots

# Times from 22:00 to 07:00 in the client's zone are marked as night.
NIGHT_FROM, NIGHT_UNTIL = time(22), time(7)
CLOCKS = (12, 24)
# An arrival in a month without free times looks this many months further.
LOOK_AHEAD_MONTHS = 2


@dataclass(frozen=True, slots=True)
class FreeTime:
    slot: Slot
    local: datetime
    label: str
    night: bool


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    free: int
    in_month: bool
    selected: bool
    today: bool
    href: str = ""


@dataclass
class Picker:
    """What the templates show. `problem` explains a query the page could not
    read (the page then shows the first free day instead)."""

    zone: str
    zone_label: str
    clock: int
    month: date
    weeks: list[list[Day]]
    day: date | None
    times: list[FreeTime]
    previous_href: str | None
    next_href: str | None
    path: str
    problem: str = ""
    taken: list[FreeTime] = field(default_factory=list)
    weekdays: list[tuple[str, str]] = field(
        default_factory=lambda: [
            (calendar.day_abbr[n], calendar.day_name[n]) for n in range(7)
        ]
    )

    @property
    def has_free_days(self) -> bool:
        return any(day.free for week in self.weeks for day in week if day.in_month)


def is_night(local: datetime) -> bool:
    return local.time() >= NIGHT_FROM or local.time() < NIGHT_UNTIL


def clock_of(request) -> int:
    return request.session.get("clock", 24) if hasattr(request, "session") else 24


def zone_of(request, fallback: str) -> tuple[str, str]:
    """The client's zone (`?tz=`, folded to its canonical zone) or `fallback`,
    and a sentence when the asked zone is not one."""
    asked = request.GET.get("tz", "")
    key = zones.canonical(asked)
    if key:
        return key, ""
    fallback = zones.canonical(fallback) or zones.UTC_KEY
    if asked:
        return fallback, (
            f"“{asked[:60]}” is not a time zone we know; times are shown in "
            f"{fallback.replace('_', ' ')}. Search for your city to change it."
        )
    return fallback, ""


def build(
    request,
    *,
    consultant,
    service,
    fallback_zone: str,
    earliest: datetime | None = None,
    now: datetime | None = None,
    waitlist: bool = False,
) -> Picker:
    """The picker for the request's zone, month and day. `earliest` hides times
    before it (moving a booking keeps clear of the change cutoff). `waitlist`:
    list the chosen day's taken times too, to wait for."""
    now = now or timezone.now()
    key, problem = zone_of(request, fallback_zone)
    zone = ZoneInfo(key)
    today = now.astimezone(zone).date()
    first = today.replace(day=1)
    last = (now + timedelta(days=service.booking_window_days)).astimezone(zone).date()
    last = last.replace(day=1)
    month, day, asked_problem = _asked(request, first, last)
    problem = problem or asked_problem
    by_day = month_of_times(consultant, service, zone, month, now, earliest)
    if not (request.GET.get("month") or request.GET.get("day")):
        for _ in range(LOOK_AHEAD_MONTHS):
            if by_day or month >= last:
                break
            month = _next_month(month)
            by_day = month_of_times(consultant, service, zone, month, now, earliest)
    if day is None or day.replace(day=1) != month:
        day = min(by_day) if by_day else None
    clock = clock_of(request)
    path = request.path

    def href(**params) -> str:
        return f"{path}?{urlencode({'tz': key, **params})}"

    weeks = [
        [
            Day(
                date=d,
                free=len(by_day.get(d, ())),
                in_month=d.month == month.month,
                selected=d == day,
                today=d == today,
                href=href(month=f"{d:%Y-%m}", day=d.isoformat()),
            )
            for d in week
        ]
        for week in calendar.Calendar().monthdatescalendar(month.year, month.month)
    ]
    times = [
        FreeTime(slot, local, zones.clock_time(local, clock), is_night(local))
        for slot in by_day.get(day, [])
        for local in [slot.start.astimezone(zone)]
    ]
    taken = []
    if waitlist and day is not None:
        taken = [
            FreeTime(Slot(start, start + service.duration, 0), local, label, night)
            for start in taken_starts(consultant, service, zone, day, now)
            for local in [start.astimezone(zone)]
            for label, night in [(zones.clock_time(local, clock), is_night(local))]
        ]
    previous = _previous_month(month)
    following = _next_month(month)
    return Picker(
        taken=taken,
        zone=key,
        zone_label=zones.describe(key, now=now, clock=clock),
        clock=clock,
        month=month,
        weeks=weeks,
        day=day,
        times=times,
        previous_href=href(month=f"{previous:%Y-%m}") if month > first else None,
        next_href=href(month=f"{following:%Y-%m}") if month < last else None,
        path=path,
        problem=problem,
    )


def render(request, template: str, context: dict, *, status: int = 200):
    """The whole page, or (for picker.js) only the part asked for."""
    partials = {"times": "booking/_times.html", "month": "booking/_picker.html"}
    template = partials.get(request.GET.get("partial"), template)
    picker = context["picker"]
    if picker.problem and status == 200:
        status = 400
    return TemplateResponse(request, template, context, status=status)


def _asked(request, first: date, last: date) -> tuple[date, date | None, str]:
    """The month and day in the query, kept within the bookable months."""
    month_text, day_text = request.GET.get("month", ""), request.GET.get("day", "")
    month, day, problem = first, None, ""
    if month_text:
        try:
            month = date.fromisoformat(f"{month_text}-01")
        except ValueError:
            problem = f"“{month_text[:20]}” is not a month like 2026-12."
    if day_text:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            problem = f"“{day_text[:20]}” is not a day like 2026-12-14."
        else:
            if not month_text:
                month = day.replace(day=1)
    if not first <= month <= last:
        month, day = (first if month < first else last), None
    return month, day, problem


def month_of_times(consultant, service, zone, month, now, earliest=None):
    """{local day: [slots]} of the month starting on `month` in `zone`: one call
    to the slot engine (two queries). Slots come sorted, so they are cut into
    days at the days' first instants instead of converting each to local time."""
    days = [month + timedelta(days=n) for n in range(32)]
    days = [day for day in days if day.month == month.month] + [_next_month(month)]
    bounds = [local_moment(day, time(0), zone) for day in days]
    slots = free_slots(
        consultant=consultant,
        service=service,
        start=bounds[0],
        end=bounds[-1],
        now=now,
    )
    if earliest is not None:
        slots = [slot for slot in slots if slot.start >= earliest]
    by_day: dict[date, list] = {}
    index = 0
    for slot in slots:
        while slot.start >= bounds[index + 1]:
            index += 1
        by_day.setdefault(days[index], []).append(slot)
    return by_day


def taken_starts(consultant, service, zone, day: date, now: datetime) -> list:
    """The starts of `day` (in `zone`) at which the service is booked full and
    not yet begun: one query."""
    lo = max(local_moment(day, time(0), zone), now)
    hi = local_moment(day + timedelta(days=1), time(0), zone)
    starts = (
        Booking.objects.filter(
            consultant=consultant,
            service=service,
            status__in=SLOT_HOLDING,
            start__gte=lo,
            start__lt=hi,
        )
        .values_list("start", flat=True)
        .order_by("start")
    )
    seats = Counter(starts)
    return [start for start, count in seats.items() if count >= service.capacity]


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


# --- choosing a zone and a clock -----------------------------------------------------


def safe_next(request, default: str = "/") -> str:
    """The page to go back to: only a path on this site."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default


def with_zone(target: str, key: str) -> str:
    """`target` showing times in zone `key` (the chosen day is dropped: in
    another zone it may have no times)."""
    parts = urlsplit(target)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query)
        if name not in ("tz", "day", "partial")
    ]
    return urlunsplit(parts._replace(query=urlencode([*query, ("tz", key)])))


def zone_search(request):
    """Search zones by city, country or name; each match links back to `next`
    showing times in it. `?partial=1` answers with the list alone (picker.js)."""
    query = request.GET.get("q", "")[:100]
    target = safe_next(request)
    clock = clock_of(request)
    matches = [
        (zone, with_zone(target, zone.key), zones.describe(zone.key, clock=clock))
        for zone in zones.find(query)
    ]
    template = "booking/_zone_matches.html" if request.GET.get("partial") else None
    return TemplateResponse(
        request,
        template or "booking/zones.html",
        {"query": query, "matches": matches, "next": target},
    )


@require_POST
def choose_clock(request):
    """Remember a 12- or 24-hour clock for this visit, and go back."""
    try:
        clock = int(request.POST.get("clock", ""))
    except ValueError:
        clock = None
    if clock not in CLOCKS:
        return HttpResponseBadRequest(
            "Choose a 12-hour or a 24-hour clock (clock=12 or clock=24).",
            content_type="text/plain; charset=utf-8",
        )
    request.session["clock"] = clock
    return HttpResponseRedirect(safe_next(request))
