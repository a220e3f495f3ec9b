"""Bundles, money credit and package refunds in the admin (issue 22): booking
admins set up bundles (the saving shown) and credit products, see every
client's credit and its ledger lines with their reasons (export either), give
credit as a promotion with a reason, and refund a package's unused sessions as
money (the per-row "Refund unused sessions" of Clients' packages). The rules
live in `booking.products`; `booking.admin.products` groups these screens."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from booking.admin.readonly import ReadOnlyViewSet
from booking.core.errors import BookingError, NotPermitted
from booking.core.models import validate_currency
from booking.products import credits, refunding
from booking.products.catalogue import Bundle, CreditProduct
from booking.products.credit_models import CreditGrant, MoneyLine, PackageRefund
from booking.products.models import Entitlement
from booking.spreadsheets.exports import CONTENT_TYPES
from booking.spreadsheets.products import RESOURCES


class BundleForm(WagtailAdminModelForm):
    """A bundle holds one session of each of its services, all priced in its
    currency (so its saving is a sum of like with like)."""

    def clean(self):
        data = super().clean()
        services = list(data.get("services") or [])
        currency = (data.get("currency") or "").upper()
        if len(services) < 2:
            self.add_error("services", "A bundle holds at least two services.")
        other = [s.title for s in services if s.currency != currency]
        if other:
            self.add_error(
                "services",
                f"Priced in another currency than {currency}: {', '.join(other)}. "
                "A bundle's saving is counted in its own currency.",
            )
        return data

    def save(self, commit=True):
        self.instance.sessions = len(self.cleaned_data["services"])
        return super().save(commit=commit)


class BundleViewSet(ModelViewSet):
    model = Bundle
    name = "bundles"
    url_prefix = "practice/bundles"
    icon = "list-ul"
    menu_label = "Bundles"
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = [
        "name",
        Column("price", label="Price"),
        Column("currency", label="Currency"),
        Column("single_total", label="Separately"),
        Column("saving", label="Saving"),
        Column("validity_days", label="Valid (days)"),
        BooleanColumn("is_active", label="Active"),
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "description"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel(
                "services",
                widget=forms.CheckboxSelectMultiple,
                help_text="One session of each. Priced in the bundle's currency.",
            ),
            FieldPanel("price", help_text="The bundle's total price."),
            FieldPanel("currency"),
            FieldPanel("validity_days"),
            FieldPanel("is_active"),
        ],
        base_form_class=BundleForm,
    )


class CreditProductForm(WagtailAdminModelForm):
    def clean(self):
        data = super().clean()
        if not data.get("credit_amount"):
            self.add_error("credit_amount", "Say how much credit the buyer receives.")
        return data


class CreditProductIndexView(generic.IndexView):
    def get_base_queryset(self):
        # A credit membership plan's own package is set up on the plan.
        return super().get_base_queryset().filter(membership_plan__isnull=True)


class CreditProductViewSet(ModelViewSet):
    model = CreditProduct
    index_view_class = CreditProductIndexView
    name = "credit_products"
    url_prefix = "practice/credit-products"
    icon = "tag"
    menu_label = "Credit on sale"
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = [
        "name",
        Column("credit_amount", label="Credit"),
        Column("price", label="Price"),
        Column("currency", label="Currency"),
        Column("validity_days", label="Valid (days)"),
        BooleanColumn("is_active", label="Active"),
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["name"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("credit_amount"),
            FieldPanel("price"),
            FieldPanel("currency"),
            FieldPanel("validity_days"),
            FieldPanel("is_active"),
        ],
        base_form_class=CreditProductForm,
    )


class CreditIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(left=Sum("lines__amount"))


class CreditGrantViewSet(ReadOnlyViewSet):
    model = CreditGrant
    name = "credit_grants"
    url_prefix = "packages/credit"
    icon = "user"
    menu_label = "Clients' credit"
    index_view_class = CreditIndexView
    list_display = [
        "client_email",
        Column("amount", label="Granted"),
        Column("left", label="Left", sort_key="left"),
        "currency",
        "product",
        "expires_at",
        "created_at",
    ]
    list_export = ["client_email", "amount", "left", "currency", "product"]
    list_export += ["expires_at", "created_at"]
    export_filename = "client-credit"
    list_filter = ["currency"]
    search_fields = ["client_email"]
    search_backend_name = None


class MoneyLineViewSet(ReadOnlyViewSet):
    model = MoneyLine
    name = "money_lines"
    url_prefix = "packages/credit-ledger"
    icon = "list-ol"
    menu_label = "Credit ledger"
    list_display = [
        Column("client", label="Client", accessor="grant.client_email"),
        "kind",
        "amount",
        Column("currency", label="Currency", accessor="grant.currency"),
        "reason",
        Column("booking", label="Booking", accessor="booking.reference"),
        "created_by",
        "created_at",
    ]
    list_export = ["grant.client_email", "kind", "amount", "grant.currency"]
    list_export += ["reason", "booking", "created_by", "created_at"]
    export_headings = {"grant.client_email": "Client", "grant.currency": "Currency"}
    export_filename = "credit-ledger"
    list_filter = ["kind"]
    search_fields = ["grant__client_email", "reason", "booking__reference"]
    search_backend_name = None

    def get_queryset(self, request):
        return MoneyLine.objects.select_related("grant", "booking", "created_by")


class PackageRefundViewSet(ReadOnlyViewSet):
    model = PackageRefund
    name = "package_refunds"
    url_prefix = "packages/refunds"
    icon = "redirect"
    menu_label = "Package refunds"
    list_display = [
        Column("client", label="Client", accessor="entitlement.client_email"),
        Column("package", label="Package", accessor="entitlement.package"),
        "sessions",
        "amount",
        "currency",
        "status",
        "reason",
        "created_at",
    ]
    list_filter = ["status"]


# --- giving credit, refunding unused sessions -----------------------------------


class CreditForm(forms.Form):
    email = forms.EmailField(label="Client's email address")
    amount = forms.DecimalField(min_value=0.01, max_digits=10, decimal_places=2)
    currency = forms.CharField(max_length=3, initial="EUR")
    days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Valid for (days)"
    )
    reason = forms.CharField(
        max_length=255, help_text="Shown in the client's credit ledger."
    )

    def clean_currency(self):
        currency = self.cleaned_data["currency"].upper()
        validate_currency(currency)
        return currency


def give_credit_view(request):
    if not request.user.has_perm("booking.add_creditgrant"):
        raise PermissionDenied
    form = CreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = credits.grant_promotion(actor=request.user, **data)
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{grant.client_email} now holds "
                f"{credits.balance(grant.client_email, grant.currency)} "
                f"{grant.currency} of credit.",
            )
            return redirect("credit_grants:index")
    return TemplateResponse(
        request,
        "booking/admin/products/give_credit.html",
        {"form": form, "header_title": "Give credit", "page_title": "Give credit"},
        status=400 if form.errors else 200,
    )


class RefundForm(forms.Form):
    reason = forms.CharField(
        max_length=255, help_text="Shown in the client's sessions ledger."
    )


def refund_view(request, pk):
    """A booking admin refunds an entitlement's unused sessions as money."""
    if not request.user.has_perm("booking.add_packagerefund"):
        raise PermissionDenied
    entitlement = get_object_or_404(
        Entitlement.objects.select_related("package"), pk=pk
    )
    left = entitlement.balance
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            refund = refunding.refund_unused(
                entitlement=entitlement,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"{refund.sessions} session(s) refunded: {refund.amount} "
                f"{refund.currency} ({refund.get_status_display().lower()}).",
            )
            return redirect("package_refunds:index")
    return TemplateResponse(
        request,
        "booking/admin/products/refund.html",
        {
            "form": form,
            "entitlement": entitlement,
            "left": left,
            "amount": refunding.refund_amount(entitlement, left) if left > 0 else 0,
            "header_title": "Refund unused sessions",
            "page_title": "Refund unused sessions",
        },
        status=400 if form.errors else 200,
    )


def export_view(request, what):
    """One of the products' spreadsheets (`booking.spreadsheets.products`), as
    CSV (`?format=csv`, the default) or XLSX."""
    if what not in RESOURCES:
        raise Http404
    resource_class, permission = RESOURCES[what]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    kind = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    # XLSX cells hold numbers and dates; CSV cells text.
    data = resource_class().export(force_native_type=kind == "xlsx")
    body = data.xlsx if kind == "xlsx" else "\ufeff" + data.csv
    response = HttpResponse(body, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{what}.{kind}"'
    return response


def exports_view(request):
    """The list of products' spreadsheets this person may download."""
    allowed = [
        name for name, (_, perm) in RESOURCES.items() if request.user.has_perm(perm)
    ]
    if not allowed:
        raise PermissionDenied
    return TemplateResponse(
        request,
        "booking/admin/products/exports.html",
        {
            "names": allowed,
            "header_title": "Export packages and credit",
            "page_title": "Export packages and credit",
        },
    )


@hooks.register("register_admin_urls")
def credit_urls():
    return [
        path("packages/export/", exports_view, name="booking_product_exports"),
        path(
            "packages/export/<slug:what>/",
            export_view,
            name="booking_product_export",
        ),
        path("packages/give-credit/", give_credit_view, name="booking_give_credit"),
        path(
            "packages/entitlements/<int:pk>/refund/",
            refund_view,
            name="booking_package_refund",
        ),
    ]


VIEWSETS = (
    BundleViewSet,
    CreditProductViewSet,
    CreditGrantViewSet,
    MoneyLineViewSet,
    PackageRefundViewSet,
)
