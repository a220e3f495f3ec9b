"""The calendar feed screen for those who look after every consultant (issue 17,
item 26): the menu item leads a superuser or a booking admin to a choice of
consultants, not to "Sorry, you do not have permission"."""

import pytest

from booking.scheduling.models import CalendarFeed
from tests.factories import ConsultantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_superuser_chooses_whose_calendar_feed_to_manage(client):
    maya = ConsultantFactory(name="Maya Lindqvist")
    ConsultantFactory(name="Tom Okafor")
    client.force_login(UserFactory(username="boss", is_superuser=True))

    choice = client.get("/admin/calendar-feed/")
    page = client.get("/admin/calendar-feed/", {"consultant": maya.pk})
    made = client.post("/admin/calendar-feed/", {"consultant": maya.pk})

    assert choice.status_code == 200
    text = choice.content.decode()
    assert "Maya Lindqvist" in text and "Tom Okafor" in text
    assert "permission" not in text.lower()
    assert f"?consultant={maya.pk}" in text
    assert "Calendar feed of Maya Lindqvist" in page.content.decode()
    assert made.status_code == 200
    assert CalendarFeed.objects.filter(consultant=maya).exists()


def test_a_consultant_still_sees_only_their_own_feed(client):
    own = ConsultantFactory(name="Maya Lindqvist")
    other = ConsultantFactory(name="Tom Okafor")
    user = UserFactory(username="maya", is_staff=True)
    own.user = user
    own.save(update_fields=["user"])
    user.user_permissions.add(*access_admin())
    client.force_login(user)

    page = client.get("/admin/calendar-feed/", {"consultant": other.pk})

    assert "Calendar feed of Maya Lindqvist" in page.content.decode()
    assert "Tom Okafor" not in page.content.decode()


def access_admin():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename="access_admin")
