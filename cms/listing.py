"""What a consultant's card says on the listing and the home page beyond the page's
own fields: specialisations, the lowest price per currency, the next free day.
A fixed number of queries for the whole list, however many cards."""

from dataclasses import dataclass
from datetime import date

from django.db.models import prefetch_related_objects

from booking.scheduling.soonest import next_free_days, offered_services


@dataclass(frozen=True)
class CardFacts:
    specialisations: list[str]
    prices_from: list[str]  # "85.00 EUR", one per currency; "Free" when all are
    next_free_day: date | None
    taking_bookings: bool


def with_card_facts(pages) -> list:
    """The pages (ConsultantPage, `consultant` selected), each with `.card` set:
    one query for the tags, one for the services, two to four for free days."""
    pages = list(pages)
    if not pages:
        return pages
    prefetch_related_objects(pages, "specialisations")
    consultants = [page.consultant for page in pages]
    offered = offered_services(consultants)
    days = next_free_days(
        {
            consultant: offered[consultant.pk]
            for consultant in consultants
            if consultant.is_active
        }
    )
    for page in pages:
        consultant = page.consultant
        page.card = CardFacts(
            specialisations=[tag.name for tag in page.specialisations.all()],
            prices_from=prices_from(offered[consultant.pk]),
            next_free_day=days.get(consultant.pk),
            taking_bookings=consultant.is_active,
        )
    return pages


def prices_from(services) -> list[str]:
    """The lowest price of the services in each currency (money is never compared
    across currencies), lowest first; ["Free"] when every session is free."""
    lowest = {}
    for service in services:
        if service.price > 0:
            current = lowest.get(service.currency)
            lowest[service.currency] = min(service.price, current or service.price)
    if not lowest and services:
        return ["Free"]
    return [
        f"{price} {currency}"
        for currency, price in sorted(lowest.items(), key=lambda item: item[1])
    ]
