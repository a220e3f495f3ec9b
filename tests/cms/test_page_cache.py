"""Anonymous visitors get public pages from the cache; nothing personal is ever
stored, and a change shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from booking.lifecycle import services
from tests.factories import (
    UserFactory,
    build_site,
    make_draft,
    next_monday_at,
    publish_consultant_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    _, team, _ = build_site()
    return team


def visit(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_a_second_anonymous_visit_is_served_without_the_database(client, team):
    page = publish_consultant_page(team, "Maya Stone")

    first, first_queries = visit(client, page.url)
    second, second_queries = visit(client, page.url)

    assert first["X-Page-Cache"] == "miss" and first_queries > 5
    assert second["X-Page-Cache"] == "hit" and second_queries == 0
    assert second.content == first.content


def test_publishing_a_change_shows_at_once(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    visit(client, page.url)

    page.bio = "<p>Now also offers walking sessions.</p>"
    page.save_revision().publish()
    response, _ = visit(client, page.url)

    assert response["X-Page-Cache"] == "miss"
    assert b"Now also offers walking sessions." in response.content


def test_a_new_booking_refreshes_the_free_slots_a_page_shows(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    visit(client, page.url)

    make_draft(consultant=page.consultant, start=next_monday_at(10))
    response, _ = visit(client, page.url)

    assert response["X-Page-Cache"] == "miss"


def test_signed_in_people_always_get_a_fresh_page(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    visit(client, page.url)
    client.force_login(UserFactory())

    response, queries = visit(client, page.url)

    assert "X-Page-Cache" not in response and queries > 0


def test_pages_behind_a_password_are_never_stored(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="calm"
    )
    client.post(
        f"/_util/authenticate_with_password/{page.get_view_restrictions()[0].pk}/"
        f"{page.pk}/",
        {"password": "calm", "return_url": page.url},
    )

    response, _ = visit(client, page.url)
    again, queries = visit(client, page.url)

    assert "X-Page-Cache" not in response and "X-Page-Cache" not in again
    assert queries > 0


def test_booking_pages_with_personal_data_are_never_stored(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    booking, token = make_draft(consultant=page.consultant, start=next_monday_at(10))
    services.verify_email(token=token)
    booking.refresh_from_db()

    status_url = f"/book/status/?reference={booking.reference}"
    client.get(status_url)
    response = client.get(status_url)

    assert response.status_code == 200
    assert booking.reference.encode() in response.content
    assert "X-Page-Cache" not in response


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, team):
    page = publish_consultant_page(team, "Maya Stone")
    visit(client, page.url)
    client.cookies["messages"] = "waiting"

    response, queries = visit(client, page.url)

    assert "X-Page-Cache" not in response and queries > 0
