"""Packages, bundles and credit on sale (issue 22): what the public /packages/
page lists, for a separate frontend (`kind` tells them apart). Buying one is the
web page's (it needs a signed-in client)."""

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
    single_total = serializers.SerializerMethodField(
        help_text="A bundle: its services at their single prices, in its currency."
    )
    saving = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="A bundle: single_total − price (null for other kinds).",
    )

    def get_single_total(self, package) -> str | None:
        if package.kind != Package.Kind.BUNDLE:
            return None
        return str(package.single_total)

    class Meta:
        model = Package
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "services",
            "sessions",
            "price",
            "currency",
            "session_share",
            "validity_days",
            "credit_amount",
            "single_total",
            "saving",
        ]


class PackageList(PublicView, generics.ListAPIView):
    """Active packages, bundles and credit products: sessions, price, currency,
    validity and the services (by slug) a session of each may pay for; a
    bundle's saving against its services' single prices; a credit product's
    credit amount."""

    serializer_class = PackageSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return on_sale()
