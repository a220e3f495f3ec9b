"""A client's likes, saves and comments in their data requests (booking.privacy):
one table in the bundle, and gone with erasure."""

from wagtail.models import Page

from booking.streams.models import Comment, PageCounts, Reaction

BUNDLE_FIELDS = ("kind", "page", "comment", "status", "reply", "created_at")


def reactions_of(email: str):
    return Reaction.objects.filter(account__email__iexact=email)


def comments_of(email: str):
    return Comment.objects.filter(account__email__iexact=email)


def activity_of(email: str):
    """Both, for counting."""
    return (
        reactions_of(email)
        .order_by()
        .values("pk")
        .union(comments_of(email).order_by().values("pk"), all=True)
    )


def bundle_rows(email: str) -> list[dict]:
    reactions = list(reactions_of(email).order_by("pk"))
    titles = dict(
        Page.objects.filter(pk__in={r.page_id for r in reactions}).values_list(
            "pk", "title"
        )
    )
    rows = [
        {
            "kind": reaction.get_kind_display(),
            "page": titles.get(reaction.page_id, f"page {reaction.page_id}"),
            "comment": "",
            "status": "",
            "reply": "",
            "created_at": reaction.created_at,
        }
        for reaction in reactions
    ]
    rows += [
        {
            "kind": "Comment",
            "page": comment.page_title,
            "comment": comment.body,
            "status": comment.get_status_display(),
            "reply": comment.reply,
            "created_at": comment.created_at,
        }
        for comment in comments_of(email).order_by("pk")
    ]
    return rows


def forget(email: str) -> None:
    """Erasure: the address's likes, saves and comments, gone; counts follow."""
    reactions, comments = reactions_of(email), comments_of(email)
    touched = set(reactions.values_list("page_id", flat=True))
    touched |= set(comments.values_list("page_id", flat=True))
    reactions.delete()
    comments.delete()
    PageCounts.recount(touched)
