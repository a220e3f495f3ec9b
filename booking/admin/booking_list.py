"""The bookings list: filters, search, ordering, its columns, and its CSV and XLSX
downloads (large ones become export jobs).

The list never counts the whole table: `CappedPaginator` counts at most
`cap + 1` rows, so a page costs the same few queries with ten bookings or a
million."""

import django_filters
from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.widgets import Button

from booking.admin.actions import action_buttons
from booking.admin.permissions import (
    intake_visible_to,
    sees_everyone,
    visible_bookings,
)
from booking.admin.zones import admin_zone, format_admin_time
from booking.core.models import Booking, Consultant, Service
from booking.core.pagination import CappedPaginator
from booking.core.states import BookingStatus
from booking.privacy.audit import record_access
from booking.spreadsheets import exports

S = BookingStatus


def money(amount, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def payment_state(booking: Booking) -> str:
    """What the list says about paying, from the booking's own fields."""
    if booking.amount == 0:
        return "Free"
    if booking.amount_paid >= booking.amount:
        return f"Paid {money(booking.amount_paid, booking.currency)}"
    if booking.amount_paid > 0:
        return (
            f"Part paid: {money(booking.amount_paid, booking.currency)} of "
            f"{money(booking.amount, booking.currency)}"
        )
    if booking.status == S.PAYMENT_PENDING:
        return f"Paying online: {money(booking.amount, booking.currency)}"
    return f"Unpaid: {money(booking.amount, booking.currency)}"


class BookingFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=S.choices, widget=forms.CheckboxSelectMultiple
    )
    consultant = django_filters.ModelMultipleChoiceFilter(
        queryset=Consultant.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    service = django_filters.ModelMultipleChoiceFilter(
        queryset=Service.objects.order_by("title"),
        widget=forms.CheckboxSelectMultiple,
    )
    start = django_filters.DateFromToRangeFilter(
        label="Session date", widget=DateRangePickerWidget
    )

    class Meta:
        model = Booking
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and not sees_everyone(request.user):
            del self.filters["consultant"]  # a consultant only has their own


class YesNoColumn(Column):
    """A yes-or-no field as a word, not Wagtail's "True" / "False"."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return "—" if value is None else "Yes" if value else "No"


class ReferenceColumn(Column):
    """A reference (a booking's, a payment's) that never wraps, linking to
    `get_url(instance)` where that gives a URL."""

    cell_template_name = "booking/admin/reference_cell.html"

    def __init__(self, name, *, get_url, **kwargs):
        super().__init__(name, classname="booking-ref", **kwargs)
        self.get_url = get_url

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["link_url"] = self.get_url(instance)
        return context


class StatusColumn(Column):
    """The status as a badge coloured by state."""

    cell_template_name = "booking/admin/bookings/status_cell.html"


def _client(booking: Booking):
    return format_html(
        "{}<br><small>{}</small>", booking.client_name, booking.client_email
    )


class BookingIndexView(generic.IndexView):
    paginator_class = CappedPaginator
    add_item_label = "New phone booking"

    @cached_property
    def columns(self):
        reference = self._get_title_column_class(TitleColumn)(
            "reference",
            label="Reference",
            get_url=self.get_inspect_url,
            sort_key="reference",
            classname="booking-ref",
        )
        return [
            reference,
            Column("client", label="Client", accessor=_client, sort_key="client_name"),
            Column("consultant", label="Consultant", accessor="consultant.name"),
            Column("service", label="Service", accessor="service.title"),
            Column(
                "start",
                label=f"Starts ({admin_zone(self.request).key})",
                accessor=lambda booking: format_admin_time(booking.start, self.request),
                sort_key="start",
            ),
            StatusColumn("status", label="Status", sort_key="status"),
            Column("payment", label="Payment", accessor=payment_state),
        ]

    def get_base_queryset(self):
        return visible_bookings(self.request.user).select_related(
            "consultant", "service"
        )

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *action_buttons(instance, self.request.user, back=self.back_url),
        ]

    @cached_property
    def back_url(self) -> str:
        """This list with its filters (also when only its results are fetched)."""
        params = self.request.GET.copy()
        params.pop("_w_filter_fragment", None)
        query = params.urlencode()
        return self.index_url + (f"?{query}" if query else "")

    # Wagtail's "Download CSV / XLSX" buttons export the scoped, filtered,
    # searched list; `booking.spreadsheets.exports` writes it through the export
    # resource, or hands a large one to a background job.
    show_export_buttons = True

    @cached_property
    def header_more_buttons(self):
        exports_url = reverse("booking_exports:index")
        return [
            *super().header_more_buttons,
            Button("My exports", url=exports_url, icon_name="download", priority=110),
        ]

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if exports.is_large(queryset):
            return large_export_redirect(self.request, format=spreadsheet_format)
        record_access(
            user=self.request.user,
            action="exported",
            target=f"bookings list, {spreadsheet_format.upper()}",
            request=self.request,
        )
        intake = intake_visible_to(self.request.user)
        if spreadsheet_format == self.FORMAT_CSV:
            return exports.csv_response(queryset, intake=intake)
        return exports.xlsx_response(queryset, intake=intake)


def large_export_redirect(request, *, format: str):
    """Called by the bookings list when an export is too large for one request."""
    params = request.GET.copy()
    params.pop("export", None)
    job = exports.start_export(
        owner=request.user, format=format, query=params.urlencode()
    )
    return redirect("booking_exports:job", job.pk)
