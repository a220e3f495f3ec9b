from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from wagtail.models import Page


def search(request):
    """Site search over published pages, ten results a page."""
    query = request.GET.get("q", "")[:100].strip()
    results = Page.objects.live().public().specific().search(query) if query else []
    page = Paginator(results, 10).get_page(request.GET.get("page"))
    return TemplateResponse(
        request, "cms/search.html", {"query": query, "results": page}
    )
