"""The consultant listing's category and price filters (without JavaScript: a
plain GET form), and a consultant who is not taking bookings: their page shows
no booking button or free times and says why, and the booking steps refuse with
the same words."""

import re
from decimal import Decimal

import pytest

from booking.core.models import Booking, Service, ServiceCategory
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    build_site,
    next_monday_at,
    publish_consultant_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    _, team, _ = build_site()
    return team


def names(response):
    return [page.title for page in response.context["consultants"]]


def offering(team, name, category=None, *, mode=Service.Mode.ONLINE, active=True):
    consultant = ConsultantFactory(name=name)
    ServiceFactory(
        consultants=[consultant], category=category, mode=mode, is_active=active
    )
    return publish_consultant_page(team, name, consultant=consultant)


@pytest.fixture
def categories(team):
    couples = ServiceCategory.objects.create(name="Couples", slug="couples")
    groups = ServiceCategory.objects.create(name="Groups", slug="groups")
    ServiceCategory.objects.create(name="Workshops", slug="workshops")  # unused
    offering(team, "Ana", couples)
    offering(team, "Ben", groups, mode=Service.Mode.IN_PERSON)
    offering(team, "Cara", couples, mode=Service.Mode.IN_PERSON)
    offering(team, "Dan", groups, active=False)
    return couples, groups


def test_the_listing_filters_by_the_category_of_active_services(client, categories):
    assert names(client.get("/team/?category=couples")) == ["Ana", "Cara"]
    assert names(client.get("/team/?category=groups")) == ["Ben"]
    assert names(client.get("/team/?category=groups&mode=online")) == []
    assert names(client.get("/team/?category=couples&mode=in_person")) == ["Cara"]
    assert names(client.get("/team/?category=no-such-kind")) == []
    assert names(client.get("/team/")) == ["Ana", "Ben", "Cara", "Dan"]


def test_the_category_select_offers_categories_in_use_and_keeps_the_choice(
    client, categories
):
    page = client.get("/team/?category=groups").text

    select = re.search(
        r'<select id="category" name="category">.*?</select>', page, re.S
    ).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "couples", "groups"]
    assert '<option value="groups" selected>Groups</option>' in select
    assert '<label for="category">Kind of session</label>' in page
    assert "Clear filters" in page


@pytest.mark.parametrize("query", ["category=" + "x" * 5000, "category=%F0%9F%98%80"])
def test_odd_category_values_just_match_nobody(client, categories, query):
    response = client.get(f"/team/?{query}")

    assert response.status_code == 200
    assert names(response) == []


@pytest.fixture
def priced(team):
    for name, price in (("Ana", "40.00"), ("Ben", "80.00"), ("Cara", "120.00")):
        consultant = ConsultantFactory(name=name)
        ServiceFactory(consultants=[consultant], price=Decimal(price))
        publish_consultant_page(team, name, consultant=consultant)


def test_the_listing_filters_by_the_highest_price(client, priced):
    assert names(client.get("/team/?price_max=80")) == ["Ana", "Ben"]
    assert names(client.get("/team/?price_max=0")) == []
    page = client.get("/team/?price_max=80.5").text
    assert 'name="price_max" type="number"' in page and 'value="80.5"' in page


@pytest.mark.parametrize("value", ["cheap", "NaN", "-Infinity", "1e999", "-5", ""])
def test_an_unreadable_price_is_ignored(client, priced, value):
    response = client.get(f"/team/?price_max={value}")

    assert response.status_code == 200
    assert names(response) == ["Ana", "Ben", "Cara"]


# --- not taking bookings ------------------------------------------------------------


@pytest.fixture
def suspended(team):
    page = offering(team, "Ana")
    page.consultant.status = "suspended"
    page.consultant.save()
    return page


def test_a_suspended_consultants_page_has_no_booking_button(client, suspended):
    html = client.get(suspended.url).text

    assert "Ana is not taking bookings at the moment." in html
    assert "Book a session" not in html
    assert "Next free times" not in html
    # Nothing books this consultant ("Find my booking" in the header stays).
    assert f"/book/{suspended.consultant_id}/" not in html


def test_a_verified_consultants_page_has_the_button_and_free_times(client, team):
    page = offering(team, "Ana")

    html = client.get(page.url).text

    assert "Book a session" in html and "Next free times" in html
    assert "not taking bookings" not in html


def test_the_listing_card_says_who_is_not_taking_bookings(client, suspended):
    assert "Not taking bookings at the moment" in client.get("/team/").text


def test_suspending_shows_at_once_on_a_cached_page(client, team, settings):
    settings.PAGE_CACHE_SECONDS = 300
    page = offering(team, "Ana")
    assert "Book a session" in client.get(page.url).text

    page.consultant.status = "suspended"
    page.consultant.save()

    assert "Book a session" not in client.get(page.url).text


def test_every_booking_step_says_the_consultant_is_not_taking_bookings(
    client, suspended
):
    consultant = suspended.consultant
    service = consultant.services.get()
    steps = [
        client.get(f"/book/{consultant.pk}/"),
        client.get(f"/book/{consultant.pk}/{service.slug}/"),
        client.get(f"/book/{consultant.pk}/{service.slug}/details/"),
        client.post(
            f"/book/{consultant.pk}/{service.slug}/details/",
            {
                "client_name": "Ada Lovelace",
                "client_email": "ada@example.com",
                "consent": "on",
                "tz": "Europe/Berlin",
                "start": next_monday_at(9).isoformat(),
                "website": "",
            },
        ),
    ]

    for response in steps:
        assert response.status_code == 404
        assert "Ana is not taking bookings at the moment" in response.text
    assert not Booking.objects.exists()
