"""Keep cached navigation in step with the page tree."""

from django.core.cache import cache
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.templatetags.navigation import nav_cache_key


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
def forget_navigation(**kwargs):
    cache.delete_many(
        [nav_cache_key(pk) for pk in Site.objects.values_list("pk", flat=True)]
    )
