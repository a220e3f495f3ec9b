"""Memberships in the admin (issue 22): booking admins set up plans (what a
period costs, how many sessions of which services it grants, whether unused ones
expire or roll over) and see every client's memberships (search by address,
filter by plan or status; CSV or Excel export). The sessions a membership
granted are in Packages → Clients' packages and the sessions ledger like any
package's. Registers its own hooks; `booking.wagtail_hooks` imports it."""

from django import forms
from django.db.models import Count, Sum
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from booking.admin.readonly import ReadOnlyViewSet
from booking.products import memberships
from booking.products.membership_models import Membership, MembershipPlan


class SyncPackage:
    """After the plan and its services are saved, its hidden package follows."""

    def save_instance(self):
        plan = super().save_instance()
        memberships.sync_package(plan)
        return plan


class PlanCreateView(SyncPackage, generic.CreateView):
    pass


class PlanEditView(SyncPackage, generic.EditView):
    pass


class PlanForm(WagtailAdminModelForm):
    def clean(self):
        data = super().clean()
        if data.get("sessions_per_period") and not data.get("services"):
            self.add_error("services", "Choose the services its sessions pay for.")
        return data


class MembershipPlanViewSet(ModelViewSet):
    model = MembershipPlan
    name = "membership_plans"
    url_prefix = "practice/membership-plans"
    icon = "date"
    menu_label = "Plans"
    add_to_reference_index = False
    copy_view_enabled = False
    add_view_class = PlanCreateView
    edit_view_class = PlanEditView
    list_display = [
        "name",
        Column("interval", label="Billed", accessor="get_interval_display"),
        Column("price", label="Price"),
        Column("currency", label="Currency"),
        Column("grant_label", label="Each period"),
        Column("unused", label="Unused sessions", accessor="get_unused_display"),
        BooleanColumn("is_active", label="Active"),
    ]
    list_filter = ["is_active", "interval", "currency"]
    search_fields = ["name", "description"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("interval"),
            FieldPanel("price"),
            FieldPanel("currency"),
            FieldPanel("services", widget=forms.CheckboxSelectMultiple),
            FieldPanel("sessions_per_period"),
            FieldPanel("credit_per_period"),
            FieldPanel("unused", widget=forms.RadioSelect),
            FieldPanel("is_active"),
        ],
        base_form_class=PlanForm,
    )


class MembershipIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("plan")
            .annotate(periods_paid=Count("periods"), amount_paid=Sum("periods__amount"))
        )


class MembershipViewSet(ReadOnlyViewSet):
    model = Membership
    name = "memberships"
    url_prefix = "packages/memberships"
    icon = "user"
    menu_label = "Clients' memberships"
    index_view_class = MembershipIndexView
    list_display = [
        "client_email",
        "plan",
        "status",
        Column("current_period_end", label="Paid to"),
        BooleanColumn("cancel_at_period_end", label="Cancelled"),
        Column("periods_paid", label="Periods paid", sort_key="periods_paid"),
        "started_at",
        "ended_at",
    ]
    list_export = [
        "client_email",
        "plan",
        "status",
        "current_period_end",
        "cancel_at_period_end",
        "cancelled_at",
        "periods_paid",
        "amount_paid",
        "plan.currency",
        "started_at",
        "ended_at",
        "stripe_subscription_id",
    ]
    export_headings = {
        "periods_paid": "Periods paid",
        "amount_paid": "Amount paid",
        "plan.currency": "Currency",
    }
    export_filename = "memberships"
    list_filter = ["plan", "status", "cancel_at_period_end"]
    search_fields = ["client_email", "stripe_subscription_id"]
    search_backend_name = None
    inspect_view_fields = [
        "client_email",
        "plan",
        "status",
        "started_at",
        "current_period_end",
        "cancel_at_period_end",
        "cancelled_at",
        "ended_at",
        "stripe_subscription_id",
        "stripe_customer_id",
    ]


class MembershipsGroup(ViewSetGroup):
    menu_label = "Memberships"
    menu_icon = "date"
    menu_order = 258
    items = (MembershipPlanViewSet, MembershipViewSet)


@hooks.register("register_admin_viewset")
def register_memberships():
    return MembershipsGroup()
