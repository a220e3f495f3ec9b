"""Emails about money credit, through the packages' `ProductEmail` rows (one
per key): the receipt of credit bought, the expiry warning
PACKAGE_EXPIRY_WARNING_DAYS before, and "expired"; each goes exactly once
however often its job runs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from booking import tasks
from booking.products import credits
from booking.products.catalogue import CreditProduct
from booking.products.models import ProductEmail, Purchase
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db
EMAIL = "ari@example.com"


def bought(days=365):
    product = CreditProduct.objects.create(
        name="Gift 100",
        price=Decimal("90.00"),
        credit_amount=Decimal("100.00"),
        validity_days=days,
    )
    purchase = Purchase.objects.create(
        package=product,
        client_email=EMAIL,
        provider=Purchase.Provider.OFFLINE,
        status=Purchase.Status.PAID,
        amount=product.price,
        currency=product.currency,
        paid_at=timezone.now(),
    )
    with transaction.atomic():
        return credits.grant_purchase(purchase)


def sent(kind):
    return [m for m in mail.outbox if kind in m.tags]


def test_buying_credit_sends_one_receipt(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grant = bought()
        with transaction.atomic():
            credits.grant_purchase(grant.purchase)  # the webhook again
    [receipt] = sent("credit_receipt")
    assert receipt.to == [EMAIL]
    assert receipt.subject == "Your credit: 100.00 EUR"
    assert "Thank you for buying Gift 100 (90.00 EUR)" in receipt.body
    assert f"to use by {grant.expires_at:%-d %B %Y}" in receipt.body


def test_the_expiry_warning_goes_once_when_the_job_runs_twice(
    settings, django_capture_on_commit_callbacks
):
    settings.PACKAGE_EXPIRY_WARNING_DAYS = 14
    far = bought(days=60)
    soon = bought(days=10)
    spent = bought(days=10)
    spent.lines.create(key="spent", kind="use", amount=Decimal("-100.00"), reason="x")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.warn_expiring_packages() == 1
        assert tasks.warn_expiring_packages() == 0

    [warning] = sent("credit_expiry_warning")
    assert warning.subject == f"Your credit expires on {soon.expires_at:%-d %B %Y}"
    assert "Your 100.00 EUR of unused credit expires" in warning.body
    warned = ProductEmail.objects.filter(kind="credit_expiry_warning")
    assert list(warned.values_list("credit_grant", flat=True)) == [soon.pk]
    assert far and spent  # not warned: far off, and nothing left


def test_expired_credit_is_emailed_once_when_the_job_runs_twice(
    django_capture_on_commit_callbacks,
):
    grant = bought(days=30)
    mail.outbox.clear()
    later = timezone.now() + timedelta(days=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert credits.expire_due(now=later) == 1
        assert credits.expire_due(now=later) == 0

    [expired] = sent("credit_expired")
    assert expired.subject == "Your credit has expired"
    assert "Your credit of 100.00 EUR expired on" in expired.body
    assert ProductEmail.objects.filter(credit_grant=grant).count() == 2


def test_a_promotion_gets_no_receipt_and_erasure_stops_the_mail(
    django_capture_on_commit_callbacks,
):
    from booking.products import privacy

    desk = user_with_perms("add_creditgrant", username="desk")
    with django_capture_on_commit_callbacks(execute=True):
        credits.grant_promotion(
            actor=desk,
            email=EMAIL,
            amount=Decimal("5"),
            currency="EUR",
            reason="Sorry",
        )
    assert not sent("credit_receipt")
    grant = bought()  # the receipt is queued, not yet sent
    privacy.anonymise(EMAIL)
    email = ProductEmail.objects.get(credit_grant=grant)
    assert email.recipient == f"credit-{grant.pk}@anonymised.invalid"
    from booking.products import emails

    assert emails.send(email.pk) == "client erased"
