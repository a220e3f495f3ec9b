"""The home page's "Meet our consultants" follows Practice → Consultants'
"Featured" (issue 18), and falls back to the team page's order when nobody is
featured."""

import re

import pytest

from booking.core.models import Consultant
from tests.factories import build_site, publish_consultant_page

pytestmark = pytest.mark.django_db


def featured_names(client) -> list[str]:
    html = client.get("/").content.decode()
    section = html.split('id="featured-heading"', 1)[1].split("</section>", 1)[0]
    return [name for name in NAMES if re.search(rf">\s*{name}\s*<", section)]


NAMES = ("Ana", "Ben", "Cara", "Dev", "Eli")


@pytest.fixture
def team():
    _, team, _ = build_site()
    return {name: publish_consultant_page(team, name) for name in NAMES}


def feature(pages, *names, status=Consultant.Status.VERIFIED):
    for name in names:
        consultant = pages[name].consultant
        consultant.featured = True
        consultant.status = status
        consultant.save()


def test_featured_consultants_lead_the_home_page(client, team):
    feature(team, "Dev", "Eli")

    assert featured_names(client) == ["Dev", "Eli"]


def test_a_featured_consultant_who_is_suspended_is_not_shown(client, team):
    feature(team, "Dev")
    feature(team, "Eli", status=Consultant.Status.SUSPENDED)

    assert featured_names(client) == ["Dev"]


def test_without_featured_consultants_the_team_order_is_used(client, team):
    assert featured_names(client) == ["Ana", "Ben", "Cara"]
