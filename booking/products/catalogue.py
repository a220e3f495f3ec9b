"""Bundles and credit products: the kinds of `Package` that are not packages of
sessions, as proxy models (one table, `Package.kind` tells them apart).

A bundle is one session of each of a fixed set of services at a total price; its
saving is against the services' single prices in the bundle's currency (a
bundle's services are priced in its currency: the admin refuses others). A bundle
bought is one entitlement of one session per service, each worth its share of
the bundle price (`shares`):

    share of a service = bundle price × its single price / the single prices' sum

rounded to the cent, the last service taking what rounding left, so the shares
add up to the price exactly.

A credit product sells `credit_amount` of money credit (in its currency) for its
price; the balance is `booking.products.credits`'."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from booking.products.models import CENT, Package

Kind = Package.Kind


class KindManager(models.Manager):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class Bundle(Package):
    objects = KindManager(Kind.BUNDLE)

    class Meta:
        proxy = True
        ordering = ["name", "pk"]

    def save(self, *args, **kwargs):
        self.kind = Kind.BUNDLE
        super().save(*args, **kwargs)


class CreditProduct(Package):
    objects = KindManager(Kind.CREDIT)

    class Meta:
        proxy = True
        ordering = ["name", "pk"]
        verbose_name = "credit product"

    def save(self, *args, **kwargs):
        self.kind = Kind.CREDIT
        self.sessions = 1  # a credit product holds money, not sessions
        super().save(*args, **kwargs)


def shares(package: Package) -> list[tuple]:
    """(service, share of the price) for each service of a bundle, by pk."""
    services = sorted(package.services.all(), key=lambda s: s.pk)
    if not services:
        return []
    total = sum((s.price for s in services), Decimal("0"))
    result, given = [], Decimal("0.00")
    for index, service in enumerate(services):
        if index == len(services) - 1:
            share = package.price - given
        elif total:
            share = (package.price * service.price / total).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        else:
            share = (package.price / len(services)).quantize(CENT)
        given += share
        result.append((service, share))
    return result
