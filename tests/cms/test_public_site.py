"""The public site as a client meets it: service first on a consultant's page, cards
that say price and next free day, a way to book and to find a booking from every
page, error pages that still lead home, and demo content a practice would publish."""

import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from booking.core.models import Service
from cms.models import ArticlePage, StandardPage
from config import errors
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    build_site,
    publish_consultant_page,
)


@pytest.fixture
def site(db, settings):
    settings.PAGE_CACHE_SECONDS = 0
    return build_site()


@pytest.fixture
def two_services(site):
    """Ana offers an in-person couples session (first by title) and online
    individual counselling, each at its own price."""
    _, team, _ = site
    ana = ConsultantFactory(name="Ana")
    couples = ServiceFactory(
        title="Couples session",
        slug="couples-session",
        duration_minutes=80,
        price=Decimal("130.00"),
        mode=Service.Mode.IN_PERSON,
        consultants=[ana],
    )
    individual = ServiceFactory(
        title="Individual counselling",
        slug="individual-counselling",
        duration_minutes=50,
        price=Decimal("85.00"),
        mode=Service.Mode.ONLINE,
        consultants=[ana],
    )
    page = publish_consultant_page(team, "Ana", consultant=ana, tags=["Grief"])
    return page, couples, individual


def links(html, pattern):
    return [unescape(href) for href in re.findall(rf'href="({pattern}[^"]*)"', html)]


def test_each_service_card_leads_to_that_service_s_times(client, two_services):
    page, couples, individual = two_services

    html = client.get(page.url).text

    cards = re.findall(r'<li class="service-card">(.*?)</li>', html, re.S)
    assert len(cards) == 2
    for card, service, facts in (
        (cards[0], couples, ["80 minutes", "In person", "130.00 EUR"]),
        (cards[1], individual, ["50 minutes", "Online", "85.00 EUR"]),
    ):
        assert service.title in card
        assert all(fact in card for fact in facts), card
        assert re.search(r"Next free: <time datetime=\"\d{4}-\d\d-\d\d\">", card)
        choose = f"/book/{page.consultant_id}/{service.slug}/"
        assert f'href="{choose}"' in card


def test_next_free_times_name_their_service_and_book_it(client, two_services):
    """They booked the first service (by title) whatever the client wanted."""
    page, couples, individual = two_services

    html = client.get(page.url).text

    section = html[html.index("Next free times") :]
    slots = re.findall(r'<a class="next-slot" href="([^"]+)">(.*?)</a>', section, re.S)
    assert {urlsplit(unescape(href)).path for href, _ in slots} == {
        f"/book/{page.consultant_id}/couples-session/details/",
        f"/book/{page.consultant_id}/individual-counselling/details/",
    }
    for href, text in slots:
        service = couples if "couples" in href else individual
        assert service.title in text
        start = parse_qs(urlsplit(unescape(href)).query)["start"][0]
        # The link opens that service's details step at that start.
        response = client.get(unescape(href))
        assert response.status_code == 200
        assert service.title in response.text, start


def test_listing_cards_show_price_from_next_free_day_and_book(client, two_services):
    page, _, _ = two_services

    html = client.get("/team/").text

    card = re.search(
        r'<article class="card consultant-card">(.*?)</article>', html, re.S
    )
    card = card.group(1)
    assert "from 85.00 EUR" in card  # the lower of the two prices
    assert re.search(r"Next free</dt><dd><time datetime=", card)
    assert "<li>Grief</li>" in card
    assert f'href="{page.url}#sessions"' in card
    assert 'Book<span class="visually-hidden"> with Ana</span>' in card
    # The card titles follow the page's h1: no skipped heading level.
    assert '<h2 class="card__title">' in card


def test_the_listing_costs_the_same_queries_for_more_consultants(client, site):
    _, team, _ = site

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/team/").status_code == 200
        return len(captured)

    publish_consultant_page(team, "Ana", tags=["Grief"])
    queries()  # warm the per-process caches
    few = queries()
    for name in ("Ben", "Cara", "Dan", "Eve"):
        publish_consultant_page(team, name, tags=["Anxiety", name])
    queries()  # publishing forgot the cached navigation
    many = queries()

    assert few == many


def test_prices_from_are_per_currency():
    from cms.listing import prices_from

    services = [
        Service(price=Decimal("90.00"), currency="GBP"),
        Service(price=Decimal("80.00"), currency="EUR"),
        Service(price=Decimal("0.00"), currency="EUR"),
        Service(price=Decimal("70.00"), currency="GBP"),
    ]

    assert prices_from(services) == ["70.00 GBP", "80.00 EUR"]
    assert prices_from(services[2:3]) == ["Free"]
    assert prices_from([]) == []


def test_filters_fold_behind_a_filter_button_until_used(client, site):
    _, team, _ = site
    publish_consultant_page(team, "Ana")

    plain = client.get("/team/").text
    filtered = client.get("/team/?language=English").text

    assert '<details class="filters-panel">' in plain
    assert re.search(r"<summary[^>]*>Filter</summary>", plain)
    assert '<details class="filters-panel" open>' in filtered


def test_home_hero_books_and_every_page_finds_a_booking(client, site):
    home, team, _ = site
    publish_consultant_page(team, "Ana")

    html = client.get("/").text

    hero = html[html.index('class="hero"') : html.index("</section>")]
    assert f'<a class="button button--large" href="{team.url}">Book a session</a>' in (
        hero
    )
    for url in ("/", "/team/", "/journal/", "/no-such-page/"):
        page = client.get(url).text
        header = page[page.index("<header") : page.index("</header>")]
        footer = page[page.index("<footer") : page.index("</footer>")]
        assert 'href="/book/find/"' in header and "Find my booking" in header, url
        assert 'href="/book/find/"' in footer, url


@pytest.mark.parametrize(
    ("answer", "heading"),
    [
        (lambda request: errors.server_error(request), "Something went wrong"),
        (
            lambda request: errors.bad_request(request, ValueError()),
            "We could not read that request",
        ),
    ],
    ids=["500", "400"],
)
def test_error_pages_carry_the_header_and_a_way_home_without_the_database(
    answer, heading
):
    """No `db` fixture: any query here fails the test."""
    response = answer(RequestFactory().get("/somewhere/"))

    html = response.content.decode()
    assert heading in html
    assert '<header class="site-header">' in html and "<main" in html
    assert '<a class="button" href="/">Return to the home page</a>' in html
    assert 'href="/book/find/"' in html


def test_demo_pages_say_distinct_things_and_articles_match_their_titles(demo_site):
    about = StandardPage.objects.get(slug="about")
    privacy = StandardPage.objects.get(slug="privacy")
    texts = [str(page.body) for page in (about, privacy)]
    assert texts[0] != texts[1]
    assert about.intro not in texts[0] and privacy.intro not in texts[1]
    assert "erase" in texts[1] and "Who we are" in texts[0]

    first = ArticlePage.objects.get(title__startswith="What to expect")
    body = str(first.body)
    assert "first hour" in body.lower() and "counsellor" in body.lower()
    bodies = [str(article.body) for article in ArticlePage.objects.all()]
    assert len(set(bodies)) == len(bodies) == 6
