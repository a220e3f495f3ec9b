"""The profile-page hook (issue 18): `cms` registers how a draft ConsultantPage
is made, and `booking` asks for one without importing `cms`."""

import pytest

from booking.core import profiles
from cms.models import ConsultantPage
from tests.factories import ConsultantFactory, build_site

pytestmark = pytest.mark.django_db


def test_cms_registers_the_maker():
    assert profiles.can_make_profile_pages()


def test_a_draft_page_is_made_under_the_team_index():
    _, team, _ = build_site()
    maya = ConsultantFactory(name="Maya Stone")

    page = profiles.make_profile_page(
        maya, qualifications="MBACP", specialisations="grief, anxiety"
    )

    page = ConsultantPage.objects.get(pk=page.pk)
    assert page.consultant == maya and page.get_parent().specific == team
    assert not page.live and page.has_unpublished_changes
    assert page.slug == "maya-stone" and page.qualifications == "MBACP"
    assert sorted(page.specialisations.names()) == ["anxiety", "grief"]
    assert page.latest_revision is not None


def test_a_consultant_with_a_page_keeps_it():
    build_site()
    maya = ConsultantFactory(name="Maya Stone")
    first = profiles.make_profile_page(maya)
    assert profiles.make_profile_page(maya).pk == first.pk
    assert ConsultantPage.objects.count() == 1


def test_two_consultants_of_one_name_get_two_slugs():
    build_site()
    pages = [
        profiles.make_profile_page(ConsultantFactory(name="Sam Lee")) for _ in "ab"
    ]
    assert [page.slug for page in pages] == ["sam-lee", "sam-lee-2"]


def test_without_a_team_index_no_page_is_made():
    assert profiles.make_profile_page(ConsultantFactory()) is None
