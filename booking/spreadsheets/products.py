"""Spreadsheet columns for what the practice sells and what clients hold (issue
22): packages, bundles and credit products; clients' entitlements (sessions
left); the sessions ledger; clients' credit and the credit ledger. Exported
from the admin (Packages → Export, `booking.admin.credits`) as CSV or XLSX,
formula text neutralised like every export (`SafeExportMixin`). Times are UTC.
The ledgers are written by the services that own them, never imported."""

from django.db.models import Sum
from import_export import fields, resources, widgets

from booking.products.credit_models import CreditGrant, MoneyLine
from booking.products.models import CreditLine, Entitlement, Package
from booking.spreadsheets.resources import SafeExportMixin
from booking.spreadsheets.widgets import (
    UtcTime,
    WallClockWidget,
    number_field,
    text_field,
)


def utc(attribute: str, column: str) -> fields.Field:
    return UtcTime(attribute, column, widget=WallClockWidget())


def count(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute, column, widgets.IntegerWidget())


class ServicesWidget(widgets.Widget):
    """The services' slugs, comma separated."""

    def render(self, value, obj=None, **kwargs):
        return ", ".join(s.slug for s in value.all()) if value is not None else ""


class ProductResource(SafeExportMixin, resources.Resource):
    name = text_field("name", "Name")
    kind = text_field("get_kind_display", "Kind")
    services = fields.Field("services", "Services", ServicesWidget())
    sessions = count("sessions", "Sessions")
    price = number_field("price", "Price")
    currency = text_field("currency", "Currency")
    credit_amount = number_field("credit_amount", "Credit")
    single_total = number_field("single_total", "Separately")
    saving = number_field("saving", "Saving")
    validity_days = count("validity_days", "Valid (days)")
    active = text_field("is_active", "Active")

    def get_queryset(self):
        return Package.objects.prefetch_related("services").order_by("kind", "name")


class EntitlementResource(SafeExportMixin, resources.Resource):
    client = text_field("client_email", "Client")
    package = text_field("package__name", "Package")
    service = text_field("service__title", "Service")
    sessions = count("sessions_total", "Sessions")
    left = count("left", "Left")
    value = number_field("value", "Bought for")
    currency = text_field("package__currency", "Currency")
    expires = utc("expires_at", "Expires (UTC)")
    created = utc("created_at", "Created (UTC)")

    def get_queryset(self):
        return (
            Entitlement.objects.select_related("package", "service")
            .annotate(left=Sum("lines__sessions"))
            .order_by("pk")
        )


class CreditLineResource(SafeExportMixin, resources.Resource):
    client = text_field("entitlement__client_email", "Client")
    package = text_field("entitlement__package__name", "Package")
    kind = text_field("get_kind_display", "What")
    sessions = count("sessions", "Sessions")
    reason = text_field("reason", "Reason")
    booking = text_field("booking__reference", "Booking")
    by = text_field("created_by__email", "By")
    created = utc("created_at", "Created (UTC)")

    def get_queryset(self):
        return CreditLine.objects.select_related(
            "entitlement__package", "booking", "created_by"
        ).order_by("pk")


class CreditGrantResource(SafeExportMixin, resources.Resource):
    client = text_field("client_email", "Client")
    product = text_field("product__name", "Product")
    amount = number_field("amount", "Granted")
    left = number_field("left", "Left")
    currency = text_field("currency", "Currency")
    expires = utc("expires_at", "Expires (UTC)")
    created = utc("created_at", "Created (UTC)")

    def get_queryset(self):
        return (
            CreditGrant.objects.select_related("product")
            .annotate(left=Sum("lines__amount"))
            .order_by("pk")
        )


class MoneyLineResource(SafeExportMixin, resources.Resource):
    client = text_field("grant__client_email", "Client")
    kind = text_field("get_kind_display", "What")
    amount = number_field("amount", "Amount")
    currency = text_field("grant__currency", "Currency")
    reason = text_field("reason", "Reason")
    booking = text_field("booking__reference", "Booking")
    by = text_field("created_by__email", "By")
    created = utc("created_at", "Created (UTC)")

    def get_queryset(self):
        return MoneyLine.objects.select_related(
            "grant", "booking", "created_by"
        ).order_by("pk")


# What the admin's export offers, by the name in its URL, with the permission
# that lets a person read it.
RESOURCES = {
    "products": (ProductResource, "booking.view_package"),
    "entitlements": (EntitlementResource, "booking.view_entitlement"),
    "sessions-ledger": (CreditLineResource, "booking.view_creditline"),
    "credit": (CreditGrantResource, "booking.view_creditgrant"),
    "credit-ledger": (MoneyLineResource, "booking.view_moneyline"),
}
