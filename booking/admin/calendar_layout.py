"""How the calendar lays out bookings in a day's column: overlapping bookings side
by side in lanes, each as wide as its cluster allows, showing only the lines of
text that fit whole (the rest appear on hover or focus, and in the popover).

A workshop or a course meeting is one block however many seats are booked
(issue 23): its type, and the seats taken of its capacity; a one-to-one
booking is a block of its own."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.http import urlencode

from booking.core.models import Booking

# A month cell lists this many bookings, then links to its day.
MONTH_CELL_LIMIT = 4

# The week and day grids, in rem (calendar.css uses the same figures): an hour's
# height, an entry's line of text, and the padding above and below its text.
HOUR_REM = 4.0
LINE_REM = 0.85
PADDING_REM = 0.3

# Without colour, a booking's status still shows: a mark before it (and its name in
# the text). The legend shows the same marks.
STATUS_MARKS = {
    "pending": "◌",
    "approved": "○",
    "payment_pending": "◐",
    "confirmed": "●",
    "completed": "✔",
    "no_show": "✖",
    "cancelled": "⊘",
    "rejected": "✕",
}


# Services shown as one block per meeting, and the type each block names.
MEETING_TYPES = {"workshop": "Workshop", "course": "Course meeting"}

# A meeting block's colour is its liveliest seat's status.
LIVELIEST = (
    "confirmed",
    "payment_pending",
    "approved",
    "pending",
    "completed",
    "no_show",
    "cancelled",
    "rejected",
)

# Seats in these states no longer count as taken.
FREED = ("cancelled", "rejected")


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
    # Bookings only: their text, one line each; what this user may do with them.
    lines: tuple[str, ...] = ()
    fit: int = 0
    pk: int | None = None
    reference: str = ""
    consultant_id: int | None = None
    move_url: str = ""
    actions: list[tuple[str, str, bool]] = field(default_factory=list)
    # Workshop and course meeting blocks only: the seats of the meeting.
    meeting: str = ""

    @property
    def span(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def mark(self) -> str:
        return STATUS_MARKS.get(self.status, "")

    @property
    def shown_lines(self) -> tuple[str, ...]:
        return self.lines[: max(self.fit, 1)]

    @property
    def more_lines(self) -> tuple[str, ...]:
        return self.lines[max(self.fit, 1) :]


def lines_that_fit(minutes: float) -> int:
    """How many whole lines of an entry's text fit in a booking this long."""
    height = minutes / 60 * HOUR_REM - PADDING_REM
    return max(1, int(height // LINE_REM))


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
    consultant_id: int | None = None  # a consultant's own column (day view)

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


def split_meetings(bookings: list[Booking]) -> tuple[list[Booking], list[list]]:
    """(one-to-one bookings, the seats of each workshop or course meeting): a
    meeting's seats share its consultant, service and start."""
    singles, meetings = [], {}
    for booking in bookings:
        if booking.service.kind in MEETING_TYPES:
            key = (booking.consultant_id, booking.service_id, booking.start)
            meetings.setdefault(key, []).append(booking)
        else:
            singles.append(booking)
    return singles, list(meetings.values())


def seats_url(booking: Booking, zone: ZoneInfo) -> str:
    """The bookings list showing a workshop's or course meeting's seats."""
    day = booking.start.astimezone(zone).date().isoformat()
    query = {"service": booking.service_id, "start_from": day, "start_to": day}
    return f"{reverse('bookings:index')}?{urlencode(query)}"


def meeting_item(seats: list[Booking], *, zone: ZoneInfo, named: bool):
    """One block for a meeting: its type, seats taken of capacity, and a link to
    its participants in the bookings list."""
    first = seats[0]
    service, kind = first.service, MEETING_TYPES[first.service.kind]
    taken = sum(1 for seat in seats if seat.status not in FREED)
    seats_text = f"{taken} of {service.capacity} seats taken"
    who = f" · {first.consultant.name}" if named else ""
    start, end = first.start.astimezone(zone), first.end.astimezone(zone)
    statuses = {seat.status for seat in seats}
    return Item(
        start=start,
        end=end,
        kind="booking",
        label=f"{start:%H:%M} {service} · {taken}/{service.capacity}{who}",
        title=f"{kind}: {service}, {seats_text}{who}",
        url=seats_url(first, zone),
        status=next((s for s in LIVELIEST if s in statuses), first.status),
        # Seats and type first: a narrow week column cuts the later lines.
        lines=(
            f"{start:%H:%M}–{end:%H:%M}",
            f"{taken}/{service.capacity} seats",
            f"{kind.split()[0]} · {service}",
            *((first.consultant.name,) if named else ()),
            f"{kind}: {seats_text}",
        ),
        pk=first.pk,
        reference=str(service),
        consultant_id=first.consultant_id,
        meeting=seats_text,
    )
