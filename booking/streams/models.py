"""Likes, saves and comments on pages (stream posts and articles, by page id:
booking never imports cms), and each page's counts, kept beside them so a
listing reads them in the same query as its pages."""

from django.db import models
from django.db.models import Count, Q

from booking.accounts.models import ClientAccount
from booking.core.models import Consultant


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        SAVE = "save", "Save"

    page_id = models.PositiveIntegerField(db_index=True)
    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="stream_reactions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "page_id", "kind"], name="one_reaction_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of page {self.page_id}"


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    page_id = models.PositiveIntegerField(db_index=True)
    page_title = models.CharField(max_length=255, blank=True)
    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="stream_comments"
    )
    # The post's consultant, who may reply; None on an article without one.
    consultant = models.ForeignKey(
        Consultant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stream_comments",
    )
    display_name = models.CharField(max_length=80)
    body = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reports = models.PositiveIntegerField(default=0)
    reply = models.TextField(
        blank=True, max_length=2000, help_text="Shown under the comment."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.display_name} on “{self.page_title}”"

    def save(self, *args, **kwargs):
        """Whatever changed the status (a service or the admin's form), the
        page's comment count follows."""
        super().save(*args, **kwargs)
        PageCounts.recount([self.page_id])

    @property
    def excerpt(self) -> str:
        return self.body if len(self.body) <= 80 else self.body[:79] + "…"

    excerpt.fget.short_description = "Comment"


class PageCounts(models.Model):
    """A page's likes, saves and approved comments, moved with F() by each
    change (booking.streams.services), recounted after erasure or moderation."""

    page_id = models.PositiveIntegerField(primary_key=True)
    likes = models.PositiveIntegerField(default=0)
    saves = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Counts of page {self.page_id}"

    @classmethod
    def recount(cls, page_ids) -> None:
        for page_id in set(page_ids):
            reactions = Reaction.objects.filter(page_id=page_id).aggregate(
                likes=Count("pk", filter=Q(kind=Reaction.Kind.LIKE)),
                saves=Count("pk", filter=Q(kind=Reaction.Kind.SAVE)),
            )
            comments = Comment.objects.filter(
                page_id=page_id, status=Comment.Status.APPROVED
            ).count()
            cls.objects.update_or_create(
                page_id=page_id, defaults={**reactions, "comments": comments}
            )
