"""Keep cached navigation and cached pages in step with what they show."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from schedule.models import Event
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from booking.core.models import Booking, Consultant, Service
from booking.reviews.models import Review
from cms.models import PracticeSettings
from cms.page_cache import new_generation
from cms.templatetags.navigation import nav_cache_key


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
def forget_navigation(**kwargs):
    cache.delete_many(
        [nav_cache_key(pk) for pk in Site.objects.values_list("pk", flat=True)]
    )
    new_generation()


# Pages show free slots (bookings, hours), services, reviews and practice settings.
SHOWN_ON_PAGES = (Booking, Review, Consultant, Service, Event, PracticeSettings)


def forget_pages(sender, created=False, **kwargs):
    # Wagtail creates a site's settings row, unchanged, while rendering a page.
    if not (sender is PracticeSettings and created):
        new_generation()


for model in SHOWN_ON_PAGES:
    post_save.connect(forget_pages, sender=model, dispatch_uid=f"pages:{model}")
    post_delete.connect(forget_pages, sender=model, dispatch_uid=f"pages-:{model}")
