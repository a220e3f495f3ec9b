"""Spreadsheets of products, entitlements and both ledgers: their columns, their
cells (formula text neutralised) and who may download them from the admin."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from booking.products import credits, ledger
from booking.products.catalogue import Bundle
from booking.spreadsheets.products import (
    CreditGrantResource,
    CreditLineResource,
    EntitlementResource,
    MoneyLineResource,
    ProductResource,
)
from tests.booking.products.helpers import holding, package_for, setting_up
from tests.factories import ServiceFactory, user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"


@pytest.fixture
def sold():
    _, service = setting_up(price="80.00")
    package = package_for(service, sessions=5, price="300.00", name="Five")
    other = ServiceFactory(price=Decimal("60.00"))
    bundle = Bundle.objects.create(name="Pair", sessions=2, price=Decimal("120.00"))
    bundle.services.set([service, other])
    holding(package, EMAIL)
    desk = user_with_perms("add_creditgrant", "add_entitlement", username="desk")
    credits.grant_promotion(
        actor=desk,
        email=EMAIL,
        amount=Decimal("25.00"),
        currency="EUR",
        reason="=HYPERLINK(1)",
    )
    return package, bundle


def rows(resource):
    data = resource.export()
    return list(csv.reader(io.StringIO(data.csv)))


def test_the_columns_of_each_export(sold):
    assert rows(ProductResource())[0] == [
        "Name",
        "Kind",
        "Services",
        "Sessions",
        "Price",
        "Currency",
        "Credit",
        "Separately",
        "Saving",
        "Valid (days)",
        "Active",
    ]
    assert rows(EntitlementResource())[0] == [
        "Client",
        "Package",
        "Service",
        "Sessions",
        "Left",
        "Bought for",
        "Currency",
        "Expires (UTC)",
        "Created (UTC)",
    ]
    header = ["Client", "Package", "What", "Sessions", "Reason", "Booking", "By"]
    assert rows(CreditLineResource())[0] == [*header, "Created (UTC)"]
    assert rows(CreditGrantResource())[0] == [
        "Client",
        "Product",
        "Granted",
        "Left",
        "Currency",
        "Expires (UTC)",
        "Created (UTC)",
    ]
    assert rows(MoneyLineResource())[0] == [
        "Client",
        "What",
        "Amount",
        "Currency",
        "Reason",
        "Booking",
        "By",
        "Created (UTC)",
    ]


def test_the_cells_hold_what_the_ledgers_say(sold):
    package, bundle = sold
    products = {row[0]: row for row in rows(ProductResource())[1:]}
    assert products["Pair"][1:3] == [
        "Bundle",
        ", ".join(s.slug for s in bundle.services.order_by("pk")),
    ]
    assert products["Pair"][7:9] == ["140.00", "20.00"]
    (entitlement,) = rows(EntitlementResource())[1:]
    assert entitlement[:7] == [EMAIL, "Five", "", "5", "5", "300.00", "EUR"]
    assert rows(CreditLineResource())[1][2:4] == ["Purchase", "5"]
    assert rows(CreditGrantResource())[1][:5] == [EMAIL, "", "25.00", "25.00", "EUR"]
    (line,) = rows(MoneyLineResource())[1:]
    # A reason a spreadsheet would run as a formula is text.
    assert line[4] == "'=HYPERLINK(1)"
    assert ledger.sessions_left(EMAIL) == 5


def test_staff_download_them_from_the_admin(sold, admin_client, client):
    page = admin_client.get("/admin/packages/export/").content.decode()
    assert "/admin/packages/export/credit-ledger/?format=csv" in page
    response = admin_client.get("/admin/packages/export/entitlements/?format=csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="entitlements.csv"'
    )
    assert response.content.decode("utf-8-sig").startswith("Client,Package,Service")
    response = admin_client.get("/admin/packages/export/credit/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].value == 25
    assert admin_client.get("/admin/packages/export/nothing/").status_code == 404

    viewer = user_with_perms("access_admin", username="viewer")
    client.force_login(viewer)
    assert client.get("/admin/packages/export/credit/").status_code in (302, 403)
