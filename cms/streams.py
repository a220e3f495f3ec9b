"""The stream (issue 25): short posts by consultants (a few lines, an optional
image, an optional article they point to), published through Wagtail's page
workflow so an editor can require moderation, listed newest first on the
stream index page, on the consultant's page and at /api/v1/streams/. Likes,
saves and comments live in booking.streams, by page id."""

from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from booking.accounts.signin import signed_in_account
from booking.streams import pages as stream_pages
from booking.streams import services as stream_services

POSTS_PER_PAGE = 20
# A post added live without a revision has no first_published_at; it sorts
# last on every database (PostgreSQL puts NULLs first in a descending order).
NEWEST_FIRST = (models.F("first_published_at").desc(nulls_last=True), "-pk")


class StreamIndexPage(Page):
    """The stream on the site: every live post, newest first, 20 to a page."""

    intro = models.TextField(blank=True, max_length=400)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.StreamPost"]
    max_count = 1

    class Meta:
        verbose_name = "stream index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        posts = stream_pages.with_counts(
            StreamPost.objects.live()
            .public()
            .child_of(self)
            .select_related("author", "image", "article")
            .order_by(*NEWEST_FIRST)
        )
        page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
        account = signed_in_account(request)
        context["posts"] = stream_services.mark(page.object_list, account)
        context["page_obj"] = page
        context["account"] = account
        return context


class StreamPost(Page):
    """A consultant's short post. Its title is the post's heading."""

    author = models.ForeignKey(
        "cms.ConsultantPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stream_posts",
        help_text="The consultant posting (their page shows their latest posts).",
    )
    text = models.TextField(max_length=1000, help_text="A few lines, plain text.")
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    article = models.ForeignKey(
        "cms.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="An article this post points to, if any.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("author"),
        FieldPanel("text"),
        FieldPanel("image"),
        FieldPanel("article"),
    ]
    search_fields = Page.search_fields + [index.SearchField("text")]
    api_fields = [APIField("author"), APIField("text"), APIField("image")]
    parent_page_types = ["cms.StreamIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "stream post"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(engagement_context(self, request))
        return context


def engagement_context(page, request) -> dict:
    """For a post's or an article's own page: its counts, the signed-in client's
    like and save, and its approved comments with their replies."""
    counted = stream_pages.with_counts(type(page).objects.filter(pk=page.pk)).first()
    account = signed_in_account(request)
    marked = stream_services.mark([counted], account)[0] if counted else page
    return {
        "engaged": marked,
        "account": account,
        "comments": list(stream_services.approved_comments(page.pk)),
        "moderated": settings.STREAM_COMMENTS_MODERATED,
    }


def public_in_one_query(pages):
    """Wagtail's `.public()` without its query for every view restriction first:
    no page under a restricted page (one whose path starts its own), as a
    subquery of the same statement."""
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return pages.exclude(Exists(restricted))


def latest_posts_by(consultant_page, limit: int = 3) -> list:
    return list(
        stream_pages.with_counts(
            public_in_one_query(StreamPost.objects.live())
            .filter(author=consultant_page)
            .order_by(*NEWEST_FIRST)
        )[:limit]
    )


def _engageable(page_id: int):
    article_page = apps.get_model("cms", "ArticlePage")  # cms.models imports this
    for model in (StreamPost, article_page):
        page = model.objects.live().public().filter(pk=page_id).first()
        if page is not None:
            return page
    return None


def _posts():
    return (
        StreamPost.objects.live()
        .public()
        .select_related("author", "image", "article")
        .order_by(*NEWEST_FIRST)
    )


def _consultant_of(page):
    author = getattr(page, "author", None)
    return author.consultant if author is not None else None


PAGE_SOURCE = stream_pages.PageSource(
    engageable=_engageable, posts=_posts, consultant_of=_consultant_of
)
