# ruff: noqa: F811  (pytest fixtures imported from the fakes)
"""Memberships in the back office and in data requests: setting up a plan (its
hidden package follows), clients' memberships listed and exported, the data
bundle, and erasure (refused while Stripe still bills, then anonymising)."""

import io
import json
import re
import time
import zipfile
from decimal import Decimal

import pytest

from booking.core.roles import BOOKING_ADMINS
from booking.privacy.erasure import erase_client
from booking.privacy.lookup import PrivacyError, export_bundle
from booking.products import billing, ledger
from booking.products.membership_models import Membership, MembershipPlan
from booking.products.models import Entitlement, Package
from tests.booking.products.billing_fakes import (  # noqa: F401  (fixture)
    MONTH,
    fake_billing,
    plan_for,
)
from tests.booking.products.helpers import setting_up
from tests.factories import member, user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"
START = int(time.time())


@pytest.fixture
def desk(client):
    client.force_login(member(BOOKING_ADMINS, username="desk"))
    return client


@pytest.fixture
def running():
    """A membership of a monthly plan with its first period paid (as Stripe's
    invoice.paid does)."""
    plan = plan_for(sessions=4)
    membership = Membership.objects.create(
        plan=plan,
        client_email=EMAIL,
        stripe_subscription_id="sub_test_admin",
        status=Membership.Status.ACTIVE,
    )
    billing.invoice_paid(
        {
            "id": "in_test_admin",
            "status": "paid",
            "billing_reason": "subscription_create",
            "amount_paid": 4500,
            "currency": "eur",
            "subscription": "sub_test_admin",
            "lines": {"data": [{"period": {"start": START, "end": START + MONTH}}]},
        }
    )
    return membership


def test_a_booking_admin_sets_up_a_plan(desk):
    _, service = setting_up()
    response = desk.post(
        "/admin/practice/membership-plans/new/",
        {
            "name": "Monthly calm",
            "interval": "month",
            "price": "45.00",
            "currency": "EUR",
            "services": [service.pk],
            "sessions_per_period": 4,
            "unused": "roll_over",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    plan = MembershipPlan.objects.get()
    assert plan.rolls_over
    # Its sessions live in the packages' ledger, through a package never on sale
    # and kept off the Packages list.
    assert list(plan.package.services.all()) == [service]
    assert plan.package.session_share == Decimal("11.25")
    assert not plan.package.is_active
    packages = desk.get("/admin/practice/packages/").content.decode()
    assert "Monthly calm (membership)" not in packages

    desk.post(
        f"/admin/practice/membership-plans/edit/{plan.pk}/",
        {
            "name": "Monthly calm",
            "interval": "month",
            "price": "60.00",
            "currency": "EUR",
            "services": [service.pk],
            "sessions_per_period": 4,
            "unused": "expire",
        },
    )
    plan.refresh_from_db()
    assert Package.objects.get().price == Decimal("60.00")
    assert not plan.is_active
    assert "No memberships are open" in desk.get("/memberships/").content.decode()


def test_a_plan_needs_a_currency_code_and_a_session(desk):
    _, service = setting_up()
    response = desk.post(
        "/admin/practice/membership-plans/new/",
        {
            "name": "Bad",
            "interval": "month",
            "price": "45.00",
            "currency": "eur",
            "services": [service.pk],
            "sessions_per_period": 0,
            "unused": "expire",
        },
    )
    assert response.status_code in (200, 400)
    assert "is not a currency code" in response.content.decode()
    assert not MembershipPlan.objects.exists()


def test_a_booking_admin_sets_up_a_credit_plan(desk):
    form = {
        "name": "Calm credit",
        "interval": "month",
        "price": "45.00",
        "currency": "EUR",
        "sessions_per_period": "",
        "credit_per_period": "50.00",
        "unused": "expire",
        "is_active": "on",
    }
    both = desk.post(
        "/admin/practice/membership-plans/new/", form | {"sessions_per_period": 2}
    )
    assert "either sessions or credit" in both.content.decode()
    sessions_only = form | {"sessions_per_period": 2, "credit_per_period": ""}
    no_services = desk.post("/admin/practice/membership-plans/new/", sessions_only)
    assert "Choose the services" in no_services.content.decode()
    assert not MembershipPlan.objects.exists()

    response = desk.post("/admin/practice/membership-plans/new/", form)

    assert response.status_code == 302, response.content
    plan = MembershipPlan.objects.get()
    assert plan.grants_credit and plan.package.credit_amount == Decimal("50.00")
    assert plan.package.kind == Package.Kind.CREDIT and not plan.package.is_active
    listed = desk.get("/admin/practice/membership-plans/").content.decode()
    assert "50.00 EUR of credit" in listed
    on_sale = desk.get("/admin/practice/credit-products/").content.decode()
    assert "Calm credit (membership)" not in on_sale


def test_clients_memberships_are_listed_and_exported(desk, running):
    page = desk.get("/admin/packages/memberships/?q=pat@").content.decode()
    assert EMAIL in page and "Monthly calm" in page
    response = desk.get("/admin/packages/memberships/?export=csv")
    export = b"".join(response.streaming_content).decode()
    assert "Periods paid,Amount paid,Currency" in export
    assert EMAIL in export and "sub_test_admin" in export
    assert re.search(r",1,45(\.00)?,EUR,", export)
    inspect = desk.get(f"/admin/packages/memberships/inspect/{running.pk}/")
    assert inspect.status_code == 200


def test_staff_without_the_role_see_no_memberships(client, running):
    client.force_login(user_with_perms(username="nobody", is_staff=True))
    assert client.get("/admin/packages/memberships/").status_code in (302, 403)


def test_memberships_are_in_the_bundle_and_erasure_waits_for_the_end(running):
    privacy = user_with_perms("handle_data_requests", username="privacy")
    bundle = zipfile.ZipFile(io.BytesIO(export_bundle(email=EMAIL, user=privacy)))
    [row] = json.loads(bundle.read("data.json"))["memberships"]
    assert row["plan"] == "Monthly calm" and row["status"] == "Active"
    assert row["amount_paid"] == "45.00" and row["periods_paid"] == 1
    assert "memberships.csv" in bundle.namelist()

    with pytest.raises(PrivacyError, match="still running"):
        erase_client(email=EMAIL, user=privacy)

    billing.subscription_ended({"id": "sub_test_admin", "status": "canceled"})
    erase_client(email=EMAIL, user=privacy)

    running.refresh_from_db()
    assert running.client_email.endswith("@anonymised.invalid")
    assert running.periods.get().amount == Decimal("45.00")
    entitlement = Entitlement.objects.get()
    assert entitlement.client_email.endswith("@anonymised.invalid")
    assert ledger.sessions_left(EMAIL) == 0


def test_the_api_lists_plans_open_to_new_members(client):
    plan = plan_for(sessions=4, unused="roll_over")
    plan_for(plan.services.get(), name="Closed", is_active=False)
    response = client.get("/api/v1/memberships/")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["name"] == "Monthly calm" and row["interval"] == "month"
    assert row["sessions_per_period"] == 4 and row["unused"] == "roll_over"
    assert row["services"] == [plan.services.get().slug]
