"""Practice → Services and Service categories (issue 18), the daily cap, the
"online or in person" mode, and where in-person sessions are held."""

from datetime import timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from wagtail.models import ModelLogEntry

from booking.core.errors import InvalidBookingData
from booking.core.models import Booking, Location, Service, ServiceCategory
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.lifecycle import services
from booking.notifications.models import OutboxEmail
from booking.scheduling.slots import free_slots
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db

SERVICES = "/admin/practice/services/"
CATEGORIES = "/admin/practice/service-categories/"
Kind = OutboxEmail.Kind


@pytest.fixture
def admin_client(client):
    client.force_login(member(BOOKING_ADMINS, username="admin"))
    return client


def service_data(service=None, **changes):
    data = {
        "title": "Couples session",
        "slug": "couples-session",
        "category": "",
        "description": "For two.",
        "duration_minutes": "80",
        "price": "120.00",
        "currency": "EUR",
        "capacity": "1",
        "extra_participants": "1",
        "mode": "in_person",
        "kind": "session",
        "requires_approval": "on",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "minimum_notice_minutes": "1440",
        "booking_window_days": "60",
        "daily_cap": "",
        "is_active": "on",
        # The inline intake questions' formset, empty, as the page sends it.
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    if service is not None:
        data.update(
            title=service.title,
            slug=service.slug,
            duration_minutes=str(service.duration_minutes),
            price=str(service.price),
            currency=service.currency,
            mode=service.mode,
            minimum_notice_minutes=str(service.minimum_notice_minutes),
            consultants=[c.pk for c in service.consultants.all()],
        )
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_booking_admin_adds_a_service_with_a_category_and_consultants(admin_client):
    couples = ServiceCategory.objects.create(name="Couples", slug="couples")
    maya = ConsultantFactory(name="Maya Stone")

    response = admin_client.post(
        f"{SERVICES}new/",
        service_data(category=couples.pk, consultants=[maya.pk], daily_cap="2"),
    )

    assert response.status_code == 302, response.content.decode()
    service = Service.objects.get(slug="couples-session")
    assert service.category == couples and list(service.consultants.all()) == [maya]
    assert service.daily_cap == 2 and service.price == Decimal("120.00")
    listing = admin_client.get(SERVICES).content.decode()
    assert "Couples session" in listing and "In person" in listing
    assert ModelLogEntry.objects.filter(
        action="wagtail.create", object_id=str(service.pk)
    ).exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("currency", "eu", "three capital letters"),
        ("currency", "€UR", "three capital letters"),
        ("price", "-5", "greater than or equal to 0"),
        ("capacity", "0", "greater than or equal to 1"),
        ("daily_cap", "0", "greater than or equal to 1"),
        ("mode", "teleport", "Select a valid choice"),
    ],
)
def test_bad_service_input_is_refused(admin_client, field, value, message):
    response = admin_client.post(f"{SERVICES}new/", service_data(**{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Service.objects.exists()


def test_changing_a_price_never_changes_a_booking_already_made(admin_client):
    maya = ConsultantFactory()
    service = ServiceFactory(consultants=[maya], price=Decimal("80.00"))
    booking, _ = make_draft(service=service)

    response = admin_client.post(
        f"{SERVICES}edit/{service.pk}/", service_data(service, price="95.00")
    )

    assert response.status_code == 302, response.content.decode()
    service.refresh_from_db()
    booking.refresh_from_db()
    assert service.price == Decimal("95.00")
    assert booking.amount == Decimal("80.00")
    later, _ = make_draft(service=service, start=next_monday_at(9) + timedelta(1))
    assert later.amount == Decimal("95.00")
    history = admin_client.get(f"{SERVICES}history/{service.pk}/").content.decode()
    assert "Edited" in history or "edited" in history.lower()


def test_booking_admins_manage_categories(admin_client):
    response = admin_client.post(
        f"{CATEGORIES}new/",
        {"name": "Workshops", "slug": "workshops", "description": "", "sort_order": 3},
    )

    assert response.status_code == 302
    category = ServiceCategory.objects.get(slug="workshops")
    assert "Workshops" in admin_client.get(CATEGORIES).content.decode()
    assert admin_client.post(f"{CATEGORIES}delete/{category.pk}/").status_code == 302
    assert not ServiceCategory.objects.exists()


@pytest.mark.parametrize("role", [STAFF, EDITORS, CONSULTANTS])
def test_other_roles_may_not_see_or_change_services(client, role):
    service = ServiceFactory(title="Secret menu")
    client.force_login(member(role))

    for url in (SERVICES, f"{SERVICES}new/", f"{SERVICES}edit/{service.pk}/"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert "Secret menu" not in response.content.decode()
    client.post(f"{SERVICES}edit/{service.pk}/", service_data(service, price="1"))
    service.refresh_from_db()
    assert service.price == Decimal("80.00")
    assert client.get(CATEGORIES).status_code in (302, 403)


# --- the daily cap --------------------------------------------------------------------


def test_a_daily_cap_hides_the_rest_of_the_day_and_refuses_a_booking():
    maya = ConsultantFactory(time_zone="UTC")
    service = ServiceFactory(consultants=[maya], daily_cap=1, price=0)
    monday = next_monday_at(9)
    booked, token = make_draft(service=service, start=monday)
    services.verify_email(token=token)

    day = free_slots(
        consultant=maya,
        service=service,
        start=monday.replace(hour=0),
        end=monday.replace(hour=23),
    )
    tuesday = free_slots(
        consultant=maya,
        service=service,
        start=monday.replace(hour=0) + timedelta(days=1),
        end=monday.replace(hour=23) + timedelta(days=1),
    )
    assert day == [] and tuesday

    with pytest.raises(InvalidBookingData, match="at most 1 session a day"):
        make_draft(service=service, start=monday + timedelta(hours=3))
    assert Booking.objects.count() == 1


def test_the_cap_counts_only_its_own_service():
    maya = ConsultantFactory(time_zone="UTC")
    capped = ServiceFactory(consultants=[maya], daily_cap=1, price=0)
    other = ServiceFactory(consultants=[maya], price=0)
    monday = next_monday_at(9)
    _, token = make_draft(service=other, start=monday)
    services.verify_email(token=token)

    booking, _ = make_draft(service=capped, start=monday + timedelta(hours=3))

    assert booking.pk is not None


# --- where in-person sessions are held ------------------------------------------------


@pytest.fixture
def leeds():
    maya = ConsultantFactory(name="Maya Stone")
    Location.objects.create(
        consultant=maya, label="Home office", address="9 Side Rd", city="York"
    )
    Location.objects.create(
        consultant=maya,
        label="City practice",
        address="1 High Street\nSecond floor",
        city="Leeds",
        is_primary=True,
    )
    return maya


def test_an_in_person_booking_is_held_at_the_primary_location(leeds):
    booking = confirmed_booking(service=free_service(leeds, mode="in_person"))

    assert booking.location.label == "City practice"
    email = booking.emails.get(kind=Kind.CONFIRMED)
    assert "In person: 1 High Street, Second floor, Leeds" in email.text_body
    assert "1 High Street, Second floor, Leeds" in email.html_body
    event = Calendar.from_ical(email.ics).events[0]
    assert str(event.get("LOCATION")) == "1 High Street, Second floor, Leeds"


def test_moving_the_primary_location_later_keeps_the_bookings_address(leeds):
    booking = confirmed_booking(service=free_service(leeds, mode="in_person"))

    Location.objects.filter(label="Home office").update(is_primary=False)
    home = Location.objects.get(label="Home office")
    home.is_primary = True
    home.save()

    booking.refresh_from_db()
    assert booking.location.label == "City practice"


def test_online_bookings_have_no_location(leeds):
    booking = confirmed_booking(service=free_service(leeds, mode="online"))

    assert booking.location is None
    assert "Leeds" not in booking.emails.get(kind=Kind.CONFIRMED).text_body


def test_a_session_online_or_in_person_carries_both(leeds):
    booking = confirmed_booking(service=free_service(leeds, mode="both"))

    text = booking.emails.get(kind=Kind.CONFIRMED).text_body
    assert "Online or in person: 1 High Street, Second floor, Leeds" in text
    assert "; online: https://" in text
    ics = booking.emails.get(kind=Kind.CONFIRMED).ics.replace("\r\n ", "")
    location = str(Calendar.from_ical(ics).events[0].get("LOCATION"))
    assert location.startswith("1 High Street, Second floor, Leeds or https://")


def test_without_locations_the_practice_address_is_used(settings):
    settings.BOOKING_PRACTICE_ADDRESS = "1 Harbour Street"
    booking = confirmed_booking(service=free_service(mode="in_person"))

    assert booking.location is None
    assert "In person: 1 Harbour Street" in (
        booking.emails.get(kind=Kind.CONFIRMED).text_body
    )
