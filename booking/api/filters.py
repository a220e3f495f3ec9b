"""Filters of the API's lists: `?status=&consultant=&service=&date_from=&date_to=`
for bookings (dates of the session's start, UTC), `?consultant=` for services;
`?search=` of at most 100 characters."""

import django_filters
from rest_framework import exceptions, filters

from booking.core.models import Booking, Consultant, Service
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


class ServiceFilter(django_filters.FilterSet):
    consultant = django_filters.ModelChoiceFilter(
        queryset=Consultant.objects.all(),
        field_name="consultants",
        help_text="Only services this consultant offers (their id).",
    )

    class Meta:
        model = Service
        fields = []


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
