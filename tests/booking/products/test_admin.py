"""Packages in the admin: set-up, clients' entitlements and ledger with reasons,
promotion grants, offline purchases, the liabilities report and exports."""

import pytest

from booking.core.roles import BOOKING_ADMINS, STAFF
from booking.products.models import CreditLine, Entitlement, Package
from tests.booking.products.helpers import holding, package_for, setting_up
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(member(BOOKING_ADMINS, username="desk"))
    return client


@pytest.fixture
def package():
    _, service = setting_up()
    return package_for(service, sessions=5, price="300.00", name="Five calm hours")


def test_a_booking_admin_sets_up_a_package(desk):
    _, service = setting_up()
    response = desk.post(
        "/admin/practice/packages/new/",
        {
            "name": "Ten sessions",
            "services": [service.pk],
            "sessions": 10,
            "price": "700.00",
            "currency": "EUR",
            "validity_days": 365,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    package = Package.objects.get(name="Ten sessions")
    assert package.session_share == 70


def test_a_package_with_a_bad_currency_is_refused(desk):
    _, service = setting_up()
    response = desk.post(
        "/admin/practice/packages/new/",
        {
            "name": "Bad",
            "services": [service.pk],
            "sessions": 1,
            "price": "7",
            "currency": "eur",
            "validity_days": 30,
        },
    )
    assert response.status_code in (200, 400)
    assert "is not a currency code" in response.content.decode()
    assert not Package.objects.exists()


def test_a_promotion_is_granted_with_its_reason(desk, package):
    response = desk.post(
        "/admin/packages/give/",
        {
            "kind": "promotion",
            "email": "Pat@Example.com",
            "package": package.pk,
            "sessions": 2,
            "reason": "Apology for a cancelled session",
        },
    )
    assert response.status_code == 302, response.content
    entitlement = Entitlement.objects.get()
    assert entitlement.balance == 2
    line = CreditLine.objects.get()
    assert line.reason == "Apology for a cancelled session"
    assert line.created_by.username == "desk"

    listing = desk.get("/admin/packages/ledger/?q=pat@example.com").content.decode()
    assert "Apology for a cancelled session" in listing


def test_a_promotion_without_a_reason_changes_nothing(desk, package):
    response = desk.post(
        "/admin/packages/give/",
        {
            "kind": "promotion",
            "email": "pat@example.com",
            "package": package.pk,
            "sessions": 2,
            "reason": " ",
        },
    )
    assert response.status_code == 400
    assert "Say why the sessions are granted." in response.content.decode()
    assert not Entitlement.objects.exists()


def test_an_offline_purchase_is_recorded(desk, package):
    desk.post(
        "/admin/packages/give/",
        {
            "kind": "offline",
            "email": "pat@example.com",
            "package": package.pk,
            "reason": "Bank transfer",
            "reference": "TX-9",
        },
    )
    entitlement = Entitlement.objects.get()
    assert entitlement.balance == 5
    assert entitlement.purchase.method == "Bank transfer"


def test_liabilities_report_and_exports(desk, package):
    holding(package, "a@example.com")
    holding(package, "b@example.com")

    page = desk.get("/admin/packages/liabilities/").content.decode()
    assert "600.00" in page
    csv = desk.get("/admin/packages/liabilities/?format=csv").content.decode()
    assert "EUR,10,600.00" in csv
    entitlements = desk.get("/admin/packages/entitlements/?export=csv")
    assert b"a@example.com" in b"".join(entitlements.streaming_content)
    ledger = desk.get("/admin/packages/ledger/?export=csv")
    assert b"purchase,5,Bought Five calm hours" in b"".join(ledger.streaming_content)


def test_staff_cannot_grant_or_read_clients_packages(client, package):
    holding(package, "a@example.com")
    client.force_login(member(STAFF, username="staff"))
    for url in (
        "/admin/packages/give/",
        "/admin/packages/liabilities/",
        "/admin/packages/entitlements/",
        "/admin/packages/ledger/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"a@example.com" not in response.content
