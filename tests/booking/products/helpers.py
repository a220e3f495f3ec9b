"""Packages and clients holding them, for the products tests."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services
from booking.products import ledger
from booking.products.models import Package, Purchase
from tests.factories import ConsultantFactory, ServiceFactory, make_draft


def package_for(service, *, sessions=5, price="300.00", days=90, **fields):
    package = Package.objects.create(
        name=fields.pop("name", f"{sessions} sessions"),
        sessions=sessions,
        price=Decimal(price),
        currency=service.currency,
        validity_days=days,
        **fields,
    )
    package.services.set([service])
    return package


def holding(package, email, *, paid_at=None):
    """A client who bought `package` offline; returns the entitlement."""
    purchase = Purchase.objects.create(
        package=package,
        client_email=email,
        provider=Purchase.Provider.OFFLINE,
        status=Purchase.Status.PAID,
        amount=package.price,
        currency=package.currency,
        paid_at=paid_at or timezone.now(),
    )
    with transaction.atomic():
        return ledger.grant_purchase(purchase)


def setting_up(price="80.00"):
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], price=Decimal(price))
    return consultant, service


def approved(service, admin, email, *, weeks=1, hour=9):
    """A verified, approved booking and its manage token."""
    from tests.factories import next_monday_at

    booking, verify = make_draft(
        service=service, client_email=email, start=next_monday_at(hour, weeks=weeks)
    )
    services.verify_email(token=verify)
    booking.refresh_from_db()
    if booking.status == "pending":
        booking = services.approve(booking=booking, actor=admin)
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    return booking, token


def days(n):
    return timedelta(days=n)
