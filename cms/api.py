"""Wagtail's content API (v2) at /api/v2/: published, public pages (consultant
profiles, articles, …) and images, for a separate frontend to render. Each page
type's `api_fields` says what it exposes beyond title and meta.

Changes to Wagtail's endpoints: an offset past any site's size is refused
(Wagtail passed it to the database, where a 30-digit offset overflowed: bigint
out of range, a 500), so is a `find/?id=` that is no number, and errors carry
the code of Haven's one API error body (`booking.api.errors`) beside Wagtail's
message."""

from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet

from booking.api.errors import error_body

MAX_OFFSET = 1_000_000
ERROR_CODES = {400: "bad_request", 404: "not_found"}


class BoundedPagination(WagtailPagination):
    """Wagtail's offset and limit (at most WAGTAILAPI_LIMIT_MAX), with the offset
    bounded too."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            offset = int(request.GET.get("offset", 0))  # read as Wagtail reads it
        except ValueError:
            offset = 0  # not a number: Wagtail refuses it
        if offset > MAX_OFFSET:
            raise BadRequestError(f"offset cannot be higher than {MAX_OFFSET}")
        return super().paginate_queryset(queryset, request, view)


class HavenEndpoint:
    pagination_class = BoundedPagination

    def find_object(self, queryset, request):
        """`find/?id=` looks an object up by its id, which Wagtail passed to the
        query unread: an id that is no number was a ValueError (500)."""
        if "id" in request.GET:
            try:
                int(request.GET["id"])
            except ValueError:
                raise BadRequestError("id must be an integer") from None
        return super().find_object(queryset, request)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        data = response.data
        if isinstance(data, dict) and "code" not in data:
            response.data = error_body(
                ERROR_CODES.get(response.status_code, "error"),
                str(data.get("message", "")),
            )
        return response


class PagesEndpoint(HavenEndpoint, PagesAPIViewSet):
    pass


class ImagesEndpoint(HavenEndpoint, ImagesAPIViewSet):
    pass


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesEndpoint)
api_router.register_endpoint("images", ImagesEndpoint)
