"""What a signed-in client does: like or save a page (press again to undo),
comment (held for moderation when STREAM_COMMENTS_MODERATED), report a comment;
an editor approves or rejects; the post's consultant replies."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from booking.core.errors import BookingError
from booking.streams import pages
from booking.streams.models import Comment, PageCounts, Reaction

MAX_COMMENT = 2000


class StreamError(BookingError):
    code = "stream_refused"


def _page(page_id: int):
    page = pages.engageable(page_id)
    if page is None:
        raise StreamError("That post or article is not on the site.")
    return page


def _bump(page_id: int, field: str, by: int) -> None:
    PageCounts.objects.get_or_create(page_id=page_id)
    PageCounts.objects.filter(page_id=page_id).update(**{field: F(field) + by})


@transaction.atomic
def toggle(*, account, page_id: int, kind: str) -> bool:
    """Like or save `page_id` for `account`, or undo it when already done.
    Returns whether it is now on. The count moves with it, atomically."""
    if kind not in Reaction.Kind.values:
        raise StreamError("Choose like or save.")
    _page(page_id)
    field = {"like": "likes", "save": "saves"}[kind]
    deleted, _ = Reaction.objects.filter(
        account=account, page_id=page_id, kind=kind
    ).delete()
    if deleted:
        _bump(page_id, field, -1)
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(account=account, page_id=page_id, kind=kind)
    except IntegrityError:  # the same press twice at once: counted once
        return True
    _bump(page_id, field, 1)
    return True


def comment(*, account, page_id: int, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise StreamError("Write your comment first.")
    if len(body) > MAX_COMMENT:
        raise StreamError(f"A comment is at most {MAX_COMMENT} characters.")
    page = _page(page_id)
    moderated = settings.STREAM_COMMENTS_MODERATED
    return Comment.objects.create(
        page_id=page_id,
        page_title=page.title[:255],
        account=account,
        consultant=pages.source().consultant_of(page),
        display_name=(account.name or "A client")[:80],
        body=body,
        status=Comment.Status.PENDING if moderated else Comment.Status.APPROVED,
    )


def report(*, comment_id: int) -> Comment:
    comment = Comment.objects.filter(
        pk=comment_id, status=Comment.Status.APPROVED
    ).first()
    if comment is None:
        raise StreamError("That comment is not on the site.")
    Comment.objects.filter(pk=comment.pk).update(reports=F("reports") + 1)
    return comment


def decide(comment: Comment, *, approve: bool) -> Comment:
    comment.status = Comment.Status.APPROVED if approve else Comment.Status.REJECTED
    comment.save(update_fields=["status"])
    return comment


def approved_comments(page_id: int):
    return Comment.objects.filter(page_id=page_id, status=Comment.Status.APPROVED)


def marks(account, page_ids) -> dict[int, set[str]]:
    """Which of `page_ids` the account liked or saved: one query."""
    found: dict[int, set[str]] = {}
    if account is None:
        return found
    for page_id, kind in Reaction.objects.filter(
        account=account, page_id__in=list(page_ids)
    ).values_list("page_id", "kind"):
        found.setdefault(page_id, set()).add(kind)
    return found


def mark(pages_list, account) -> list:
    """Each page with `liked` and `saved` set for `account` (one query)."""
    pages_list = list(pages_list)
    found = marks(account, [p.pk for p in pages_list])
    for page in pages_list:
        page.liked = "like" in found.get(page.pk, ())
        page.saved = "save" in found.get(page.pk, ())
    return pages_list


def saved_page_ids(account) -> list[int]:
    return list(
        Reaction.objects.filter(account=account, kind=Reaction.Kind.SAVE)
        .order_by("-created_at")
        .values_list("page_id", flat=True)
    )
