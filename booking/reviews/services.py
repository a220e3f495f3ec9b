"""A client's review of a completed session, held for moderation."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from booking.core.errors import (
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
)
from booking.core.models import (
    Booking,
)
from booking.core.states import BookingStatus
from booking.lifecycle.steps import locked, log_change
from booking.reviews.models import Review

S = BookingStatus


@transaction.atomic
def submit_review(
    *, booking: Booking, rating: int, comment: str = "", display_name: str = ""
) -> Review:
    """The client's one review of a completed session, held for moderation."""
    booking = locked(booking)
    if booking.status != S.COMPLETED:
        raise InvalidTransition(
            f"Booking {booking.reference} is {booking.status_label.lower()}; you can "
            "leave a review once the session has taken place."
        )
    if Review.objects.filter(booking=booking).exists():
        raise InvalidBookingData("You have already reviewed this session. Thank you!")
    if rating not in range(1, 6):
        raise InvalidBookingData("Please give a rating from 1 to 5.")
    review = Review(
        booking=booking,
        consultant=booking.consultant,
        rating=rating,
        comment=(comment or "").strip(),
        display_name=(display_name or "").strip() or _signature(booking.client_name),
    )
    try:
        review.full_clean()
    except ValidationError as exc:
        raise InvalidBookingData(" ".join(exc.messages)) from exc
    review.save()
    log_change(booking, "booking.review", actor=None, to_state=booking.status)
    return review


def _signature(name: str) -> str:
    """“Ada Lovelace” signs as “Ada L.”: enough to be human, not to identify."""
    first, _, rest = name.strip().partition(" ")
    return f"{first} {rest.strip()[0]}." if rest.strip() else first


MODERATE = "booking.change_review"


@transaction.atomic
def moderate_review(*, review: Review, publish: bool, actor) -> Review:
    """Show the review on the consultant's page, or hide it: a booking admin's
    decision, in the review's History with who made it."""
    if not actor.has_perm(MODERATE):
        raise NotPermitted("Only booking admins publish or hide reviews.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_published == publish and review.moderated_at:
        return review
    review.is_published = publish
    review.moderated_at = timezone.now()
    review.save(update_fields=["is_published", "moderated_at"])
    action = "booking.review.publish" if publish else "booking.review.hide"
    log(instance=review, action=action, user=actor)
    return review
