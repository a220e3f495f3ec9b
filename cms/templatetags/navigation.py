from django import template
from django.core.cache import cache
from wagtail.models import Site

register = template.Library()


def nav_cache_key(site_id: int) -> str:
    return f"cms:main-nav:{site_id}"


@register.inclusion_tag("cms/tags/main_nav.html", takes_context=True)
def main_nav(context):
    """The home page's children that editors marked “Show in menus”. Cached per
    site until a page is published, unpublished, moved or deleted (cms.signals)."""
    request = context["request"]
    site = Site.find_for_request(request)
    items = []
    if site:
        key = nav_cache_key(site.pk)
        items = cache.get(key)
        if items is None:
            items = [
                {"title": page.title, "url": page.url, "path": page.path}
                for page in site.root_page.get_children().live().in_menu()
            ]
            cache.set(key, items, timeout=24 * 3600)
    current = getattr(context.get("page"), "path", "")
    return {"items": items, "current_path": current}
