"""Reminders (24 hours and 30 minutes before a session) and the notice that an ended
session waits to be marked completed, written by sweeps that django-q2 runs; each
email once, whatever runs twice.

Each client gets their own reminders. The consultant gets one reminder per
session listing its participants (count and names) 24 hours before, and for a
workshop or a course meeting a second one 30 minutes before (issue 23): never
one per booking. The 30-minute one is the same kind of email
(`consultant_reminder`) with its own occurrence (`<start>:30m`), so its key is
its own and the outbox's kinds (fixed in its migrations) stay as they are."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import groupby

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.core.models import Booking, Service
from booking.core.states import BookingStatus
from booking.notifications.emails import staff_recipients
from booking.notifications.models import OutboxEmail
from booking.notifications.outbox import Planned, write_email

S = BookingStatus
Kind = OutboxEmail.Kind

# (kind, how long before the start it is meant to go, half its window). A window
# opens at `lead + slack` before the start and stays open until the next shorter
# reminder's opens (or the start), so a sweep that is late or skipped still sends
# each reminder once.
REMINDERS = (
    (Kind.REMINDER_24H, timedelta(hours=24), timedelta(minutes=10)),
    (Kind.REMINDER_30M, timedelta(minutes=30), timedelta(minutes=5)),
)


FIRST = REMINDERS[0][0]

# Services whose meetings the consultant is reminded of again 30 minutes before.
DATED = (Service.Kind.WORKSHOP, Service.Kind.COURSE)

# Sessions that ended longer ago than this no longer prompt "mark it completed".
SESSION_ENDED_LOOKBACK = timedelta(days=14)


def reminder_windows() -> Iterable[tuple[str, timedelta, timedelta]]:
    """(kind, opens, closes), both as time before the start. A window opens at
    `lead + slack` and stays open until the next shorter reminder's opens (or the
    start), so a sweep that is late, or several that are skipped, still send each
    reminder once rather than never."""
    opens = [lead + slack for _, lead, slack in REMINDERS]
    for index, (kind, _, _) in enumerate(REMINDERS):
        closes = opens[index + 1] if index + 1 < len(opens) else timedelta(0)
        yield kind, opens[index], closes


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """Write the reminders whose window is open: each client's, and with the
    24-hour one the consultant's, one per session listing all its participants. A
    booking confirmed or moved after a window opened was just sent its details,
    so it gets no reminder for that window. Returns how many emails were
    written."""
    now = now or timezone.now()
    planned = []
    for kind, opens, closes in reminder_windows():
        in_window = list(_reminder_candidates(now + closes, now + opens))
        due = [b for b in in_window if _noticed_before(b, b.start - opens)]
        muted = _muted(kind, {b.client_email.lower() for b in due})
        planned += [
            Planned(b, kind, b.client_email, _stamp(b.start))
            for b in due
            if b.client_email.lower() not in muted
        ]
        for seats in _sessions(due):
            if kind == Kind.REMINDER_24H or seats[0].service.kind in DATED:
                planned += _session_emails(
                    seats, Kind.CONSULTANT_REMINDER, in_window, soon=kind != FIRST
                )
    return _write_once(planned)


def queue_session_ended_notices(*, now: datetime | None = None) -> int:
    """Ask the consultant (or, when they have no login, the booking admins) to mark
    each confirmed session completed once it has ended: the transition itself
    needs a person. Returns how many emails were written."""
    now = now or timezone.now()
    ended = list(
        Booking.objects.filter(
            status=S.CONFIRMED,
            end__lte=now,
            end__gt=now - SESSION_ENDED_LOOKBACK,
        ).select_related("consultant", "service")
    )
    planned = []
    for seats in _sessions(ended):
        planned += _session_emails(seats, Kind.SESSION_ENDED, ended)
    return _write_once(planned)


# The account preference that turns each client reminder off (issue 21).
PREFERENCE = {Kind.REMINDER_24H: "remind_24h", Kind.REMINDER_30M: "remind_30m"}


def _muted(kind: str, addresses: set[str]) -> set[str]:
    """Of `addresses`, those whose client account turned this reminder off (one
    query). Only reminders can be turned off: transactional emails always go,
    and the consultant's reminder does not depend on the client's choice."""
    if not addresses:
        return set()
    return set(
        ClientAccount.objects.filter(
            email__in=addresses, **{PREFERENCE[kind]: False}
        ).values_list("email", flat=True)
    )


def _reminder_candidates(after: datetime, until: datetime):
    last_notice = (
        OutboxEmail.objects.filter(
            booking=OuterRef("pk"), kind__in=(Kind.CONFIRMED, Kind.RESCHEDULED)
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Booking.objects.filter(status=S.CONFIRMED, start__gt=after, start__lte=until)
        .select_related("consultant", "service")
        .annotate(last_notice=Subquery(last_notice))
    )


def _noticed_before(booking: Booking, moment: datetime) -> bool:
    noticed = booking.last_notice or booking.confirmed_at
    return noticed is None or noticed <= moment


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _sessions(bookings: list[Booking]) -> Iterable[list[Booking]]:
    """Bookings grouped by session: one consultant, one start."""
    ordered = sorted(bookings, key=lambda b: (b.consultant_id, b.start, b.pk))
    for _, seats in groupby(ordered, key=lambda b: (b.consultant_id, b.start)):
        yield list(seats)


def _session_emails(
    seats: list[Booking], kind: str, pool: list[Booking], *, soon: bool = False
):
    """The consultant's one email about a session. `soon`: the 30-minute
    reminder, whose occurrence (and so key) is its own."""
    first = seats[0]
    participants = [
        b
        for b in pool
        if b.consultant_id == first.consultant_id and b.start == first.start
    ]
    participants.sort(key=lambda b: b.client_name)
    if kind == Kind.SESSION_ENDED and first.consultant.user_id is None:
        to = staff_recipients()
    else:
        to = [first.consultant.email]
    occurrence = _stamp(first.start) + (":30m" if soon else "")
    return [Planned(first, kind, r, occurrence, participants) for r in to]


def _write_once(planned: list[Planned]) -> int:
    """Write each planned email whose key is not taken; one query finds those
    written already, and the unique key stops a sweep running alongside."""
    by_key = {email.key: email for email in planned}
    taken = set(
        OutboxEmail.objects.filter(key__in=list(by_key)).values_list("key", flat=True)
    )
    written = 0
    for key, email in by_key.items():
        if key in taken:
            continue
        extra = {}
        if email.participants is not None:
            extra["participants"] = email.participants
            extra["soon"] = email.occurrence.endswith(":30m")
        written += bool(
            write_email(
                email.booking,
                email.kind,
                email.recipient,
                key=key,
                occurrence=email.occurrence,
                **extra,
            )
        )
    return written
