"""Consultants with a login and real earnings (sessions paid offline, past the
hold), for the tests of Connect, the weekly payouts and the statement."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.utils import timezone

from booking.lifecycle import paying, services
from booking.payments.models import ConnectedAccount, Earning
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
)

_hours = itertools.count()


def consultant_with_login(name: str, **fields):
    """A consultant whose user may enter the admin."""
    user = UserFactory(username=name)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return ConsultantFactory(name=name.title(), user=user, **fields)


def connected(consultant, *, payouts_enabled=True, account_id=None):
    """The consultant finished Stripe's onboarding (or not yet)."""
    consultant.stripe_account_id = account_id or f"acct_test_{consultant.pk}"
    consultant.save(update_fields=["stripe_account_id"])
    ConnectedAccount.objects.update_or_create(
        consultant=consultant,
        defaults={
            "account_id": consultant.stripe_account_id,
            "details_submitted": payouts_enabled,
            "charges_enabled": payouts_enabled,
            "payouts_enabled": payouts_enabled,
        },
    )
    return consultant


def paid_session(admin, consultant, price, currency="EUR", *, available=True):
    """A session of `consultant` paid in cash (net = 95% of the price), its
    earning past the hold unless `available=False`; each at its own time."""
    service = ServiceFactory(
        consultants=[consultant], price=Decimal(price), currency=currency
    )
    hour = next(_hours)
    start = next_monday_at(6 + 2 * (hour % 7), weeks=1 + hour // 7)
    booking, verify = make_draft(service=service, start=start)
    services.verify_email(token=verify)
    booking = services.approve(booking=booking, actor=admin)
    booking = paying.record_offline_payment(
        booking=booking, actor=admin, amount=Decimal(price), method="Cash"
    )
    if available:
        Earning.objects.filter(booking=booking).update(
            available_at=timezone.now() - timedelta(minutes=1)
        )
    return booking
