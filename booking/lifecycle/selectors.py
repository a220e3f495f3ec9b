"""Reads the public pages need, each in one query."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Window

from booking.core.models import Booking, Consultant, Service
from booking.core.states import MOVABLE, OPEN, BookingStatus
from booking.reviews.models import Review


def offer_of(consultant_id: int) -> tuple[Consultant, list[Service]]:
    """A consultant and the active services they offer, in one query (through the
    join table); a consultant offering nothing costs a second, small one."""
    links = list(
        Service.consultants.through.objects.filter(
            consultant_id=consultant_id, service__is_active=True
        )
        .select_related("consultant", "service")
        .order_by("service__title")
    )
    if not links:
        return Consultant.objects.get(pk=consultant_id), []
    return links[0].consultant, [link.service for link in links]


@dataclass(frozen=True)
class ReviewSummary:
    reviews: list[Review]
    average: float | None
    count: int


def published_reviews(consultant_id: int, *, latest: int = 5) -> ReviewSummary:
    """The latest published reviews with the average and count over all of them,
    in one query (window functions run before the LIMIT)."""
    reviews = list(
        Review.objects.filter(consultant_id=consultant_id, is_published=True)
        .annotate(average=Window(Avg("rating")), total=Window(Count("id")))
        .order_by("-created_at")[:latest]
    )
    if not reviews:
        return ReviewSummary([], None, 0)
    return ReviewSummary(reviews, round(reviews[0].average, 1), reviews[0].total)


@dataclass(frozen=True)
class ClientOptions:
    """What a client may do now with their booking behind a manage link: the
    page and the API offer the same."""

    can_cancel: bool
    can_reschedule: bool
    needs_payment: bool
    can_review: bool


def owes_payment(booking: Booking) -> bool:
    return (
        booking.status in (BookingStatus.APPROVED, BookingStatus.PAYMENT_PENDING)
        and booking.amount > booking.amount_paid
    )


def client_options(booking: Booking) -> ClientOptions:
    return ClientOptions(
        can_cancel=booking.status in OPEN,
        # A workshop's or course's meetings are moved by the practice, for all.
        can_reschedule=booking.status in MOVABLE
        and booking.service.kind == booking.service.Kind.SESSION,
        needs_payment=owes_payment(booking),
        can_review=booking.status == BookingStatus.COMPLETED
        and not Review.objects.filter(booking=booking).exists(),
    )
