"""How the calendar lays out bookings in a day's column: overlapping bookings side
by side in lanes, each as wide as its cluster allows."""

from dataclasses import dataclass, field
from datetime import date, datetime

# A month cell lists this many bookings, then links to its day.
MONTH_CELL_LIMIT = 4


@dataclass
class Item:
    """Something placed on the calendar, in local time."""

    start: datetime
    end: datetime
    kind: str  # "booking", "hours" or "time-off"
    label: str = ""
    url: str = ""
    status: str = ""
    title: str = ""
    top: float = 0.0
    height: float = 0.0
    left: float = 0.0
    width: float = 100.0

    @property
    def span(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass
class DayColumn:
    """A day (or, in the day view for everyone, one consultant's day)."""

    day: date
    heading: str
    url: str = ""
    items: list[Item] = field(default_factory=list)
    hours: list[Item] = field(default_factory=list)
    time_off: list[Item] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False

    @property
    def shown(self) -> list[Item]:
        return self.items[:MONTH_CELL_LIMIT]

    @property
    def hidden(self) -> int:
        return max(0, len(self.items) - MONTH_CELL_LIMIT)


def union(items: list[Item]) -> list[Item]:
    """Overlapping spans of one column joined into one."""
    joined: list[Item] = []
    for item in sorted(items, key=lambda item: item.start):
        if joined and item.start <= joined[-1].end:
            joined[-1].end = max(joined[-1].end, item.end)
        else:
            joined.append(item)
    return joined


def minutes_of_day(moment: datetime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def assign_lanes(items: list[Item]) -> None:
    """Overlapping bookings share the column's width: each cluster of
    overlapping items gets as many lanes as it needs."""
    cluster, cluster_end = [], None
    for item in sorted(items, key=lambda item: (item.start, item.end)):
        if cluster and item.start >= cluster_end:
            spread(cluster)
            cluster = []
        cluster.append(item)
        cluster_end = max(cluster_end, item.end) if len(cluster) > 1 else item.end
    spread(cluster)


def spread(cluster: list[Item]) -> None:
    lanes: list[datetime] = []
    placed = []
    for item in cluster:
        lane = next((n for n, end in enumerate(lanes) if end <= item.start), None)
        if lane is None:
            lanes.append(item.end)
            lane = len(lanes) - 1
        else:
            lanes[lane] = item.end
        placed.append((item, lane))
    for item, lane in placed:
        item.width = round(100 / len(lanes), 3)
        item.left = round(lane * item.width, 3)
