"""One time-zone rule for the Wagtail admin (issue 19): every time an admin screen
shows is in the signed-in user's own time zone, labelled with it, and written
with a 24-hour or a 12-hour clock by the user's language.

- The zone is Wagtail's account preference (`wagtail_userprofile.current_time_zone`,
  Account → Preferences); without one, the practice's zone, `TIME_ZONE` (the
  `PRACTICE_TIME_ZONE` environment variable). Wagtail activates the same zone
  around every admin view, so `timezone.localtime` and Wagtail's own date columns
  agree with these helpers.
- The clock follows the user's preferred admin language, through the same format
  files Django's `date` filter reads (`config/formats/`): British English and most
  languages write 24-hour times, US English writes 12-hour ones.

Screens call `format_admin_time(moment, request)`; a booking's detail also gives
the client's and the consultant's own times with `zone=`."""

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import get_language


def _profile(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.wagtail_userprofile
    except Exception:  # no profile row yet: Wagtail creates it on first save
        return None


def practice_zone() -> ZoneInfo:
    """The practice's own time zone: the default for anyone without a choice."""
    return ZoneInfo(settings.TIME_ZONE)


def admin_zone(request) -> ZoneInfo:
    """The signed-in user's admin time zone (their preference, else the
    practice's). An unknown name saved long ago falls back to the practice's."""
    profile = _profile(request)
    name = profile.current_time_zone if profile else ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return practice_zone()


def admin_language(request) -> str:
    """The user's preferred admin language (Wagtail's preference), else the
    active one."""
    profile = _profile(request)
    if profile is not None:
        return profile.get_preferred_language()
    return get_language() or settings.LANGUAGE_CODE


def uses_12_hour_clock(request) -> bool:
    """Whether the user's language writes "2:30 PM" rather than "14:30", read
    from the format Django's `time` filter uses for that language."""
    time_format = get_format("TIME_FORMAT", lang=admin_language(request))
    return not any(code in time_format for code in "GH")


def zone_abbreviation(moment: datetime) -> str:
    """ "JST", "EST", "CET"; "UTC+04" where the zone has no letters."""
    name = moment.tzname() or ""
    if name[:1] in "+-" and name:
        return f"UTC{name}"
    return name


def _clock(local: datetime, twelve: bool) -> str:
    if twelve:
        hour = local.hour % 12 or 12
        return f"{hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    return f"{local:%H:%M}"


def format_admin_time(
    moment: datetime | None,
    request,
    *,
    zone: tzinfo | None = None,
    date: bool = True,
    label: bool = True,
) -> str:
    """`moment` for an admin screen: "Wed 2 Dec 2026, 19:00 JST" (or
    "…, 5:00 AM EST" for a 12-hour user), in the user's zone unless `zone` is
    given (a client's or a consultant's). `date=False` gives the clock alone,
    `label=False` leaves out the zone. None gives "—"."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone or admin_zone(request))
    text = _clock(local, uses_12_hour_clock(request))
    if date:
        text = f"{local:%a} {local.day} {local:%b %Y}, {text}"
    if label:
        text = f"{text} {zone_abbreviation(local)}"
    return text


def format_admin_range(
    start: datetime, end: datetime, request, *, zone: tzinfo | None = None
) -> str:
    """ "Wed 2 Dec 2026, 19:00–19:50 JST" (the end's date is given when it
    differs)."""
    zone = zone or admin_zone(request)
    first = format_admin_time(start, request, zone=zone, label=False)
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    last = format_admin_time(end, request, zone=zone, date=not same_day)
    return f"{first}–{last}"


def zone_caption(request) -> str:
    """What a screen says once about its times: "Times in Asia/Tokyo"."""
    return f"Times in {admin_zone(request).key}"
