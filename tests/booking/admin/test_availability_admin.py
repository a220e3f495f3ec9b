"""The availability screen in the Wagtail admin: who may use it, and what a booking
admin or a consultant sees and changes there."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from booking.scheduling import hours
from booking.scheduling.hours import availability_entries
from booking.scheduling.slots import free_slots
from tests.availability_factories import admin_user, local, weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"booking_availability:{name}", args=args)


@pytest.fixture
def berlin():
    return ConsultantFactory(
        open_hours=False, name="Anna Berg", time_zone="Europe/Berlin"
    )


@pytest.fixture
def new_york():
    return ConsultantFactory(
        open_hours=False, name="Nora Kim", time_zone="America/New_York"
    )


@pytest.fixture
def booking_admin(client):
    client.force_login(admin_user("change_consultant"))
    return client


@pytest.fixture
def as_nora(client, new_york):
    """Logged in as the New York consultant, who holds no booking permissions."""
    new_york.user = admin_user()
    new_york.save()
    client.force_login(new_york.user)
    return client


def test_a_booking_admin_chooses_any_consultant(booking_admin, berlin, new_york):
    response = booking_admin.get(url("index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert url("consultant", berlin.pk) in html
    assert url("consultant", new_york.pk) in html


def test_a_booking_admin_adds_weekly_hours_without_knowing_rules(booking_admin, berlin):
    service = ServiceFactory(consultants=[berlin], booking_window_days=365)

    response = booking_admin.post(
        url("add", berlin.pk, "weekly_hours"),
        {
            "weekdays": ["0", "2"],
            "start_time": "09:00",
            "end_time": "13:00",
            "starts_on": "2025-12-01",
            "ends_on": "2026-03-31",
        },
    )

    assert response.status_code == 302
    assert response.url == url("consultant", berlin.pk)
    berlin.refresh_from_db()  # the calendar made on first use
    page = booking_admin.get(response.url).content.decode()
    assert "Mon, Wed 09:00–13:00, from Mon 1 Dec 2025 until Tue 31 Mar 2026" in page
    assert "Europe/Berlin" in page
    monday = local(berlin, date(2026, 1, 5), "00:00")
    slots = free_slots(
        consultant=berlin,
        service=service,
        start=monday,
        end=monday + timedelta(days=1),
        now=monday - timedelta(days=1),
    )
    assert f"{slots[0].start.astimezone(berlin.zone):%H:%M}" == "09:00"


def test_the_forms_explain_what_is_wrong(booking_admin, berlin):
    hours = {"weekdays": ["0"], "start_time": "13:00", "end_time": "09:00"}

    missing = booking_admin.post(url("add", berlin.pk, "weekly_hours"), hours)
    backwards = booking_admin.post(
        url("add", berlin.pk, "weekly_hours"), {**hours, "starts_on": "2030-01-01"}
    )

    assert missing.status_code == backwards.status_code == 200
    assert "This field is required" in missing.content.decode()
    assert "The hours must end after they start" in backwards.content.decode()
    berlin.refresh_from_db()
    assert availability_entries(consultant=berlin) == []


def test_a_consultant_takes_time_off_in_their_own_time_zone(as_nora, new_york):
    response = as_nora.post(
        url("add", new_york.pk, "time_off"),
        {"first_day": "2026-12-24", "last_day": "2026-12-26", "note": "Holidays"},
    )

    assert response.status_code == 302
    new_york.refresh_from_db()
    [entry] = availability_entries(consultant=new_york)
    assert entry.start == datetime(2026, 12, 24, 5, 0, tzinfo=UTC)  # 00:00 EST
    page = as_nora.get(url("consultant", new_york.pk)).content.decode()
    assert "Thu 24 Dec 2026 – Sat 26 Dec 2026 (whole days)" in page
    assert "America/New_York" in page
    log = ModelLogEntry.objects.get(action="booking.availability")
    assert log.user == new_york.user
    assert "Added time off" in log.data["change"]


def test_times_are_shown_in_the_consultants_zone(as_nora, new_york):
    weekly_hours(new_york, weekdays=range(7), start="09:00", end="13:00")
    hours.add_time_off(
        consultant=new_york,
        start=datetime(2030, 1, 7, 15, 0, tzinfo=UTC),
        end=datetime(2030, 1, 7, 16, 30, tzinfo=UTC),
    )

    html = as_nora.get(url("consultant", new_york.pk)).content.decode()

    assert "Mon 7 Jan 2030 10:00 – Mon 7 Jan 2030 11:30" in html
    assert "09:00–13:00" in html  # the open hours of the coming days


def test_an_entry_is_changed_and_removed(booking_admin, berlin):
    entry = weekly_hours(berlin, weekdays=[0], starts_on=date(2030, 1, 1))

    form = booking_admin.get(url("edit", berlin.pk, entry.id)).content.decode()
    assert 'value="09:00"' in form and 'value="2030-01-07"' in form

    booking_admin.post(
        url("edit", berlin.pk, entry.id),
        {
            "weekdays": ["1"],
            "start_time": "10:00",
            "end_time": "12:00",
            "starts_on": "2030-01-01",
        },
    )
    [changed] = availability_entries(consultant=berlin)
    assert (changed.id, str(changed)) == (
        entry.id,
        "Tue 10:00–12:00, from Tue 1 Jan 2030 with no end date",
    )

    confirm = booking_admin.get(url("delete", berlin.pk, entry.id)).content.decode()
    assert "Tue 10:00–12:00" in confirm
    booking_admin.post(url("delete", berlin.pk, entry.id))
    assert availability_entries(consultant=berlin) == []


def test_a_consultant_is_sent_to_their_own_availability(as_nora, new_york):
    response = as_nora.get(url("index"))

    assert response.status_code == 302
    assert response.url == url("consultant", new_york.pk)


def test_a_consultant_cannot_reach_another_consultants_availability(
    as_nora, berlin, new_york
):
    entry = weekly_hours(berlin)
    own = weekly_hours(new_york)
    payload = {"first_day": "2030-01-01", "last_day": "2030-01-02"}

    for path in (
        url("consultant", berlin.pk),
        url("add", berlin.pk, "time_off"),
        url("edit", berlin.pk, entry.id),
        url("delete", berlin.pk, entry.id),
        url("consultant", 999_999),
    ):
        assert as_nora.get(path).status_code == 403, path
        assert as_nora.post(path, payload).status_code == 403, path

    # Another consultant's entry under one's own consultant id is simply not there.
    assert as_nora.get(url("edit", new_york.pk, entry.id)).status_code == 404
    assert as_nora.post(url("delete", new_york.pk, entry.id)).status_code == 404
    assert as_nora.get(url("add", new_york.pk, "no_such_kind")).status_code == 404
    assert availability_entries(consultant=berlin) == [entry]
    assert availability_entries(consultant=new_york) == [own]


def test_staff_without_the_permission_get_403(client, berlin):
    client.force_login(admin_user("view_booking"))

    assert client.get(url("index")).status_code == 403
    assert client.get(url("consultant", berlin.pk)).status_code == 403
    assert client.post(url("add", berlin.pk, "time_off"), {}).status_code == 403


def test_people_outside_the_admin_are_sent_to_log_in(client, berlin):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(url("consultant", berlin.pk))

    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response.url


@pytest.mark.parametrize(
    "who, shown",
    [("consultant", True), ("booking admin", True), ("other staff", False)],
)
def test_the_menu_shows_availability_to_those_who_may_use_it(client, who, shown):
    user = admin_user("change_consultant") if who == "booking admin" else admin_user()
    if who == "consultant":
        ConsultantFactory(open_hours=False, user=user)
    client.force_login(user)

    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert (url("index") in home) is shown


def test_open_hours_preview_starts_today(booking_admin, berlin):
    today = timezone.now().astimezone(berlin.zone).date()
    weekly_hours(berlin, weekdays=[today.weekday()], start="08:00", end="09:30")

    html = booking_admin.get(url("consultant", berlin.pk)).content.decode()

    assert f"{today:%a} {today.day} {today:%b %Y}</td><td>08:00–09:30" in html
