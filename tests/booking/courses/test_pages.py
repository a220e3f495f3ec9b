"""Series and courses on the public details step, the phone booking screen and
the Course meetings admin screen: what a client or the desk sees and gets."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

from booking.core.models import Booking, Service
from booking.core.states import BookingStatus as S
from booking.courses.models import CourseMeeting
from booking.lifecycle import services
from tests.booking.web.test_public_journey import details, details_url, tomorrow_at
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    user_with_perms,
)

pytestmark = pytest.mark.django_db


def staff(*codenames):
    """A user of the admin holding exactly these booking permissions."""
    user = user_with_perms(*codenames)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    consultant = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    return ServiceFactory(
        title="Counselling", slug="counselling", consultants=[consultant]
    )


def test_a_client_repeats_a_session_and_accepts_the_nearest_free_time(client, service):
    start = tomorrow_at(10)
    other, verify = make_draft(service=service, start=start + timedelta(weeks=2))
    services.verify_email(token=verify)
    form = details(start, repeat="2", occurrences="3")

    clash = client.post(details_url(service), form)
    assert clash.status_code == 400
    page = clash.content.decode()
    assert "Times of the series that are not free" in page
    assert "Book with the nearest free times" in page
    assert not Booking.objects.filter(client_email="ada@example.com").exists()

    accepted = clash.context["form"].data["starts"]
    booked = client.post(details_url(service), {**form, "starts": accepted})
    assert booked.status_code == 302
    parent = Booking.objects.get(client_email="ada@example.com", parent=None)
    assert parent.status == S.DRAFT and parent.children.count() == 2
    assert parent.amount == service.price * 3


def test_a_series_needs_its_number_of_sessions(client, service):
    response = client.post(details_url(service), details(tomorrow_at(10), repeat="1"))
    assert response.status_code == 400
    assert "Say how many sessions the series has" in response.content.decode()
    response = client.post(
        details_url(service), details(tomorrow_at(10), repeat="1", occurrences="99")
    )
    assert "A series has at most 26 sessions" in response.content.decode()
    assert not Booking.objects.exists()


def test_the_desk_books_a_weekly_series_by_phone(client, service):
    desk = staff("add_booking", "approve_booking", "view_booking")
    client.force_login(desk)
    consultant = service.consultants.get()
    start = tomorrow_at(11)
    response = client.post(
        reverse("bookings:add"),
        {
            "consultant": consultant.pk,
            "service": service.pk,
            "day": start.date().isoformat(),
            "start": start.isoformat(),
            "repeat": "1",
            "occurrences": "4",
            "client_name": "Bo Client",
            "client_email": "bo@example.com",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    parent = Booking.objects.get(client_email="bo@example.com", parent=None)
    assert parent.status == S.APPROVED and parent.children.count() == 3


def test_course_meetings_screen_sets_dates_from_a_rule_and_refuses_bad_ones(client):
    consultant = ConsultantFactory()
    course = ServiceFactory(
        consultants=[consultant], kind=Service.Kind.COURSE, capacity=8, price=Decimal(1)
    )
    client.force_login(staff("change_service"))
    rule = {
        "service": course.pk,
        "first_day": "2027-01-12",
        "count": "8",
        "every_weeks": "1",
        "start_time": "18:00",
        "end_time": "19:30",
        "exceptions": "2027-01-26",
    }
    bad = client.post("/admin/course-meetings/", {**rule, "exceptions": "26 Jan"})
    assert "Write each date as year-month-day" in bad.content.decode()
    backwards = client.post("/admin/course-meetings/", {**rule, "end_time": "17:00"})
    assert "A meeting must end after it starts." in backwards.content.decode()
    assert not CourseMeeting.objects.exists()

    assert client.post("/admin/course-meetings/", rule).status_code == 302
    assert CourseMeeting.objects.filter(service=course).count() == 8
    page = client.get("/admin/course-meetings/").content.decode()
    assert "Move meeting 8" in page


def test_course_meetings_screen_is_for_those_who_change_services(client):
    client.force_login(staff())
    assert client.get("/admin/course-meetings/").status_code == 403
