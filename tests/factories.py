"""Factories for the whole suite: build only what a test needs."""

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from booking import services
from booking.models import Consultant, Service


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse")
    is_staff = True


def user_with_perms(*codenames: str, **fields):
    """A staff user holding exactly these `booking` permissions."""
    user = UserFactory(**fields)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="booking", codename__in=codenames
        )
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


class ConsultantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultant

    name = factory.Sequence(lambda n: f"Consultant {n}")
    email = factory.Sequence(lambda n: f"consultant{n}@haven.test")
    time_zone = "Europe/Berlin"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Session type {n}")
    slug = factory.Sequence(lambda n: f"session-type-{n}")
    duration_minutes = 50
    price = Decimal("80.00")
    currency = "EUR"
    buffer_after_minutes = 10
    minimum_notice_minutes = 0

    @factory.post_generation
    def consultants(self, create, extracted, **kwargs):
        if create and extracted:
            self.consultants.set(extracted)


def next_monday_at(hour: int, minute: int = 0, weeks: int = 1):
    """A future Monday at hour:minute UTC, far enough ahead for any notice rule."""
    now = timezone.now()
    monday = now + timedelta(days=7 * weeks - now.weekday())
    return monday.replace(hour=hour, minute=minute, second=0, microsecond=0)


_client_numbers = itertools.count(1)


def make_draft(*, consultant=None, service=None, start=None, **client):
    """A DRAFT booking through the real service; returns (booking, verify token)."""
    if service is None:
        consultant = consultant or ConsultantFactory()
        service = ServiceFactory(consultants=[consultant])
    consultant = consultant or service.consultants.first()
    fields = {
        "client_name": "Ada Client",
        "client_email": f"client{next(_client_numbers)}@example.com",
        "client_time_zone": "Europe/Berlin",
        "consent": True,
        **client,
    }
    return services.create_draft(
        consultant=consultant,
        service=service,
        start=start or next_monday_at(9),
        **fields,
    )
