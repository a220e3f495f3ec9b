"""What every API view shares: pagination and no caching of personal answers.
Control characters (NUL among them) never reach a view: the edge refuses them
for every request (`config.input_guard`)."""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from booking.api import throttles
from booking.api.parsers import JSONParser
from booking.core.pagination import CappedPaginator
from booking.core.states import BookingStatus

S = BookingStatus


MANAGE_HEADER = "X-Manage-Token"


MANAGE_TOKEN = OpenApiParameter(
    MANAGE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The token of the emailed manage link (the last part of "
    "/book/manage/<token>/).",
)


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class StaffPagination(Pagination):
    """Counts at most 10,000 bookings, as the admin list does."""

    django_paginator_class = CappedPaginator


class Personal:
    """Answers with personal data: never stored by a browser or proxy cache."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class PublicView(APIView):
    """Anyone may call it; no session or token is read, so a logged-in browser
    needs no CSRF token and gets no more than anyone else."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = [throttles.AnonThrottle]

    def get_throttles(self):
        """Each view's own limits, and always the limit of the caller's role."""
        return [*super().get_throttles(), throttles.RoleThrottle()]
