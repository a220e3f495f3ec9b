"""Bookings → Waitlist: a booking admin sees the lines and reorders them; staff
see them only; each viewing is in the access log."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from booking.lifecycle import waitlist as waitlist_services
from booking.privacy.models import AccessLogEntry
from tests.booking.waitlist.helpers import full_workshop, waiting_client
from tests.factories import user_with_perms

pytestmark = pytest.mark.django_db


def admin_user(*codenames):
    user = user_with_perms(*codenames)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return type(user).objects.get(pk=user.pk)


def test_a_booking_admin_sees_and_reorders_the_line(client):
    service, consultant, start, _, _ = full_workshop()
    first = waiting_client(service, consultant, start, 1)
    second = waiting_client(service, consultant, start, 2)
    client.force_login(admin_user("view_booking", "change_booking"))
    page = client.get(reverse("booking_waitlist:index"))
    assert page.status_code == 200
    assert b"wait1@example.com" in page.content and b"Move down" in page.content
    assert AccessLogEntry.objects.filter(action="viewed").exists()

    client.post(reverse("booking_waitlist:act", args=[second.pk]), {"action": "up"})
    second.refresh_from_db()
    first.refresh_from_db()
    assert waitlist_services.position(second) == 1
    assert waitlist_services.position(first) == 2


def test_staff_see_the_waitlist_but_cannot_reorder_it(client):
    service, consultant, start, _, _ = full_workshop()
    second = waiting_client(service, consultant, start, 2)
    waiting_client(service, consultant, start, 3)
    client.force_login(admin_user("view_booking"))
    page = client.get(reverse("booking_waitlist:index"))
    assert page.status_code == 200 and b"Move up" not in page.content
    refused = client.post(
        reverse("booking_waitlist:act", args=[second.pk]), {"action": "down"}
    )
    assert refused.status_code in (302, 403)
    assert waitlist_services.position(second) == 1


def test_without_booking_rights_the_waitlist_is_closed(client):
    client.force_login(admin_user())
    assert client.get(reverse("booking_waitlist:index")).status_code in (302, 403)
