"""The admin wears the practice's name and mark, not Wagtail's bird (issue 19)."""

import pytest
from wagtail.models import Site

from cms.models import PracticeSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice_named():
    settings = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    settings.practice_name = "Riverside Counselling"
    settings.save()
    return settings


def test_the_sign_in_page_names_the_practice(client, practice_named):
    page = client.get("/admin/login/").text

    assert "Sign in to Riverside Counselling" in page
    assert 'aria-label="Riverside Counselling"' in page
    assert "Sign in to Wagtail" not in page
    assert 'aria-label="Wagtail"' not in page


def test_the_sidebar_title_and_dashboard_name_the_practice(client, practice_named):
    client.force_login(UserFactory(username="owner", is_superuser=True))

    page = client.get("/admin/").text

    assert "<title>" in page and "- Riverside Counselling</title>" in page
    assert "data-wagtail-sidebar-branding-logo" in page
    sidebar_logo = page.split("data-wagtail-sidebar-branding-logo>", 1)[1]
    assert sidebar_logo.split("</template>", 1)[0].count("haven-brand") >= 1
    assert "Welcome to" not in page
