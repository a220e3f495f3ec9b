"""Bookings in the Wagtail admin (DESIGN §7): a list with filters, search and
ordering, an inspect view with every detail, the booking's emails and payments,
its history from the audit log, and the actions of `booking.admin_views`.

Nothing here edits a booking: there is no edit, copy or delete view, and the
status only changes through the transition view, which calls the services.

The list never counts the whole table: `CappedPaginator` counts at most
`cap + 1` rows, so a page costs the same few queries with ten bookings or a
million."""

from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db import connection
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import ActionColumn, HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.permissions import policy_registry, register_permission_policy

from booking import (  # noqa: F401  (calendar, dashboard, exports: hooks)
    calendar_admin,
    dashboard,
    exports,
    outbox_admin,
)
from booking.admin_views import (
    ANY_ACTION,
    CreateBookingView,
    TransitionView,
    action_buttons,
    booking_policy,
    can_see_intake_notes,
    local_text,
    sees_everyone,
    visible_bookings,
)
from booking.audit import record_access
from booking.models import Booking, Consultant, OutboxEmail, Service
from booking.states import BookingStatus

S = BookingStatus

# Wagtail asks the registry which policy governs bookings; registering before any
# view is built keeps its model-only fallback from being made instead.
register_permission_policy(Booking, booking_policy)


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


def consultant_time(booking: Booking) -> str:
    return local_text(booking.start, booking.consultant.zone)


# --- the list ---------------------------------------------------------------------


class CappedPaginator(WagtailPaginator):
    """Counts at most `cap + 1` matching rows (`SELECT COUNT(*) FROM (SELECT … LIMIT
    cap + 1)`), never the whole table; past the cap the list says "more than". On
    PostgreSQL an unfiltered list that reaches the cap shows the planner's
    estimate of the table's size (`pg_class.reltuples`), which costs nothing."""

    cap = 10_000
    capped = False

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    @cached_property
    def items_count_label(self):
        if not (self.count and self.capped):
            return super().items_count_label
        if estimate := self.estimated_total():
            return f"About {estimate:,} {self.verbose_name_plural}"
        return f"More than {self.cap:,} {self.verbose_name_plural}"

    def estimated_total(self) -> int | None:
        query = self.object_list.query
        if connection.vendor != "postgresql" or query.where:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row and row[0] > self.cap else None


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
        )
        return [
            reference,
            Column("client", label="Client", accessor=_client, sort_key="client_name"),
            Column("consultant", label="Consultant", accessor="consultant.name"),
            Column("service", label="Service", accessor="service.title"),
            Column(
                "start",
                label="Starts (consultant's time)",
                accessor=consultant_time,
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
    # searched list; `booking.exports` writes it through the export resource,
    # or hands a large one to a background job.
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
            return exports.large_export_redirect(
                self.request, format=spreadsheet_format
            )
        record_access(
            user=self.request.user,
            action="exported",
            target=f"bookings list, {spreadsheet_format.upper()}",
            request=self.request,
        )
        if spreadsheet_format == self.FORMAT_CSV:
            return exports.csv_response(queryset)
        return exports.xlsx_response(queryset)


# --- one booking ------------------------------------------------------------------


class ScopedObjectMixin:
    """Fetch the booking through the user's scope: another consultant's booking is
    a 404, whatever URL is typed."""

    def get_object(self, queryset=None):
        return get_object_or_404(
            visible_bookings(self.request.user).select_related(
                "consultant", "service", "created_by"
            ),
            pk=self.kwargs["pk"],
        )


class BookingInspectView(ScopedObjectMixin, generic.InspectView):
    """The booking page. Its header offers the first actions as buttons and the
    rest, with History and Emails, in its "More" menu."""

    history_url_name = None
    page_title = "Booking"
    header_actions = 2

    def get_page_subtitle(self):
        return self.object.reference

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        record_access(
            user=request.user, action="viewed", target=self.object, request=request
        )
        return response

    @cached_property
    def actions(self) -> list:
        return sorted(action_buttons(self.object, self.request.user))

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                button.label,
                url=button.url,
                icon_name=button.icon_name,
                attrs=button.attrs,
                priority=button.priority,
            )
            for button in self.actions[: self.header_actions]
        ]

    @cached_property
    def header_more_buttons(self):
        buttons = [
            *self.actions[self.header_actions :],
            Button("History", url=self.history_url, icon_name="history", priority=90),
        ]
        if self.may_view_emails:
            buttons.append(
                Button(
                    "Emails",
                    url=outbox_admin.emails_url(self.object),
                    icon_name="mail",
                    priority=91,
                )
            )
        return buttons

    @cached_property
    def history_url(self) -> str:
        return reverse(self.history_url_name, args=(quote(self.object.pk),))

    @cached_property
    def may_view_emails(self) -> bool:
        return policy_registry.get_by_type(OutboxEmail).user_has_any_permission(
            self.request.user, ["view", "change"]
        )

    def get_context_data(self, **kwargs):
        booking = self.object
        client_zone = booking.client_time_zone
        context = super().get_context_data(**kwargs)
        context.update(
            booking=booking,
            consultant_start=local_text(booking.start, booking.consultant.zone),
            consultant_end=local_text(booking.end, booking.consultant.zone),
            client_start=local_text(booking.start, ZoneInfo(client_zone)),
            payment=payment_state(booking),
            amount=money(booking.amount, booking.currency),
            amount_paid=money(booking.amount_paid, booking.currency),
            payments=booking.payments.select_related("recorded_by").order_by(
                "created_at", "pk"
            ),
            refunds=booking.refunds.order_by("created_at", "pk"),
            emails=booking.emails.order_by("created_at", "pk"),
            emails_url=self.may_view_emails and outbox_admin.emails_url(booking),
            history_url=self.history_url,
            timeline=_timeline(booking),
            show_intake=can_see_intake_notes(self.request.user, booking),
        )
        return context


def _timeline(booking: Booking) -> list[tuple[str, object]]:
    moments = [
        ("Created", booking.created_at),
        ("Email verified", booking.verified_at),
        ("Approved", booking.approved_at),
        ("Rejected", booking.rejected_at),
        ("Payment started", booking.payment_started_at),
        ("Confirmed", booking.confirmed_at),
        ("Completed", booking.completed_at),
        ("Cancelled", booking.cancelled_at),
    ]
    return [(label, moment) for label, moment in moments if moment]


class ReasonColumn(ActionColumn):
    """Wagtail shows a log entry's comment only for models with revisions; a
    booking's comment is the reason given (rejecting, cancelling, moving)."""

    cell_template_name = "wagtailadmin/generic/history/action_cell.html"


class BookingHistoryView(ScopedObjectMixin, HistoryView):
    """The booking's audit log. Whoever may see the booking sees its history."""

    any_permission_required = list(ANY_ACTION)
    inspect_url_name = None

    @cached_property
    def columns(self):
        action, *others = HistoryView.columns.func(self)
        reason = ReasonColumn(
            "message",
            label=action.label,
            object=self.object,
            url_names={},
            user_can_unschedule=False,
        )
        return [reason, *others]

    def get_edit_url(self, instance):
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                "Booking", url=self.get_edit_url(self.object), icon_name="info-circle"
            )
        ]


# --- the viewset ------------------------------------------------------------------


class BookingViewSet(ModelViewSet):
    model = Booking
    name = "bookings"
    icon = "calendar-alt"
    menu_label = "Bookings"
    menu_order = 200
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    template_prefix = "booking/admin/bookings/"
    index_view_class = BookingIndexView
    inspect_view_class = BookingInspectView
    history_view_class = BookingHistoryView
    filterset_class = BookingFilterSet
    search_fields = ["reference", "client_name", "client_email"]
    search_backend_name = None
    ordering = "-start"
    list_per_page = 25

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "edit_url_name": None,
                "delete_url_name": None,
                "usage_url_name": None,
                "inspect_url_name": self.get_url_name("inspect"),
                "history_url_name": self.get_url_name("history"),
                **kwargs,
            }
        )

    @property
    def add_view(self):
        return self.construct_view(CreateBookingView)

    @property
    def transition_view(self):
        return self.construct_view(TransitionView)

    def get_urlpatterns(self):
        pk = f"<{self.pk_path_converter}:pk>"
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path(f"inspect/{pk}/", self.inspect_view, name="inspect"),
            path(f"history/{pk}/", self.history_view, name="history"),
            path(
                f"history-results/{pk}/",
                self.history_results_view,
                name="history_results",
            ),
            path(f"{pk}/<slug:action>/", self.transition_view, name="transition"),
        ]

    @property
    def url_finder_class(self):
        finder = super().url_finder_class
        finder.edit_url_name = self.get_url_name("inspect")
        return finder


booking_viewset = BookingViewSet()


@hooks.register("register_admin_viewset")
def register_booking_viewset():
    return booking_viewset


@hooks.register("insert_global_admin_css")
def booking_admin_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("booking/admin/booking-admin.css")
    )
