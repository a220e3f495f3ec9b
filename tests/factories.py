"""Factories for the whole suite: build only what a test needs."""

import itertools
from datetime import date, time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from booking.core.models import Consultant, Service
from booking.lifecycle import services
from booking.scheduling import hours


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
    """A consultant who works every day 06:00–22:00 local time, so that tests about
    something else can book freely; `open_hours=False` gives one with no hours."""

    class Meta:
        model = Consultant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Consultant {n}")
    email = factory.Sequence(lambda n: f"consultant{n}@haven.test")
    time_zone = "Europe/Berlin"

    @factory.post_generation
    def open_hours(self, create, extracted, **kwargs):
        if create and extracted is not False:
            hours.add_working_hours(
                consultant=self,
                weekdays=range(7),
                start_time=time(6),
                end_time=time(22),
                starts_on=date(2020, 1, 1),
            )


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


def member(group: str, **fields):
    """A login in one of the roles' groups (booking/roles.py)."""
    from django.contrib.auth.models import Group

    from booking.core.roles import ensure_roles

    ensure_roles()
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=group))
    return type(user).objects.get(pk=user.pk)


def build_site():
    """A published home page with an empty consultant index and article index, as
    the default site; returns (home, consultant index, article index)."""
    from wagtail.models import Page, Site

    from cms.models import ArticleIndexPage, ConsultantIndexPage, HomePage

    Site.objects.all().delete()
    Page.objects.filter(depth__gt=1).delete()  # Wagtail's welcome page
    root = Page.get_first_root_node() or _wagtail_root()
    home = root.add_child(instance=HomePage(title="Home", slug="home", hero_title="Hi"))
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    team = home.add_child(
        instance=ConsultantIndexPage(title="Team", slug="team", show_in_menus=True)
    )
    journal = home.add_child(instance=ArticleIndexPage(title="Journal", slug="journal"))
    return home, team, journal


def publish_consultant_page(
    team, name, *, languages="English", tags=(), mode="online", consultant=None
):
    """A live profile page for a new (or the given) consultant offering a service."""
    from cms.models import ConsultantPage

    if consultant is None:
        consultant = ConsultantFactory(name=name)
        ServiceFactory(consultants=[consultant], mode=mode)
    page = ConsultantPage(
        title=name,
        consultant=consultant,
        role="Counsellor",
        summary=f"{name} helps.",
        bio="<p>Bio</p>",
        languages=languages,
    )
    team.add_child(instance=page)
    page.specialisations.add(*tags)
    page.save_revision().publish()
    return page


def _wagtail_root():
    """Wagtail's migrations make the root page, the root collection and the default
    locale; a transactional test's flush removes them, so make them again when
    they are gone."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale, _ = Locale.objects.get_or_create(language_code=code)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


def ask(service, label, field_type="singleline", **fields):
    """An intake question of `service` (booking/intake), saved in the order asked."""
    from booking.intake.models import ServiceQuestion

    return ServiceQuestion.objects.create(
        service=service, label=label, field_type=field_type, **fields
    )
