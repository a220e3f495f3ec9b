"""Packages in the admin (issue 22): booking admins set up packages (Practice
style), see every client's entitlements and ledger lines with their reasons
(filter by the client's address; export either list as CSV or Excel), grant
sessions as a promotion with a reason, record a package paid offline, and read
the liabilities report (sessions sold and unused, by expiry month and currency;
CSV too). Registers its own hooks; `booking.wagtail_hooks` imports it."""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ListingButton

from booking.admin import credits
from booking.admin.readonly import ReadOnlyViewSet
from booking.core.errors import BookingError, NotPermitted
from booking.products import ledger, purchases, reports
from booking.products.models import CreditLine, Entitlement, Package


class PackageIndexView(generic.IndexView):
    def get_base_queryset(self):
        # A membership plan's own package is set up on the plan (memberships.py).
        return super().get_base_queryset().filter(membership_plan__isnull=True)


class PackageViewSet(ModelViewSet):
    model = Package
    index_view_class = PackageIndexView
    name = "packages"
    url_prefix = "practice/packages"
    icon = "list-ul"
    menu_label = "Packages"
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = [
        "name",
        Column("sessions", label="Sessions"),
        Column("price", label="Price"),
        Column("currency", label="Currency"),
        Column("session_share", label="Per session"),
        Column("validity_days", label="Valid (days)"),
        BooleanColumn("is_active", label="Active"),
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "description"]
    search_backend_name = None
    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("services", widget=forms.CheckboxSelectMultiple),
        FieldPanel("sessions"),
        FieldPanel("price"),
        FieldPanel("currency"),
        FieldPanel("validity_days"),
        FieldPanel("is_active"),
    ]

    def get_queryset(self, request):
        # Bundles and credit have their own screens (`booking.admin.credits`).
        return Package.objects.filter(kind=Package.Kind.PACKAGE)


class EntitlementIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("package")
            .annotate(left=Sum("lines__sessions"))
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if (
            instance.purchase_id
            and (instance.left or 0) > 0
            and self.request.user.has_perm("booking.add_packagerefund")
        ):
            url = reverse("booking_package_refund", args=[instance.pk])
            buttons.append(
                ListingButton("Refund unused sessions", url, icon_name="redirect")
            )
        return buttons


class EntitlementViewSet(ReadOnlyViewSet):
    model = Entitlement
    name = "entitlements"
    url_prefix = "packages/entitlements"
    icon = "user"
    menu_label = "Clients' packages"
    index_view_class = EntitlementIndexView
    list_display = [
        "client_email",
        "package",
        Column("sessions_total", label="Sessions"),
        Column("left", label="Left", sort_key="left"),
        "expires_at",
        "created_at",
    ]
    list_export = [
        "client_email",
        "package",
        "sessions_total",
        "left",
        "expires_at",
        "created_at",
    ]
    export_filename = "package-entitlements"
    list_filter = ["package"]
    search_fields = ["client_email"]
    search_backend_name = None
    inspect_view_fields = [
        "client_email",
        "package",
        "purchase",
        "sessions_total",
        "balance",
        "expires_at",
        "created_at",
    ]


class CreditLineViewSet(ReadOnlyViewSet):
    model = CreditLine
    name = "credit_lines"
    url_prefix = "packages/ledger"
    icon = "list-ol"
    menu_label = "Sessions ledger"
    list_display = [
        Column("client", label="Client", accessor="entitlement.client_email"),
        Column("package", label="Package", accessor="entitlement.package"),
        "kind",
        "sessions",
        "reason",
        Column("booking", label="Booking", accessor="booking.reference"),
        "created_by",
        "created_at",
    ]
    list_export = [
        "entitlement.client_email",
        "entitlement.package",
        "kind",
        "sessions",
        "reason",
        "booking",
        "created_by",
        "created_at",
    ]
    export_headings = {
        "entitlement.client_email": "Client",
        "entitlement.package": "Package",
    }
    export_filename = "sessions-ledger"
    list_filter = ["kind"]
    search_fields = ["entitlement__client_email", "reason", "booking__reference"]
    search_backend_name = None

    def get_queryset(self, request):
        return CreditLine.objects.select_related(
            "entitlement__package", "booking", "created_by"
        )


# --- granting, recording, the liabilities report --------------------------------


class GrantForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("promotion", "Grant sessions (a promotion)"),
            ("offline", "Record a package paid offline"),
        ],
        widget=forms.RadioSelect,
        initial="promotion",
        label="What",
    )
    email = forms.EmailField(label="Client's email address")
    package = forms.ModelChoiceField(
        queryset=Package.objects.filter(is_active=True).exclude(
            kind=Package.Kind.CREDIT
        )
    )
    sessions = forms.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text="For a promotion: how many sessions. A purchase gets the package's.",
    )
    reason = forms.CharField(
        max_length=255,
        required=False,
        label="Reason, or how it was paid",
        help_text="Shown in the client's ledger, e.g. “Apology for a cancelled "
        "session” or “Bank transfer”.",
    )
    reference = forms.CharField(max_length=120, required=False)


def grant_view(request):
    """A promotion grant or an offline purchase, each written with its line."""
    if not request.user.has_perm("booking.add_entitlement"):
        raise PermissionDenied
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "promotion":
                entitlement = ledger.grant_promotion(
                    actor=request.user,
                    email=data["email"],
                    package=data["package"],
                    sessions=data["sessions"] or 0,
                    reason=data["reason"],
                )
            else:
                entitlement = purchases.record_offline(
                    actor=request.user,
                    package=data["package"],
                    email=data["email"],
                    method=data["reason"],
                    reference=data["reference"],
                )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{entitlement.client_email} now holds {entitlement.balance} "
                f"session(s) of {entitlement.package}.",
            )
            return redirect("entitlements:index")
    return TemplateResponse(
        request,
        "booking/admin/products/grant.html",
        {
            "form": form,
            "header_title": "Give a client a package",
            "page_title": "Give a package",
        },
        status=400 if form.errors else 200,
    )


def liabilities_view(request):
    if not request.user.has_perm("booking.view_entitlement"):
        raise PermissionDenied
    rows = reports.liabilities()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="liabilities.csv"'
        writer = csv.writer(response)
        writer.writerow(["Expiry month", "Currency", "Unused sessions", "Value"])
        for row in rows:
            writer.writerow(
                [row["expiry_month"], row["currency"], row["sessions"], row["value"]]
            )
        return response
    return TemplateResponse(
        request,
        "booking/admin/products/liabilities.html",
        {
            "rows": rows,
            "header_title": "Package liabilities",
            "page_title": "Package liabilities",
        },
    )


class PermittedMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_urls")
def products_urls():
    return [
        path("packages/give/", grant_view, name="booking_package_grant"),
        path("packages/liabilities/", liabilities_view, name="booking_liabilities"),
    ]


class PackagesGroup(ViewSetGroup):
    menu_label = "Packages"
    menu_icon = "list-ul"
    menu_order = 255
    items = (PackageViewSet, EntitlementViewSet, CreditLineViewSet, *credits.VIEWSETS)


@hooks.register("register_admin_viewset")
def register_products():
    return PackagesGroup()


@hooks.register("register_admin_menu_item")
def liabilities_menu_item():
    return PermittedMenuItem(
        "Package liabilities",
        reverse("booking_liabilities"),
        icon_name="table",
        order=256,
        permission="booking.view_entitlement",
    )


@hooks.register("register_admin_menu_item")
def grant_menu_item():
    return PermittedMenuItem(
        "Give a package",
        reverse("booking_package_grant"),
        icon_name="plus",
        order=257,
        permission="booking.add_entitlement",
    )


@hooks.register("register_admin_menu_item")
def give_credit_menu_item():
    return PermittedMenuItem(
        "Give credit",
        reverse("booking_give_credit"),
        icon_name="plus",
        order=258,
        permission="booking.add_creditgrant",
    )


@hooks.register("register_admin_menu_item")
def product_exports_menu_item():
    return PermittedMenuItem(
        "Export packages and credit",
        reverse("booking_product_exports"),
        icon_name="download",
        order=259,
        permission="booking.view_entitlement",
    )
