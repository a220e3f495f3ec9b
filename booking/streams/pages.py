"""Which pages clients may like, save and comment on, asked of cms (booking never
imports it): cms registers a `PageSource` at start-up (cms/apps.py)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


@dataclass
class PageSource:
    # page id -> the live, public post or article (specific), or None.
    engageable: Callable
    # The live, public stream posts, newest first (a queryset).
    posts: Callable
    # A page -> the Consultant who may reply to its comments, or None.
    consultant_of: Callable


_source: PageSource | None = None


def set_page_source(source: PageSource) -> None:
    global _source
    _source = source


def source() -> PageSource:
    if _source is None:
        raise RuntimeError("cms has not registered the stream's page source")
    return _source


def engageable(page_id: int):
    return source().engageable(page_id)


def with_counts(pages):
    """`pages` (a queryset of pages) with `likes`, `saves` and `comments`
    annotated from PageCounts: in the same query, however many cards."""
    from booking.streams.models import PageCounts

    counts = PageCounts.objects.filter(page_id=OuterRef("pk"))
    return pages.annotate(
        **{
            name: Coalesce(
                Subquery(counts.values(name)[:1]), Value(0), output_field=IntegerField()
            )
            for name in ("likes", "saves", "comments")
        }
    )


def published_posts():
    return with_counts(source().posts())
