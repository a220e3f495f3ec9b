"""Clients' reviews of completed sessions, published after moderation."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from booking.core.models import Booking, Consultant


class Review(models.Model):
    """A client's review of a completed session: one per booking, held until a
    booking admin publishes it."""

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="review"
    )
    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(max_length=2000, blank=True)
    display_name = models.CharField(
        max_length=60, help_text="How the review is signed on the site, e.g. “Ada L.”"
    )
    is_published = models.BooleanField(
        default=False, help_text="Shown on the consultant's page once published."
    )
    reply = models.TextField(
        max_length=2000,
        blank=True,
        help_text="The practice's public reply, shown under the review once it is "
        "published.",
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["consultant", "is_published", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            )
        ]

    def __str__(self):
        # No booking reference: titles show wherever Wagtail lists objects (its
        # bulk actions' confirmation pages, to anyone in the admin).
        return f"{self.rating}★ for {self.consultant}"

    @property
    def stars(self) -> str:
        """The rating drawn as five stars, e.g. ★★★★☆."""
        return "★" * self.rating + "☆" * (5 - self.rating)

    @property
    def rating_label(self) -> str:
        return f"{self.stars} {self.rating} of 5"

    rating_label.fget.short_description = "Rating"

    @property
    def state_label(self) -> str:
        if self.is_published:
            return "Published"
        return "Hidden" if self.moderated_at else "Awaiting moderation"
