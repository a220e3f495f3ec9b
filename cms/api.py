"""Wagtail's content API (v2) at /api/v2/: published, public pages (consultant
profiles, articles, …) and images, for a separate frontend to render. Each page
type's `api_fields` says what it exposes beyond title and meta."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("images", ImagesAPIViewSet)
