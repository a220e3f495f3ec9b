"""What every report is made of: a `Table` (the figures, the chart's text
alternative and the download) and the `Chart`s drawn from it, and the small
helpers the figures share."""

from dataclasses import dataclass, field
from decimal import Decimal

from booking.reports.filters import Selection


@dataclass(frozen=True)
class Chart:
    """What one SVG shows: labels along one axis, one or more named series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list]]
    kind: str = "bar"  # bar, horizontal, stacked
    unit: str = ""


@dataclass(frozen=True)
class Table:
    """One report: its table (the chart's text alternative and its download) and
    the charts drawn from it."""

    slug: str
    title: str
    description: str
    headers: list[str]
    rows: list[list]
    charts: list[Chart] = field(default_factory=list)


def in_range(bookings, selection: Selection):
    return bookings.filter(start__gte=selection.start, start__lt=selection.end)


def percent(part, whole) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def month_text(value) -> str:
    """A month as `2026-03`, from a datetime or SQLite's text."""
    return value[:7] if isinstance(value, str) else f"{value:%Y-%m}"
