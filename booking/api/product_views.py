"""Packages on sale (issue 22): what the public /packages/ page lists, for a
separate frontend. Buying one is the web page's (it needs a signed-in client)."""

from rest_framework import generics, serializers

from booking.api.base import Pagination, PublicView
from booking.products.models import Package
from booking.products.selectors import on_sale


class PackageSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    session_share = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        read_only=True,
        help_text="price / sessions: what one session of the package costs.",
    )

    class Meta:
        model = Package
        fields = [
            "id",
            "name",
            "description",
            "services",
            "sessions",
            "price",
            "currency",
            "session_share",
            "validity_days",
        ]


class PackageList(PublicView, generics.ListAPIView):
    """Active packages: sessions, price, currency, validity and the services
    (by slug) a session of each may pay for."""

    serializer_class = PackageSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return on_sale()
