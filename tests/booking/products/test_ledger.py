"""Packages: paying a booking with a session, returning it on cancellation, the
active-bookings allowance, expiry, earnings and the liabilities report."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from booking.core.errors import ActiveBookingExists
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.payments.models import Earning, Payment, Refund
from booking.products import ledger, reports
from booking.products.ledger import NoSessionsLeft
from booking.products.models import CreditLine, ProductEmail
from tests.booking.products.helpers import (
    approved,
    days,
    holding,
    package_for,
    setting_up,
)
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "pat@example.com"


@pytest.fixture
def admin():
    return user_with_perms(
        "approve_booking", "cancel_booking", "complete_booking", username="desk"
    )


@pytest.fixture
def held():
    consultant, service = setting_up()
    package = package_for(service, sessions=5, price="300.00")
    entitlement = holding(package, EMAIL)
    return service, package, entitlement


def test_paying_with_a_package_session_confirms_with_a_payment_row(held, admin):
    service, package, entitlement = held
    booking, _ = approved(service, admin, EMAIL)

    booking = paying.pay_with_package(booking=booking)

    assert booking.status == S.CONFIRMED
    payment = booking.payments.get()
    assert payment.provider == Payment.Provider.PACKAGE
    assert payment.status == Payment.Status.PAID
    assert (payment.amount, payment.paid_amount) == (Decimal("80.00"), Decimal("60.00"))
    assert booking.amount_paid == Decimal("80.00")
    assert entitlement.balance == 4
    assert ProductEmail.objects.filter(kind="sessions_left").count() == 1
    # Earned: the package price's share, not the service's price.
    assert Earning.objects.get(booking=booking).gross == Decimal("60.00")


def test_without_sessions_left_nothing_changes(admin):
    consultant, service = setting_up()
    booking, _ = approved(service, admin, EMAIL)

    with pytest.raises(NoSessionsLeft):
        paying.pay_with_package(booking=booking)

    booking.refresh_from_db()
    assert booking.status == S.APPROVED
    assert not booking.payments.exists()


def test_a_package_of_another_service_does_not_pay(held, admin):
    _, other = setting_up()
    booking, _ = approved(other, admin, EMAIL)
    with pytest.raises(NoSessionsLeft):
        paying.pay_with_package(booking=booking)


def test_cancelling_within_policy_returns_the_session(held, admin):
    service, package, entitlement = held
    booking, _ = approved(service, admin, EMAIL, weeks=3)
    paying.pay_with_package(booking=booking)

    services.cancel(booking=booking, reason="Cannot come")

    assert entitlement.balance == 5
    returned = CreditLine.objects.get(kind=CreditLine.Kind.RETURN)
    assert returned.booking == booking
    refund = Refund.objects.get(booking=booking)
    assert refund.status == Refund.Status.SUCCEEDED  # no money goes anywhere
    reversed_gross = Earning.objects.filter(booking=booking).aggregate(
        total=Sum("gross")
    )["total"]
    assert reversed_gross == 0


def test_a_late_cancellation_keeps_the_session_used(held, admin):
    service, package, entitlement = held
    booking, _ = approved(service, admin, EMAIL)
    paying.pay_with_package(booking=booking)
    # Inside the policy's late window: the policy refunds less than all.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "booking.lifecycle.paying.refunds.refund_due",
            lambda booking, paid, by_client, now=None: paid / 2,
        )
        services.cancel(booking=booking, reason="Late")

    assert entitlement.balance == 4
    assert not CreditLine.objects.filter(kind=CreditLine.Kind.RETURN).exists()


def test_package_sessions_allow_more_than_one_active_booking(held, admin):
    service, package, entitlement = held
    first, _ = approved(service, admin, EMAIL, hour=9)
    second, _ = approved(service, admin, EMAIL, hour=11)

    assert first.counts_toward_limit is True
    assert second.counts_toward_limit is False
    paying.pay_with_package(booking=first)
    paying.pay_with_package(booking=second)
    assert entitlement.balance == 3


def test_without_a_package_the_rule_stays_one(admin):
    consultant, service = setting_up()
    approved(service, admin, EMAIL, hour=9)
    with pytest.raises(ActiveBookingExists):
        approved(service, admin, EMAIL, hour=11)


def test_the_allowance_is_unused_sessions_plus_one(admin):
    consultant, service = setting_up()
    holding(package_for(service, sessions=1), EMAIL)
    approved(service, admin, EMAIL, hour=9)
    approved(service, admin, EMAIL, hour=11)  # the package's one session
    with pytest.raises(ActiveBookingExists):
        approved(service, admin, EMAIL, hour=13)


def test_a_higher_base_lets_the_service_allow_more(admin, settings):
    settings.CLIENT_ACTIVE_BOOKINGS_BASE = 2
    consultant, service = setting_up()
    approved(service, admin, EMAIL, hour=9)
    second, _ = approved(service, admin, EMAIL, hour=11)
    assert second.counts_toward_limit is False
    with pytest.raises(ActiveBookingExists):
        approved(service, admin, EMAIL, hour=13)


def test_expiry_runs_twice_and_writes_once(held):
    service, package, entitlement = held
    later = entitlement.expires_at + days(1)

    assert ledger.expire_due(now=later) == 1
    assert ledger.expire_due(now=later) == 0

    line = CreditLine.objects.get(kind=CreditLine.Kind.EXPIRY)
    assert line.sessions == -5
    assert entitlement.balance == 0
    assert ProductEmail.objects.filter(kind="package_expired").count() == 1


def test_the_expiry_warning_goes_once_14_days_before(held):
    service, package, entitlement = held
    before = entitlement.expires_at - days(13)

    assert ledger.warn_expiring(now=before) == 1
    assert ledger.warn_expiring(now=before) == 0
    assert ledger.warn_expiring(now=entitlement.expires_at - days(20)) == 0


def test_a_duplicate_purchase_grant_writes_one_line(held):
    service, package, entitlement = held
    assert ledger.grant_purchase(entitlement.purchase) == entitlement
    assert entitlement.lines.count() == 1


def test_liabilities_equal_the_ledgers_sum(admin):
    consultant, service = setting_up()
    eur = package_for(service, sessions=5, price="300.00")
    holding(eur, "a@example.com")
    holding(eur, "b@example.com")
    booking, _ = approved(service, admin, "a@example.com")
    paying.pay_with_package(booking=booking)

    rows = reports.liabilities()

    assert (
        sum(row["sessions"] for row in rows)
        == CreditLine.objects.aggregate(total=Sum("sessions"))["total"]
    )
    (row,) = rows
    assert row["currency"] == "EUR"
    assert row["sessions"] == 9
    assert row["value"] == Decimal("540.00")


def test_packages_are_in_the_bundle_and_erasure_keeps_the_amounts(held, admin):
    import io
    import json
    import zipfile

    from booking.privacy.erasure import erase_client
    from booking.privacy.lookup import export_bundle
    from booking.products.models import Entitlement
    from tests.factories import user_with_perms

    service, package, entitlement = held
    privacy_admin = user_with_perms("handle_data_requests", username="privacy")

    bundle = zipfile.ZipFile(io.BytesIO(export_bundle(email=EMAIL, user=privacy_admin)))
    data = json.loads(bundle.read("data.json"))
    assert data["packages"][0]["sessions_left"] == 5
    assert data["package_lines"][0]["kind"] == "Purchase"
    assert "packages.csv" in bundle.namelist()

    erase_client(email=EMAIL, user=privacy_admin)

    entitlement = Entitlement.objects.get()
    assert entitlement.client_email.endswith("@anonymised.invalid")
    assert entitlement.purchase.client_email.endswith("@anonymised.invalid")
    assert entitlement.purchase.amount == Decimal("300.00")
    assert entitlement.balance == 5
    assert not ledger.entitlements_of(EMAIL).exists()


def test_the_booking_page_says_the_session_goes_back(held, admin, client):
    service, package, entitlement = held
    booking, token = approved(service, admin, EMAIL, weeks=3)
    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "You have 5 package sessions" in page

    client.post(f"/book/manage/{token}/pay/package/")

    page = client.get(f"/book/manage/{token}/").content.decode()
    assert "If you cancel now, the session goes back to your package." in page
    assert "will be refunded" not in page
