"""Time zones as clients know them: canonical IANA zones, found by city or country.

The list is the tz database's own: the zones of `zone1970.tab` (one per region whose
clocks have agreed since 1970) plus UTC. Every other name Python knows (aliases such
as "GB-Eire", "Asmera", "US/Eastern", or a city merged into its neighbour, such as
"Europe/Oslo") is folded into the canonical zone whose rules it shares, so a
browser that reports an alias still lands on a zone of the list. Countries come
from `iso3166.tab`, and the cities of folded zones from `zone.tab`, so "India" finds
Asia/Kolkata and "Oslo" finds Europe/Berlin. The tables are read from the `tzdata`
package when it is installed, else from the system's zoneinfo folder."""

import functools
import hashlib
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

UTC_KEY = "UTC"


@functools.cache
def known_names() -> frozenset[str]:
    """Every zone name Python knows, aliases included. `available_timezones`
    walks the tz folder on each call (tens of milliseconds: most of creating a
    booking, which checks two names); the folder does not change while we run."""
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True, slots=True)
class Zone:
    """A canonical zone: `key` ("America/New_York"), `city` ("New York"), the
    countries it serves and the cities of the zones folded into it."""

    key: str
    city: str
    countries: tuple[str, ...]
    also: tuple[str, ...]

    @property
    def name(self) -> str:
        """The key as people read it: "America/New York"."""
        return self.key.replace("_", " ")

    @property
    def words(self) -> str:
        text = _folded(" ".join((self.name, *self.names)))
        return "".join(c if c.isalnum() else " " for c in text)

    @property
    def names(self) -> tuple[str, ...]:
        """The city, countries and folded cities, folded for comparing."""
        return tuple(_folded(n) for n in (self.city, *self.countries, *self.also))


def zones() -> list[Zone]:
    """Every canonical zone, by key."""
    return list(_catalogue().values())


def canonical(name: str | None) -> str | None:
    """The canonical key for a zone name (itself, or the zone an alias folds
    into), or None for a name that is not a time zone Haven offers."""
    if not name:
        return None
    if name in _catalogue():
        return name
    return _aliases().get(name)


def find(query: str, *, limit: int = 12) -> list[Zone]:
    """Zones with a word (of the name, city, countries or folded cities) starting
    with each word of `query`, case and accents ignored. A city or country named
    exactly comes first: "India" lists Asia/Kolkata before America/Indiana/…"""
    words = "".join(c if c.isalnum() else " " for c in _folded(query)).split()
    if not words:
        return []
    found = [zone for zone in zones() if all(_starts(zone, word) for word in words)]
    wanted = " ".join(words)
    found.sort(key=lambda zone: (wanted not in zone.names, zone.key))
    return found[:limit]


def _starts(zone: Zone, word: str) -> bool:
    return any(token.startswith(word) for token in zone.words.split())


def describe(key: str, *, now: datetime | None = None, clock: int = 24) -> str:
    """ "Europe/Berlin — Berlin (GMT+1), 14:05 now", with the key's underscores as
    spaces and the time on the given clock (12 or 24)."""
    zone = _catalogue().get(key)
    local = (now or timezone.now()).astimezone(ZoneInfo(key))
    city = zone.city if zone else key
    name = key.replace("_", " ")
    return f"{name} — {city} ({gmt_offset(local)}), {clock_time(local, clock)} now"


def gmt_offset(local: datetime) -> str:
    """ "GMT+1", "GMT-4:30", "GMT" for a zone-aware moment."""
    minutes = int(local.utcoffset().total_seconds() // 60)
    if not minutes:
        return "GMT"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def clock_time(local: datetime, clock: int = 24) -> str:
    """ "14:05" on a 24-hour clock, "2:05 pm" on a 12-hour one."""
    if clock == 12:
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"{local:%H:%M}"


# --- the tables ---------------------------------------------------------------------


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("_", " "))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _table(name: str) -> str:
    try:
        from importlib.resources import files

        return files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for folder in zoneinfo.TZPATH:
            path = Path(folder) / name
            if path.exists():
                return path.read_text("utf-8")
    raise RuntimeError(f"The tz database's {name} is missing: install tzdata.")


def _rows(name: str) -> list[list[str]]:
    return [
        line.split("\t")
        for line in _table(name).splitlines()
        if line and not line.startswith("#")
    ]


def _city(key: str) -> str:
    return key.rsplit("/", 1)[-1].replace("_", " ")


@functools.cache
def _catalogue() -> dict[str, Zone]:
    countries = {code: name for code, name, *_ in _rows("iso3166.tab")}
    for code, names in _ALSO_CALLED.items():
        countries[code] += f" ({names})"
    also = {}
    for key, alias in _aliases().items():
        if "/" in key and key.split("/")[0] in _REGIONS:
            also.setdefault(alias, []).append(_city(key))
    alias_countries = {}
    for code, _coords, key, *_ in _rows("zone.tab"):
        target = _aliases().get(key, key)
        alias_countries.setdefault(target, []).append(countries.get(code, code))
    catalogue = {}
    for codes, _coords, key, *_ in _rows("zone1970.tab"):
        names = [countries.get(code, code) for code in codes.split(",")]
        names += [n for n in alias_countries.get(key, []) if n not in names]
        catalogue[key] = Zone(key, _city(key), tuple(names), tuple(also.get(key, ())))
    catalogue[UTC_KEY] = Zone(UTC_KEY, "Coordinated Universal Time", (), ("GMT",))
    return dict(sorted(catalogue.items()))


# Names people type that iso3166.tab does not use.
_ALSO_CALLED = {
    "GB": "United Kingdom, England, Scotland, Wales",
    "US": "USA, America",
    "AE": "UAE",
    "KR": "Korea",
    "KP": "Korea",
    "NL": "Holland",
}

_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}


@functools.cache
def _aliases() -> dict[str, str]:
    """Every other zone name Python knows -> the canonical zone with the same
    rules (same compiled file). Names that match none (fixed offsets such as
    "Etc/GMT+5", old rules such as "EST5EDT") are left out."""
    canonical_keys = {row[2] for row in _rows("zone1970.tab")}
    by_rules = {_rules(key): key for key in canonical_keys}
    by_rules.setdefault(_rules(UTC_KEY), UTC_KEY)
    folded = {}
    for key in known_names() - canonical_keys - {UTC_KEY}:
        target = by_rules.get(_rules(key))
        if target:
            folded[key] = target
    return folded


def _rules(key: str) -> str:
    try:
        from importlib.resources import files

        data = files("tzdata").joinpath("zoneinfo", *key.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        data = b""
        for folder in zoneinfo.TZPATH:
            path = Path(folder, key)
            if path.is_file():
                data = path.read_bytes()
                break
    return hashlib.sha1(data).hexdigest() if data else f"missing:{key}"
