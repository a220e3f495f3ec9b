"""When a consultant can be booked (DESIGN §4).

How availability is stored. Each consultant has one django-scheduler `Calendar`
(`Consultant.calendar`, made on first use by `consultant_calendar`). Every entry on it
is an `Event` tied to the consultant by one `EventRelation` whose `distinction` names
the kind of entry (`Kind`):

- weekly hours: an event on the first working day (09:00–13:00 local) with a weekly
  `Rule` (`byweekday:MO,WE`) and, when they stop, `end_recurring_period`;
- hours on a date: a one-off event that replaces the weekly hours of that local day
  (a Saturday clinic, a short Christmas Eve);
- time off: a one-off event whose span is taken out of whatever hours it overlaps.

Events without one of these distinctions (bookings projected onto the calendar, say)
are not availability and are ignored. django-scheduler's persisted `Occurrence` rows
still apply: a cancelled occurrence is dropped, a moved one is used where it now is.

How local times are read. Recurrences are expanded in the consultant's `ZoneInfo`, as
wall-clock times, so a 10:00 block stays 10:00 on both sides of a DST change. A wall
time that does not exist (02:30 on the night clocks go forward) or exists twice (01:30
in New York on the night they go back) is read as RFC 5545 (iCalendar) and Python's
`fold=0` read it: a skipped time with the offset from before the change, so 02:30
becomes 03:30, and a repeated time as its first occurrence. A block then runs in real
time from its start to its end, so slots step through a repeated hour twice, once per
offset. django-scheduler's `Event.get_occurrences` is not used for this: it localises
through pytz with `is_dst=False`, which picks the second of two repeated times, and
builds a model object per occurrence.

This module edits the entries; `booking.scheduling.slots` reads them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, TextChoices
from django.utils import timezone
from schedule.models import Calendar, Event, EventRelation, Rule
from wagtail.log_actions import log

from booking.core.errors import InvalidBookingData
from booking.core.models import Consultant


class Kind(TextChoices):
    """What an availability event is, stored as its `EventRelation.distinction`."""

    WEEKLY_HOURS = "weekly_hours", "Weekly hours"
    DATE_HOURS = "date_hours", "Hours on a date"
    TIME_OFF = "time_off", "Time off"


DAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Entry:
    """One line of a consultant's availability as a person reads it. `start` and
    `end` are local; for weekly hours they are the first block."""

    id: int
    kind: Kind
    start: datetime
    end: datetime
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    note: str = ""

    @property
    def whole_days(self) -> bool:
        return self.start.time() == self.end.time() == time(0)

    @property
    def last_day(self) -> date:
        return (
            (self.end - timedelta(days=1)).date()
            if self.whole_days
            else self.end.date()
        )

    def __str__(self) -> str:
        hours = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.kind == Kind.WEEKLY_HOURS:
            days = ", ".join(DAY_NAMES[day][:3] for day in self.weekdays)
            until = f"until {_day(self.until)}" if self.until else "with no end date"
            return f"{days} {hours}, from {_day(self.start)} {until}"
        if self.kind == Kind.DATE_HOURS:
            return f"{_day(self.start)}, {hours}"
        if self.whole_days:
            return f"{_day(self.start)} – {_day(self.last_day)} (whole days)"
        return (
            f"{_day(self.start)} {self.start:%H:%M} – {_day(self.end)} {self.end:%H:%M}"
        )


def _day(moment: date) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def consultant_calendar(consultant: Consultant) -> Calendar:
    """The consultant's availability calendar, made (and linked) on first use."""
    if consultant.calendar_id is None:
        with transaction.atomic():
            locked = Consultant.objects.select_for_update().get(pk=consultant.pk)
            if locked.calendar_id is None:
                locked.calendar, created = Calendar.objects.get_or_create(
                    slug=f"consultant-{consultant.pk}",
                    defaults={"name": f"Availability of {consultant.name}"[:200]},
                )
                locked.save(update_fields=["calendar"])
                if created:
                    locked.calendar.create_relation(locked)
        consultant.calendar = locked.calendar
    return consultant.calendar


def add_working_hours(
    *,
    consultant: Consultant,
    weekdays: Iterable[int],
    start_time: time,
    end_time: time,
    starts_on: date,
    ends_on: date | None = None,
    actor=None,
    entry_id: int | None = None,
) -> Entry:
    """Hours every week on `weekdays` (0 = Monday … 6 = Sunday), local time, from
    `starts_on` to `ends_on` inclusive (or for good). With `entry_id`, that entry is
    changed instead of a new one added."""
    days = sorted(set(weekdays))
    if not days or not set(days) <= set(range(7)):
        raise InvalidBookingData("Choose at least one weekday.")
    _check_hours(start_time, end_time)
    zone = consultant.zone
    first = _first_working_day(days, start_time, end_time, starts_on, zone)
    if ends_on is not None and first > ends_on:
        raise InvalidBookingData(
            f"None of the chosen weekdays falls between {_day(starts_on)} and "
            f"{_day(ends_on)}."
        )
    codes = ",".join(RRULE_DAYS[day] for day in days)
    return _store(
        consultant=consultant,
        kind=Kind.WEEKLY_HOURS,
        actor=actor,
        entry_id=entry_id,
        start=local_moment(first, start_time, zone),
        end=local_moment(first, end_time, zone),
        rule=_weekly_rule(codes, days),
        end_recurring_period=ends_on and local_moment(ends_on, end_time, zone),
        description="",
    )


def add_date_hours(
    *,
    consultant: Consultant,
    day: date,
    start_time: time,
    end_time: time,
    note: str = "",
    actor=None,
    entry_id: int | None = None,
) -> Entry:
    """Hours on one date that replace that day's weekly hours (several entries on
    one date add up). With `entry_id`, that entry is changed instead."""
    _check_hours(start_time, end_time)
    zone = consultant.zone
    return _store(
        consultant=consultant,
        kind=Kind.DATE_HOURS,
        actor=actor,
        entry_id=entry_id,
        start=local_moment(day, start_time, zone),
        end=local_moment(day, end_time, zone),
        description=note.strip(),
    )


def add_time_off(
    *,
    consultant: Consultant,
    start: datetime,
    end: datetime,
    note: str = "",
    actor=None,
    entry_id: int | None = None,
) -> Entry:
    """No bookings from `start` to `end` (aware datetimes), whatever the hours say.
    With `entry_id`, that entry is changed instead."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBookingData("Time off must carry its time zone.")
    if end <= start:
        raise InvalidBookingData("Time off must end after it starts.")
    return _store(
        consultant=consultant,
        kind=Kind.TIME_OFF,
        actor=actor,
        entry_id=entry_id,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        description=note.strip(),
    )


def remove_entry(*, consultant: Consultant, entry_id: int, actor=None) -> None:
    with transaction.atomic():
        event = entry_events(consultant).get(pk=entry_id)
        entry = _entry(event, consultant.zone)
        event.delete()
        _log(consultant, actor, f"Removed {entry.kind.label.lower()}: {entry}")


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant a wall-clock time on `day` names in `zone`; a skipped or
    repeated time is read as RFC 5545 reads it (see the module's docstring)."""
    return datetime.combine(day, at, zone).astimezone(UTC)


def _check_hours(start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise InvalidBookingData(
            "The hours must end after they start on the same day; for hours past "
            "midnight add a second entry for the next day."
        )


def _first_working_day(days, start_time, end_time, starts_on, zone) -> date:
    """The recurrence is anchored on its first real block. A day on which the start
    or end time does not exist (the night clocks go forward) cannot anchor it: the
    anchor's wall-clock times are what every later block repeats."""
    for offset in range(15):
        day = starts_on + timedelta(days=offset)
        if day.weekday() in days and all(
            _exists(day, at, zone) for at in (start_time, end_time)
        ):
            return day
    raise AssertionError("a chosen weekday recurs within two weeks")


def _exists(day: date, at: time, zone: ZoneInfo) -> bool:
    wall = datetime.combine(day, at)
    return wall_clock(wall.replace(tzinfo=zone).astimezone(UTC), zone) == wall


def _weekly_rule(codes: str, days: list[int]) -> Rule:
    """Rules are shared: one per set of weekdays."""
    params = f"byweekday:{codes}"
    rule = Rule.objects.filter(frequency="WEEKLY", params=params).first()
    return rule or Rule.objects.create(
        frequency="WEEKLY",
        params=params,
        name=f"Weekly {codes}",
        description="Every " + ", ".join(DAY_NAMES[day] for day in days),
    )


def _store(*, consultant, kind, actor, entry_id, **fields) -> Entry:
    fields = {"rule": None, "end_recurring_period": None, **fields}
    with transaction.atomic():
        if entry_id is None:
            event = Event(calendar=consultant_calendar(consultant), creator=actor)
        else:
            event = entry_events(consultant).get(pk=entry_id)
            if event.kind != kind:
                raise InvalidBookingData(
                    f"That entry is {Kind(event.kind).label.lower()}, not "
                    f"{kind.label.lower()}; remove it and add a new one instead."
                )
            # Cancelled or moved occurrences belong to the hours being replaced.
            event.occurrence_set.all().delete()
        for name, value in fields.items():
            setattr(event, name, value)
        event.kind = kind
        event.title = f"{kind.label}: {_entry(event, consultant.zone)}"[:255]
        event.save()
        if entry_id is None:
            EventRelation.objects.create_relation(event, consultant, kind)
        entry = _entry(event, consultant.zone)
        verb = "Added" if entry_id is None else "Changed"
        _log(consultant, actor, f"{verb} {kind.label.lower()}: {entry}")
    return entry


def _log(consultant: Consultant, actor, change: str) -> None:
    log(
        instance=consultant,
        action="booking.availability",
        user=actor,
        data={"change": change},
    )


def availability_entries(*, consultant: Consultant) -> list[Entry]:
    """The consultant's weekly hours, hours on dates and time off, in local time."""
    if consultant.calendar_id is None:
        return []
    zone = consultant.zone
    entries = [_entry(event, zone) for event in entry_events(consultant)]
    return sorted(entries, key=lambda entry: (entry.start, entry.id))


def availability_entry(*, consultant: Consultant, entry_id: int) -> Entry | None:
    """One entry of this consultant's, or None (also for another consultant's)."""
    event = entry_events(consultant).filter(pk=entry_id).first()
    return event and _entry(event, consultant.zone)


def wall_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of an instant in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None)


def instant(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _entry(event: Event, zone: ZoneInfo) -> Entry:
    weekdays = ()
    if event.rule is not None:
        days = event.rule.get_params().get("byweekday", ())
        days = days if isinstance(days, list) else [days]
        weekdays = tuple(sorted(getattr(day, "weekday", day) for day in days))
    until = event.end_recurring_period
    return Entry(
        id=event.pk,
        kind=Kind(event.kind),
        start=event.start.astimezone(zone),
        end=event.end.astimezone(zone),
        weekdays=weekdays,
        until=until and until.astimezone(zone).date(),
        note=event.description,
    )


def entry_events(consultant: Consultant):
    return (
        Event.objects.filter(
            calendar_id=consultant.calendar_id,
            eventrelation__distinction__in=Kind.values,
        )
        .select_related("rule")
        .annotate(kind=F("eventrelation__distinction"))
    )


def change_time_zone(
    *, consultant: Consultant, new_zone: str, keep_local_times: bool, actor=None
) -> int:
    """Move the consultant to `new_zone`. Their hours and time off are stored as
    instants read in the consultant's zone, so by themselves they keep the same
    moments (09:00 in London reads 10:00 in Berlin). With `keep_local_times` each
    entry, its end date and any moved or cancelled occurrence is set to the same
    wall-clock times in the new zone instead (09:00 stays 09:00). Returns how many
    entries were moved; all or nothing, written to the consultant's History."""
    old, new = consultant.zone, ZoneInfo(new_zone)
    moved = 0
    with transaction.atomic():
        Consultant.objects.select_for_update().filter(pk=consultant.pk).exists()
        if keep_local_times and consultant.calendar_id is not None:
            for event in entry_events(consultant).prefetch_related("occurrence_set"):
                _rezone(event, ("start", "end", "end_recurring_period"), old, new)
                event.save()
                for occurrence in event.occurrence_set.all():
                    names = ("start", "end", "original_start", "original_end")
                    _rezone(occurrence, names, old, new)
                    occurrence.save()
                moved += 1
        consultant.time_zone = new_zone
        consultant.save(update_fields=["time_zone"])
        kept = "kept their local times" if keep_local_times else "kept their moments"
        _log(
            consultant,
            actor,
            f"Time zone changed from {old.key} to {new.key}; hours and time off "
            f"{kept}.",
        )
    return moved


def _rezone(row, names, old: ZoneInfo, new: ZoneInfo) -> None:
    for name in names:
        moment = getattr(row, name)
        if moment is not None:
            setattr(row, name, instant(wall_clock(moment, old), new))
