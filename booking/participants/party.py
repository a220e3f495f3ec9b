"""A booking's party: the client and the people they name. Checking the names a
booking form sent, saving them with the booking, and reading who came."""

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from booking.core.errors import InvalidBookingData
from booking.core.models import Booking, Service
from booking.core.states import Attendance
from booking.participants.models import BookingParticipant

NAME_LENGTH = BookingParticipant._meta.get_field("name").max_length


def clean_names(service: Service, names) -> list[str]:
    """The named participants of a new booking, trimmed, blanks dropped; refused
    with a sentence when there are more than the service allows, a name is too
    long, or the party is larger than the group's seats."""
    names = [str(name).strip() for name in names or () if str(name).strip()]
    limit = service.extra_participants
    if len(names) > limit:
        allowed = (
            "no one else"
            if limit == 0
            else f"up to {limit} more {'person' if limit == 1 else 'people'}"
        )
        raise InvalidBookingData(
            f"A booking of “{service}” may bring {allowed}; you named {len(names)}."
        )
    for name in names:
        if len(name) > NAME_LENGTH:
            raise InvalidBookingData(
                f"A participant's name must be {NAME_LENGTH} characters or fewer "
                f"(“{name[:20]}…” has {len(name)})."
            )
    if service.is_group and len(names) + 1 > service.capacity:
        raise InvalidBookingData(
            f"“{service}” has {service.capacity} seats in all; a party of "
            f"{len(names) + 1} does not fit."
        )
    return names


def add(booking: Booking, names: list[str]) -> None:
    """Save the named participants of a booking just inserted (its `seats` were
    set from the same names)."""
    BookingParticipant.objects.bulk_create(
        BookingParticipant(booking=booking, name=name) for name in names
    )


def people(booking: Booking) -> list[tuple[str, str, str]]:
    """Everyone of the booking as (key, name, attendance): the client first
    (key "client"), then each participant (key: their id)."""
    return [
        ("client", booking.client_name, booking.attendance),
        *((str(p.pk), p.name, p.attendance) for p in booking.participants.all()),
    ]


def participants_text(booking: Booking) -> str:
    """The named participants and their attendance, "Ben Ruiz: Present; Cy
    Ruiz: not marked", for the data bundle."""
    labels = dict(Attendance.choices)
    return "; ".join(
        f"{p.name}: {labels.get(p.attendance, 'not marked')}"
        for p in booking.participants.all()
    )


def erase(booking: Booking) -> list[str]:
    """Replace the participants' names (erasure, retention) with "Participant
    1", "Participant 2"…; their attendance stays. Returns the names removed, for
    scrubbing the booking's other text."""
    named = list(booking.participants.all())
    removed = [p.name for p in named]
    for n, participant in enumerate(named, 1):
        participant.name = f"Participant {n}"
    BookingParticipant.objects.bulk_update(named, ["name"])
    return removed


def with_attendance(queryset):
    """Bookings annotated with `present` and `absent`: how many of the party
    (the client included) were marked so. One query, whatever the rows."""
    result = {}
    for mark in (Attendance.PRESENT, Attendance.ABSENT):
        named = (
            BookingParticipant.objects.filter(booking=OuterRef("pk"), attendance=mark)
            .order_by()
            .values("booking")
            .annotate(n=Count("pk"))
            .values("n")
        )
        result[mark] = Coalesce(
            Subquery(named, output_field=IntegerField()), Value(0)
        ) + _client_is(mark)
    return queryset.annotate(present=result["present"], absent=result["absent"])


def _client_is(mark: str):
    return Case(When(attendance=mark, then=Value(1)), default=Value(0))
