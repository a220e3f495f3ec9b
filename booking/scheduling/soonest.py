"""The soonest free times of many consultants and services at once, for the public
pages: a listing's "next free day" per consultant, a profile's next free time per
service.

Cheap on purpose: every (consultant, service) pair is cut from one read of hours
and bookings (`slots.free_slots_by_offer`, two queries). The first week is
looked at first, since most consultants are free within it; only the pairs with
nothing free there are looked at again, up to `HORIZON_DAYS` (two more queries)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from booking.core.models import Consultant, Service
from booking.scheduling.hours import wall_clock
from booking.scheduling.slots import Slot, free_slots_by_offer

FIRST_LOOK = timedelta(days=7)
HORIZON_DAYS = 60
HORIZON = timedelta(days=HORIZON_DAYS)


@dataclass(frozen=True)
class Soonest:
    """A service's soonest free starts with a consultant (at most `count`)."""

    consultant: Consultant
    service: Service
    slots: list[Slot]

    @property
    def day(self) -> date | None:
        """The first free day, in the consultant's own time zone."""
        if not self.slots:
            return None
        return wall_clock(self.slots[0].start, self.consultant.zone).date()


def soonest_slots(
    offers: Sequence[tuple[Consultant, Service]],
    *,
    count: int = 1,
    now: datetime | None = None,
) -> dict[tuple[int, int], Soonest]:
    """Per (consultant id, service id): the first `count` free starts within
    `HORIZON_DAYS`. Two queries, four when a pair has nothing in the first week."""
    now = now or timezone.now()
    found = free_slots_by_offer(offers=offers, start=now, end=now + FIRST_LOOK, now=now)
    later = [
        (consultant, service)
        for consultant, service in offers
        if len(found[consultant.pk, service.pk]) < count
    ]
    if later:
        more = free_slots_by_offer(
            offers=later,
            start=now + FIRST_LOOK,
            end=now + HORIZON,
            now=now,
        )
        for key, slots in more.items():
            found[key] = found[key] + slots
    return {
        (consultant.pk, service.pk): Soonest(
            consultant, service, found[consultant.pk, service.pk][:count]
        )
        for consultant, service in offers
    }


def offered_services(consultants: Sequence[Consultant]) -> dict[int, list[Service]]:
    """Per consultant id: the active services they offer, by title. One query
    (through the join table), however many consultants."""
    offered = {consultant.pk: [] for consultant in consultants}
    links = (
        Service.consultants.through.objects.filter(
            consultant__in=[consultant.pk for consultant in consultants],
            service__is_active=True,
        )
        .select_related("service")
        .order_by("service__title", "service_id")
    )
    for link in links:
        offered[link.consultant_id].append(link.service)
    return offered


def next_free_days(
    offered: dict[Consultant, Iterable[Service]], *, now: datetime | None = None
) -> dict[int, date | None]:
    """Per consultant id: the first day (in their own time zone) on which any of
    the given services has a free start, or None within `HORIZON_DAYS`. Two
    queries; two more only for consultants with nothing free in the first week."""
    now = now or timezone.now()
    offers = [
        (consultant, service)
        for consultant, services in offered.items()
        for service in services
    ]
    days = {consultant.pk: None for consultant in offered}
    windows = ((now, now + FIRST_LOOK), (now + FIRST_LOOK, now + HORIZON))
    for start, end in windows:
        offers = [(c, s) for c, s in offers if days[c.pk] is None]
        if not offers:
            break
        found = free_slots_by_offer(offers=offers, start=start, end=end, now=now)
        for consultant, service in offers:
            slots = found[consultant.pk, service.pk]
            if slots:
                day = wall_clock(slots[0].start, consultant.zone).date()
                days[consultant.pk] = min(day, days[consultant.pk] or day)
    return days
