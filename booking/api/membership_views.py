"""Membership plans open to new members (issue 22): what the public /memberships/
page lists, for a separate frontend. Joining is the web page's (it needs a
signed-in client and Stripe Checkout)."""

from rest_framework import generics, serializers

from booking.api.base import Pagination, PublicView
from booking.products.membership_models import MembershipPlan
from booking.products.memberships import on_sale


class MembershipPlanSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = MembershipPlan
        fields = [
            "id",
            "name",
            "description",
            "interval",
            "price",
            "currency",
            "services",
            "sessions_per_period",
            "credit_per_period",
            "unused",
        ]


class MembershipPlanList(PublicView, generics.ListAPIView):
    """Active plans: the price each month or year, the sessions each period
    grants (of the services listed by slug), and whether unused ones expire at
    the period's end or roll over."""

    serializer_class = MembershipPlanSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return on_sale()
