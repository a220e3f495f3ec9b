"""Bookings in the Wagtail admin (DESIGN §7): the viewset, an inspect view with every
detail, the booking's emails and payments, and its history from the audit log;
the list is in `booking.admin.booking_list`, the actions in `booking.admin.actions`.

Nothing here edits a booking: there is no edit, copy or delete view, and the
status only changes through the transition view, which calls the services."""

from zoneinfo import ZoneInfo

from django.contrib.admin.utils import quote
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import ActionColumn, HistoryView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button, HeaderButton
from wagtail.permissions import policy_registry, register_permission_policy

from booking.admin import outbox
from booking.admin.actions import TransitionView, action_buttons
from booking.admin.attendance import attendance_url
from booking.admin.booking_list import (
    BookingFilterSet,
    BookingIndexView,
    money,
    payment_state,
)
from booking.admin.client_account import client_account_url, may_see_client_accounts
from booking.admin.permissions import (
    ANY_ACTION,
    booking_policy,
    can_see_intake_notes,
    own_consultant,
    visible_bookings,
)
from booking.admin.phone_booking import CreateBookingView
from booking.admin.zones import admin_zone, format_admin_range, format_admin_time
from booking.core.models import Booking
from booking.core.states import Attendance, BookingStatus
from booking.lifecycle import attendance
from booking.notifications.models import OutboxEmail
from booking.participants import party
from booking.privacy.audit import record_access
from booking.video import access, rooms

# Wagtail asks the registry which policy governs bookings; registering before any
# view is built keeps its model-only fallback from being made instead.
register_permission_policy(Booking, booking_policy)


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
        if may_see_client_accounts(self.request.user):
            buttons.append(
                Button(
                    "Client account",
                    url=client_account_url(self.object),
                    icon_name="user",
                    priority=92,
                )
            )
        if self.may_view_emails:
            buttons.append(
                Button(
                    "Emails",
                    url=outbox.emails_url(self.object),
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
        request = self.request
        context = super().get_context_data(**kwargs)
        labels = dict(Attendance.choices)
        context.update(
            booking=booking,
            # The user's own time first, then the consultant's and the client's.
            zone_name=admin_zone(request).key,
            your_time=format_admin_range(booking.start, booking.end, request),
            consultant_time=format_admin_range(
                booking.start, booking.end, request, zone=booking.consultant.zone
            ),
            client_time=format_admin_range(
                booking.start,
                booking.end,
                request,
                zone=ZoneInfo(booking.client_time_zone),
            ),
            payment=payment_state(booking),
            amount=money(booking.amount, booking.currency),
            amount_paid=money(booking.amount_paid, booking.currency),
            payments=booking.payments.select_related("recorded_by").order_by(
                "created_at", "pk"
            ),
            refunds=booking.refunds.select_related("payment").order_by(
                "created_at", "pk"
            ),
            emails=booking.emails.order_by("created_at", "pk"),
            emails_url=self.may_view_emails and outbox.emails_url(booking),
            history_url=self.history_url,
            timeline=[
                (label, format_admin_time(moment, request))
                for label, moment in _timeline(booking)
            ],
            show_intake=can_see_intake_notes(self.request.user, booking),
            video=_video(booking, request.user),
            video_joins=[
                (format_admin_time(entry.timestamp, request), who, how)
                for entry, who, how in _video_joins(booking)
            ],
            party=[
                (name, labels.get(mark, "Not marked"))
                for _, name, mark in party.people(booking)
            ],
            attendance_url=attendance.can_mark(booking, request.user)
            and attendance_url(booking),
        )
        return context


def _video_joins(booking: Booking) -> list[tuple]:
    """Who joined the session's video, from the access log: (entry, who, how)."""
    prefix = access.log_target(booking) + " "
    return [
        (entry, entry.username or "—", entry.target.removeprefix(prefix))
        for entry in access.joins_of(booking)[:50]
    ]


def _video(booking: Booking, user) -> dict | None:
    """The LiveKit room, for a confirmed online session: the join page for the
    session's own consultant; who may join, for everyone else."""
    if booking.status != BookingStatus.CONFIRMED or not rooms.uses_livekit(booking):
        return None
    mine = getattr(own_consultant(user), "pk", None) == booking.consultant_id
    return {
        "join_url": reverse("booking:video_join", args=[booking.reference])
        if mine
        else ""
    }


def _timeline(booking: Booking) -> list[tuple[str, object]]:
    moments = [
        ("Created", booking.created_at),
        ("Email verified", booking.verified_at),
        ("Approved", booking.approved_at),
        ("Rejected", booking.rejected_at),
        ("Payment started", booking.payment_started_at),
        ("Confirmed", booking.confirmed_at),
        ("Completed", booking.completed_at),
        ("No-show", booking.no_show_at),
        ("Cancelled", booking.cancelled_at),
    ]
    return [(label, moment) for label, moment in moments if moment]


class ReasonColumn(ActionColumn):
    """Wagtail shows a log entry's comment only for models with revisions; a
    booking's comment is the reason given (rejecting, cancelling, moving)."""

    cell_template_name = "wagtailadmin/generic/history/action_cell.html"


class ChangesPaginator(WagtailPaginator):
    verbose_name = "change"
    verbose_name_plural = "changes"


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

    # "4 changes", not Wagtail's "4 model log entries".
    verbose_name_plural = "changes"
    paginator_class = ChangesPaginator

    def get_page_subtitle(self):
        return f"Booking {self.object.reference}"

    def get_edit_url(self, instance):
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                "Booking", url=self.get_edit_url(self.object), icon_name="info-circle"
            )
        ]


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
