"""Wagtail admin for payments (DESIGN §5, §7): read-only lists of payments,
refunds and payouts (filter "Needs attention" for payments refunded
automatically; "Mark paid" on payouts not paid yet; "To pay by hand" above the
payouts), the routes of the earnings pages (`booking.admin.earnings`), and the
audit-log action payments write. Registers its own hooks; `booking.wagtail_hooks`
imports it."""

import django_filters
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import Button
from wagtail.log_actions import LogFormatter

from booking.admin import earnings as earnings_pages
from booking.admin.booking_list import ReferenceColumn, YesNoColumn
from booking.admin.buttons import post_button
from booking.admin.readonly import ReadOnlyViewSet
from booking.core.errors import BookingError, NotPermitted
from booking.core.models import Consultant
from booking.payments import earnings as ledger
from booking.payments import payouts
from booking.payments.models import Payment, Payout, Refund


class PaymentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices)
    provider = django_filters.ChoiceFilter(choices=Payment.Provider.choices)
    needs_attention = django_filters.BooleanFilter(label="Needs attention")
    booking = django_filters.CharFilter(
        field_name="booking__reference", lookup_expr="iexact", label="Booking"
    )

    class Meta:
        model = Payment
        fields = []


class PaymentViewSet(ReadOnlyViewSet):
    model = Payment
    name = "payments"
    url_prefix = "payments"
    icon = "tag"
    menu_label = "Payments"
    list_display = [
        ReferenceColumn(
            "booking",
            label="Booking",
            accessor="booking.reference",
            get_url=lambda payment: reverse("payments:inspect", args=[payment.pk]),
        ),
        "provider",
        "status",
        "amount",
        "currency",
        "paid_amount",
        "refunded_amount",
        YesNoColumn("needs_attention", label="Needs attention"),
        "created_at",
        "paid_at",
    ]
    filterset_class = PaymentFilterSet
    search_fields = [
        "booking__reference",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "reference",
    ]
    inspect_view_fields = [
        "booking",
        "provider",
        "status",
        "attempt",
        "amount",
        "currency",
        "paid_amount",
        "refunded_amount",
        "stripe_checkout_session_id",
        "stripe_payment_intent_id",
        "method",
        "reference",
        "recorded_by",
        "needs_attention",
        "note",
        "created_at",
        "paid_at",
    ]

    def get_queryset(self, request):
        return Payment.objects.select_related("booking")


class RefundViewSet(ReadOnlyViewSet):
    model = Refund
    name = "refunds"
    url_prefix = "refunds"
    icon = "undo"
    menu_label = "Refunds"
    list_display = [
        ReferenceColumn(
            "booking",
            label="Booking",
            accessor="booking.reference",
            get_url=lambda refund: (
                refund.payment_id
                and reverse("payments:inspect", args=[refund.payment_id])
            ),
        ),
        "amount",
        "currency",
        "status",
        "reason",
        "attempts",
        "last_error",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["booking__reference", "stripe_refund_id"]

    def get_queryset(self, request):
        return Refund.objects.select_related("booking")


class PaymentRefundedFormatter(LogFormatter):
    label = "Payment refunded automatically"
    message = "A payment arrived after the booking could no longer be confirmed"

    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


@hooks.register("register_log_actions")
def register_payment_log_actions(actions):
    actions.register_action("booking.payment_refunded")(PaymentRefundedFormatter)


# --- payouts ---------------------------------------------------------------------


class PayoutIndexView(generic.IndexView):
    """Payouts, with "Mark paid" on those not paid yet, and above them the
    balances the weekly run will not pay ("To pay by hand")."""

    template_name = "booking/admin/payments/payout_index.html"

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        user = self.request.user
        if instance.status != Payout.Status.PAID and user.has_perm(
            "booking.mark_payout_paid"
        ):
            buttons.append(
                post_button(
                    "Mark paid",
                    _mark_paid_url(instance),
                    icon_name="success",
                    priority=15,
                )
            )
        buttons.append(
            Button(
                "Statement",
                url=reverse(
                    "booking_consultant_statement", args=[instance.consultant_id]
                ),
                icon_name="list-ul",
                priority=20,
            )
        )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["to_pay_by_hand"] = payouts.to_pay_by_hand()
        context["may_mark_paid"] = self.request.user.has_perm(
            "booking.mark_payout_paid"
        )
        context["pay_by_hand_url"] = reverse("booking_payout_pay_by_hand")
        return context


class PayoutViewSet(ReadOnlyViewSet):
    model = Payout
    name = "payouts"
    url_prefix = "payouts"
    icon = "success"
    menu_label = "Payouts"
    index_view_class = PayoutIndexView
    list_display = [
        "consultant",
        "amount",
        "currency",
        "status",
        "automatic",
        "requested_at",
        "paid_at",
        "stripe_transfer_id",
        "last_error",
    ]
    list_filter = ["status", "automatic", "consultant"]

    def get_queryset(self, request):
        return Payout.objects.select_related("consultant")

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="booking",
            codename__in=["view_payout", "mark_payout_paid"],
        )


def _statement_url(consultant_id: int) -> str:
    return reverse("booking_consultant_statement", args=[consultant_id])


def _mark_paid_url(payout: Payout) -> str:
    return reverse("booking_payout_mark_paid", args=[payout.pk])


@require_POST
def mark_payout_paid_view(request, pk):
    payout = get_object_or_404(Payout, pk=pk)
    try:
        payout = ledger.mark_payout_paid(payout=payout, actor=request.user)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{payout} is marked paid.")
    return redirect("payouts:index")


# --- to pay by hand ------------------------------------------------------------------


@require_POST
def pay_by_hand_view(request):
    """A booking admin has paid a consultant's available balance outside Stripe."""
    consultant = Consultant.objects.filter(
        pk=_int(request.POST.get("consultant"))
    ).first()
    currency = request.POST.get("currency", "")[:3]
    if consultant is None or not currency:
        messages.error(request, "Choose a consultant and a currency to mark paid.")
        return redirect("payouts:index")
    try:
        payout = payouts.pay_by_hand(
            consultant=consultant, currency=currency, actor=request.user
        )
    except NotPermitted as error:
        raise PermissionDenied(error.message) from error
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{payout} is marked paid.")
    return redirect("payouts:index")


def _int(value) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


class EarningsMenuItem(MenuItem):
    def is_shown(self, request):
        return hasattr(request.user, "consultant")


@hooks.register("register_admin_urls")
def payments_urls():
    return [
        path("earnings/", earnings_pages.earnings_view, name="booking_earnings"),
        path("earnings/connect/", earnings_pages.connect_view, name="booking_connect"),
        path(
            "earnings/statement.csv",
            earnings_pages.own_statement_csv,
            name="booking_earnings_csv",
        ),
        path(
            "earnings/consultants/<int:consultant_id>/",
            earnings_pages.consultant_statement_view,
            name="booking_consultant_statement",
        ),
        path(
            "earnings/consultants/<int:consultant_id>/statement.csv",
            earnings_pages.consultant_statement_csv,
            name="booking_consultant_statement_csv",
        ),
        path(
            "payouts/pay-by-hand/", pay_by_hand_view, name="booking_payout_pay_by_hand"
        ),
        path(
            "payouts/<int:pk>/mark-paid/",
            mark_payout_paid_view,
            name="booking_payout_mark_paid",
        ),
    ]


@hooks.register("register_admin_menu_item")
def earnings_menu_item():
    return EarningsMenuItem(
        "My earnings", reverse("booking_earnings"), icon_name="tag", order=296
    )


class PaymentsGroup(ViewSetGroup):
    menu_label = "Payments"
    menu_icon = "tag"
    menu_order = 250
    items = (PaymentViewSet, RefundViewSet, PayoutViewSet)


@hooks.register("register_admin_viewset")
def register_payments():
    return PaymentsGroup()
