"""Filters of the API's lists: `?status=&consultant=&service=&date_from=&date_to=`
for bookings (dates of the session's start, UTC), `?consultant=&category=
&price_min=&price_max=` for services, `?category=` for consultants; `?search=` of
at most 100 characters. A value the filter cannot read is a 400 naming it."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters

from booking.core.models import Booking, Consultant, Service, ServiceCategory
from booking.core.states import BookingStatus


class BookingFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=BookingStatus.choices, help_text="Repeat for several states."
    )
    consultant = django_filters.ModelChoiceFilter(
        queryset=Consultant.objects.all(), help_text="A consultant's id."
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", help_text="A slug."
    )
    date_from = django_filters.DateFilter(
        field_name="start", lookup_expr="date__gte", help_text="First session day."
    )
    date_to = django_filters.DateFilter(
        field_name="start", lookup_expr="date__lte", help_text="Last session day."
    )

    class Meta:
        model = Booking
        fields = []


class PriceRangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "price_max must not be below price_min.")
        return data


class ServiceFilter(django_filters.FilterSet):
    consultant = django_filters.ModelChoiceFilter(
        queryset=Consultant.objects.all(),
        field_name="consultants",
        help_text="Only services this consultant offers (their id).",
    )
    category = django_filters.ModelChoiceFilter(
        queryset=ServiceCategory.objects.all(),
        to_field_name="slug",
        help_text="A category's slug (see /api/v1/categories/).",
    )
    price_min = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="gte",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text="Lowest price, in the service's own currency.",
    )
    price_max = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="lte",
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text="Highest price, in the service's own currency.",
    )

    class Meta:
        model = Service
        fields = []
        form = PriceRangeForm


@extend_schema_field(OpenApiTypes.STR)
class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice by slug through a filter method, which the schema cannot guess."""


class ConsultantFilter(django_filters.FilterSet):
    category = SlugChoiceFilter(
        queryset=ServiceCategory.objects.all(),
        to_field_name="slug",
        method="offering_category",
        help_text="Only consultants offering a service of this category (its slug).",
    )

    class Meta:
        model = Consultant
        fields = []

    def offering_category(self, queryset, name, value):
        return queryset.filter(
            services__category=value, services__is_active=True
        ).distinct()


class SearchFilter(filters.SearchFilter):
    """DRF's search, for at most MAX_SEARCH characters: SQLite refuses a LIKE
    pattern past 50,000 bytes ("pattern too complex", a 500), and no name, title,
    email or reference comes near the limit."""

    MAX_SEARCH = 100

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if len(value) > self.MAX_SEARCH:
            raise exceptions.ValidationError(
                {
                    self.search_param: [
                        f"Search for at most {self.MAX_SEARCH} characters."
                    ]
                }
            )
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = self.MAX_SEARCH
        return parameters
