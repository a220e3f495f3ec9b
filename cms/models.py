"""Haven's public content: the home page, consultant profiles, wellness articles and
plain pages, with strict parent/child rules (bakerydemo's pattern)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.validators import MaxValueValidator
from django.db import models
from django.http import HttpResponse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from booking.core.models import Consultant, Service, ServiceCategory
from booking.core.practice import NO_SHOW_FEES, PracticePolicy
from booking.lifecycle import selectors
from booking.products.selectors import on_sale
from booking.scheduling.soonest import soonest_slots
from cms import routing
from cms.blocks import BodyBlock
from cms.listing import with_card_facts

WORDS_PER_MINUTE = 200


class HomePage(Page):
    """The practice's front door: a calm hero, a few consultants, recent articles."""

    hero_title = models.CharField(max_length=120)
    hero_text = models.TextField(max_length=500, blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("hero_title"),
        FieldPanel("hero_text"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("hero_text"),
        index.SearchField("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.ConsultantIndexPage",
        "cms.ArticleIndexPage",
        "cms.StandardPage",
        "cms.StreamIndexPage",
    ]
    max_count = 1

    def route(self, request, path_components):
        # A consultant's page in one query instead of four (cms/routing.py).
        page = routing.page_at(self, path_components, ConsultantPage)
        if page is not None:
            return page.route(request, [])
        return super().route(request, path_components)

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["featured_consultants"] = with_card_facts(featured_consultant_pages())
        # The hero's "Book a session" leads to the consultants: service first,
        # then a time, on a consultant's page.
        context["consultant_index"] = (
            ConsultantIndexPage.objects.live().public().child_of(self).first()
        )
        context["latest_articles"] = (
            ArticlePage.objects.live()
            .public()
            .select_related("hero_image")
            .order_by("-date", "-pk")[:3]
        )
        return context


def featured_consultant_pages(limit: int = 3) -> list:
    """The home page's consultants: the pages of consultants marked featured (and
    verified) in Practice → Consultants, in tree order; when none is featured, the
    first pages in tree order, as before."""
    pages = (
        ConsultantPage.objects.live()
        .public()
        .select_related("photo", "consultant")
        .order_by("path")
    )
    featured = pages.filter(
        consultant__featured=True,
        consultant__status=Consultant.Status.VERIFIED,
    )
    return list(featured[:limit]) or list(pages[:limit])


class ConsultantIndexPage(Page):
    """All consultants, filterable by specialisation, the category and mode of the
    sessions they offer, language and search."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ConsultantPage"]
    max_count = 1

    class Meta:
        verbose_name = "consultant index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        filters = ConsultantFilters.from_request(request)
        context["filters"] = filters
        context["consultants"] = with_card_facts(
            filters.apply(ConsultantPage.objects.live().public().child_of(self))
        )
        context["specialisations"] = ConsultantSpecialisation.tags_in_use()
        context["modes"] = [
            (value, label)
            for value, label in Service.Mode.choices
            if value != Service.Mode.BOTH
        ]
        context["categories"] = ServiceCategory.objects.filter(
            services__is_active=True
        ).distinct()
        return context


class ConsultantFilters:
    """The listing's query-string filters, read once and applied to a queryset."""

    def __init__(
        self,
        *,
        specialisation="",
        mode="",
        category="",
        price_max="",
        language="",
        query="",
    ):
        self.specialisation = specialisation
        modes = (Service.Mode.ONLINE, Service.Mode.IN_PERSON)
        self.mode = mode if mode in modes else ""
        self.category = category
        self.price_max = _price_or_none(price_max)
        self.language = language
        self.query = query

    @classmethod
    def from_request(cls, request):
        get = request.GET
        return cls(
            specialisation=get.get("specialisation", "")[:60],
            mode=get.get("mode", ""),
            category=get.get("category", "")[:80].strip(),
            price_max=get.get("price_max", "")[:12].strip(),
            language=get.get("language", "")[:40].strip(),
            query=get.get("q", "")[:100].strip(),
        )

    @property
    def active(self) -> bool:
        return any(
            (self.specialisation, self.mode, self.category, self.language, self.query)
        ) or (self.price_max is not None)

    def apply(self, pages):
        """The filters are an ordinary query; the search runs over its pages only.
        Wagtail's search can filter on a page's own indexed fields, not across
        relations (tags, a consultant's services), so searching the filtered
        queryset itself failed (FilterFieldError) for search plus any filter."""
        if self.specialisation:
            pages = pages.filter(specialisations__slug=self.specialisation)
        # One filter() for the service conditions: the same active service must
        # have the mode (a service held online or in person counts for either),
        # the category and the price asked for.
        offered = {
            "consultant__services__mode__in": (
                [self.mode, Service.Mode.BOTH] if self.mode else None
            ),
            "consultant__services__category__slug": self.category,
            "consultant__services__price__lte": self.price_max,
        }
        offered = {k: value for k, value in offered.items() if value not in ("", None)}
        if offered:
            pages = pages.filter(consultant__services__is_active=True, **offered)
        if self.language:
            pages = pages.filter(languages__icontains=self.language)
        if self.query:
            pages = pages.model.objects.filter(pk__in=pages.values("pk"))
        pages = pages.select_related("photo", "consultant").distinct()
        pages = pages.order_by("title")
        if self.query:
            return pages.search(self.query, order_by_relevance=False)
        return pages


def _price_or_none(text: str) -> Decimal | None:
    """A price someone typed, or None for an empty or unreadable one (the
    listing ignores a filter it cannot read, as it does an unknown mode)."""
    try:
        price = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() and 0 <= price < 10**8 else None


class ConsultantSpecialisation(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ConsultantPage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    @classmethod
    def tags_in_use(cls):
        return Tag.objects.filter(
            cms_consultantspecialisation_items__isnull=False
        ).distinct()


class ConsultantPage(Page):
    """A consultant's public profile. `consultant` is the bookable person in the
    booking domain; the page adds what clients read before choosing."""

    def get_view_restrictions(self):
        return routing.view_restrictions(self)  # one query, not two

    consultant = models.ForeignKey(
        Consultant,
        on_delete=models.PROTECT,
        related_name="profile_pages",
        help_text="The bookable consultant this profile belongs to.",
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(max_length=120, help_text="e.g. Counsellor, MBACP")
    summary = models.TextField(max_length=300, help_text="Two lines for listings.")
    bio = RichTextField(features=["bold", "italic", "link", "ul", "ol", "h3"])
    qualifications = models.TextField(
        blank=True, help_text="One qualification or membership per line."
    )
    languages = models.CharField(
        max_length=200,
        default="English",
        help_text="Comma-separated, e.g. English, German",
    )
    specialisations = ClusterTaggableManager(
        through=ConsultantSpecialisation, blank=True
    )

    content_panels = Page.content_panels + [
        FieldPanel("consultant"),
        MultiFieldPanel(
            [FieldPanel("role"), FieldPanel("photo"), FieldPanel("summary")],
            heading="Listing",
        ),
        FieldPanel("bio"),
        FieldPanel("qualifications"),
        FieldPanel("languages"),
        FieldPanel("specialisations"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("bio"),
        index.SearchField("role"),
        index.FilterField("languages"),
    ]
    # Wagtail's content API (/api/v2/); `consultant_id` is what /api/v1/ books.
    api_fields = [
        APIField("consultant_id"),
        APIField("role"),
        APIField("photo"),
        APIField("summary"),
        APIField("bio"),
        APIField("qualifications"),
        APIField("languages"),
        APIField("specialisations"),
    ]
    parent_page_types = ["cms.ConsultantIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "consultant page"

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    @property
    def qualification_list(self) -> list[str]:
        return [
            line.strip() for line in self.qualifications.splitlines() if line.strip()
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        self.consultant, services = selectors.offer_of(self.consultant_id)
        taking_bookings = self.consultant.is_active
        offers = self.service_offers(services) if taking_bookings else []
        context["services"] = services
        # (service, its soonest free start or None) for the service cards.
        cards = offers or [None] * len(services)
        context["service_cards"] = list(zip(services, cards, strict=True))
        context["taking_bookings"] = taking_bookings
        context["next_slots"] = sorted(
            (
                (offer.service, offer.slots[0])
                for offer in offers
                if offer.slots and not offer.service.is_group
            ),
            key=lambda pair: pair[1].start,
        )
        context["reviews"] = selectors.published_reviews(self.consultant_id)
        context["packages"] = on_sale(services=services) if taking_bookings else []
        context["stream_posts"] = latest_posts_by(self)
        return context

    def service_offers(self, services):
        """Each service with its soonest free start (for its card's next free day,
        and for "Next free times", where each time names its service), in the
        services' order. Two queries for all of them (four when one is booked up
        for a week)."""
        soonest = soonest_slots([(self.consultant, service) for service in services])
        return [soonest[self.consultant.pk, service.pk] for service in services]


class ArticleIndexPage(RoutablePageMixin, Page):
    """Wellness articles, newest first, filterable by tag, with an RSS feed."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]
    max_count = 1

    class Meta:
        verbose_name = "article index page"

    def articles(self):
        return (
            ArticlePage.objects.live()
            .public()
            .child_of(self)
            .select_related("hero_image", "author")
            .order_by("-date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = self.articles()
        tag = request.GET.get("tag", "")[:60]
        if tag:
            articles = articles.filter(tags__slug=tag)
        context["articles"] = articles
        context["tag"] = tag
        return context

    @path("feed/", name="feed")
    def feed(self, request):
        feed = Rss201rev2Feed(
            title=f"{self.title} · Haven",
            link=self.full_url,
            description=strip_tags(self.intro) or "Wellness articles",
            language="en",
        )
        for article in self.articles()[:20]:
            feed.add_item(
                title=article.title,
                link=article.full_url,
                description=article.intro,
                pubdate=article.first_published_at,
                unique_id=article.full_url,
            )
        response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
        feed.write(response, "utf-8")
        return response


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(Page):
    """A wellness article written by one of the practice's consultants."""

    date = models.DateField("published on", default=date.today)
    intro = models.TextField(max_length=400)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock())
    author = models.ForeignKey(
        ConsultantPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("author"), FieldPanel("tags")],
            heading="About this article",
        ),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    api_fields = [
        APIField("date"),
        APIField("author"),
        APIField("intro"),
        APIField("hero_image"),
        APIField("body"),
        APIField("tags"),
    ]
    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "article"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(engagement_context(self, request))
        return context

    @cached_property
    def reading_minutes(self) -> int:
        text = " ".join(
            strip_tags(str(block.render()))
            for block in self.body
            if block.block_type != "image"
        )
        words = len(re.findall(r"\w+", f"{self.intro} {text}"))
        return max(1, round(words / WORDS_PER_MINUTE))

    def related_articles(self, limit: int = 3):
        tag_ids = [tag.pk for tag in self.tags.all()]
        return (
            ArticlePage.objects.live()
            .public()
            .filter(tags__in=tag_ids)
            .exclude(pk=self.pk)
            .distinct()
            .order_by("-date")[:limit]
        )


class StandardPage(Page):
    """About, privacy policy, terms: a title and a body."""

    intro = models.TextField(max_length=400, blank=True)
    body = StreamField(BodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = "standard page"


@register_setting(icon="cog")
class PracticeSettings(BaseSiteSetting):
    """What the practice says about itself on every page and in emails."""

    # Every public page renders the footer's privacy link: fetch it with the row.
    select_related = ["privacy_policy_page", "logo"]

    practice_name = models.CharField(max_length=120, default="Haven")
    tagline = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    full_refund_until_hours = models.PositiveIntegerField(
        default=48,
        validators=[MaxValueValidator(24 * 60)],
        help_text="A client who cancels at least this many hours before the session "
        "gets a full refund (0: any time before it).",
    )
    late_refund_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="What a later cancellation refunds, in percent of what was paid.",
    )
    client_moves_need_approval = models.BooleanField(
        default=True,
        help_text="When a client moves an approved booking to another time, it goes "
        "back to the booking admins for approval. Untick to let clients move "
        "within the consultant's free times without it.",
    )
    no_show_fee = models.CharField(
        max_length=4,
        choices=NO_SHOW_FEES,
        default="full",
        help_text="When a consultant marks a paid session a no-show (the client did "
        "not come): keep the full fee, which the consultant earns as for a session "
        "held, or refund the client in full.",
    )
    cancellation_policy = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text="Anything else to say about cancelling (the refund terms above "
        "are shown to clients on their own).",
    )
    payment_instructions = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text="How to pay when online payment is not set up (offline mode).",
    )
    privacy_policy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("practice_name"), FieldPanel("tagline"), FieldPanel("logo")],
            heading="Identity",
        ),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("phone"), FieldPanel("address")],
            heading="Contact",
        ),
        MultiFieldPanel(
            [
                FieldPanel("full_refund_until_hours"),
                FieldPanel("late_refund_percent"),
                FieldPanel("cancellation_policy"),
                FieldPanel("client_moves_need_approval"),
                FieldPanel("no_show_fee"),
            ],
            heading="Cancelling and moving",
        ),
        FieldPanel("payment_instructions"),
        FieldPanel("privacy_policy_page"),
    ]

    class Meta:
        verbose_name = "practice settings"

    @property
    def policy(self) -> PracticePolicy:
        return PracticePolicy(
            full_refund_until_hours=self.full_refund_until_hours,
            late_refund_percent=self.late_refund_percent,
            payment_instructions=self.payment_instructions,
            client_moves_need_approval=self.client_moves_need_approval,
            no_show_fee=self.no_show_fee,
        )

    @property
    def cancellation_terms(self) -> str:
        return self.policy.cancellation_terms

    @property
    def no_show_terms(self) -> str:
        return self.policy.no_show_terms


def practice_policy() -> PracticePolicy | None:
    """The default site's practice policy (registered with `booking.core.practice`
    in `CmsConfig.ready`); None before the practice has saved its settings."""
    practice = PracticeSettings.objects.filter(site__is_default_site=True).first()
    return practice.policy if practice else None


def consultant_profile_page(consultant) -> "ConsultantPage | None":
    """The consultant's profile page, a live one first (registered with
    `booking.core.profiles` in `CmsConfig.ready`); None without one."""
    return (
        ConsultantPage.objects.filter(consultant=consultant)
        .order_by("-live", "pk")
        .first()
    )


def privacy_policy_revision():
    """The live revision of the privacy policy page named in the default site's
    practice settings: the version a client accepts when booking (registered
    with `booking.privacy.consent` in `CmsConfig.ready`). None without a live policy."""
    practice = (
        PracticeSettings.objects.filter(site__is_default_site=True)
        .select_related("privacy_policy_page__live_revision")
        .first()
    )
    page = practice.privacy_policy_page if practice else None
    return page.live_revision if page is not None and page.live else None


# The stream's pages (issue 25), kept in their own module.
from cms.streams import (  # noqa: E402, F401
    StreamIndexPage,
    StreamPost,
    engagement_context,
    latest_posts_by,
)
