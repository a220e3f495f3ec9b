"""Practice → Consultants (issue 18): booking admins add and edit consultants; a
time-zone change asks what the weekly hours keep; suspending or recording a leave
is refused while sessions are ahead, or cancels them and tells the clients."""

from datetime import date, time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from wagtail.models import ModelLogEntry

from booking.core.models import Booking, Consultant, Location
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.core.states import BookingStatus
from booking.lifecycle import services
from booking.scheduling import hours
from tests.availability_factories import weekly_hours
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    member,
)

pytestmark = pytest.mark.django_db

INDEX = "/admin/practice/consultants/"
ADD = f"{INDEX}new/"


def edit_url(consultant):
    return f"{INDEX}edit/{consultant.pk}/"


def locations_data(locations=()):
    data = {
        "locations-TOTAL_FORMS": str(len(locations)),
        "locations-INITIAL_FORMS": str(sum(1 for row in locations if row.get("id"))),
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(locations):
        for name, value in row.items():
            if value is not False:
                data[f"locations-{index}-{name}"] = value
    return data


def form_data(consultant=None, locations=(), **changes):
    """What the edit form posts for `consultant` as it is, with `changes`."""
    data = {
        "name": "Maya Stone",
        "email": "maya@haven.test",
        "time_zone": "Europe/Berlin",
        "languages": "English, German",
        "status": "verified",
        "meeting_url": "",
        "max_bookings_per_day": "",
        "commission_rate": "",
        "payout_currency": "",
        "stripe_account_id": "",
        "user": "",
    }
    if consultant is not None:
        data.update(
            name=consultant.name,
            email=consultant.email,
            time_zone=consultant.time_zone,
            languages=consultant.languages,
            status=consultant.status,
            meeting_url=consultant.meeting_url,
        )
        if consultant.featured:
            data["featured"] = "on"
    data.update(locations_data(locations))
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def admin_client(client):
    admin = member(BOOKING_ADMINS, username="admin", first_name="Bea")
    client.force_login(admin)
    client.user = admin
    return client


def errors_of(response) -> str:
    return response.content.decode()


# --- listing, adding, editing ---------------------------------------------------------


def test_booking_admins_list_search_and_filter_consultants(admin_client):
    maya = ConsultantFactory(name="Maya Stone", featured=True)
    ServiceFactory(consultants=[maya])
    ServiceFactory(consultants=[maya])
    ConsultantFactory(name="Noah Park", status=Consultant.Status.SUSPENDED)

    listing = admin_client.get(INDEX).content.decode()
    assert "Maya Stone" in listing and "Noah Park" in listing
    assert "Suspended" in listing and "Europe/Berlin" in listing

    found = admin_client.get(INDEX, {"q": "maya"}).content.decode()
    assert "Maya Stone" in found and "Noah Park" not in found

    suspended = admin_client.get(INDEX, {"status": "suspended"}).content.decode()
    assert "Noah Park" in suspended and "Maya Stone" not in suspended


def test_a_booking_admin_adds_a_consultant_with_a_location(admin_client):
    login = UserFactory(username="maya")
    data = form_data(
        user=login.pk,
        featured="on",
        commission_rate="0.1500",
        payout_currency="gbp",
        stripe_account_id="acct_123",
        locations=[
            {"label": "City practice", "address": "1 High St", "city": "Leeds"}
            | {"is_primary": "on"}
        ],
    )

    response = admin_client.post(ADD, data)

    assert response.status_code == 302, errors_of(response)
    maya = Consultant.objects.get(email="maya@haven.test")
    assert maya.user == login and maya.featured and maya.payout_currency == "GBP"
    assert maya.languages == "English, German"
    assert maya.status_changed_by == admin_client.user
    assert maya.primary_location.full_address == "1 High St, Leeds"
    assert ModelLogEntry.objects.filter(
        action="wagtail.create", object_id=str(maya.pk)
    ).exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("stripe_account_id", "ac_123", "starts with “acct_”"),
        ("payout_currency", "e1r", "three capital letters"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
        ("email", "not-an-email", "Enter a valid email address"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(admin_client, field, value, message):
    response = admin_client.post(ADD, form_data(**{field: value}))

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Consultant.objects.exists()


def test_only_unlinked_logins_are_offered(admin_client):
    taken = UserFactory(username="taken-login")
    ConsultantFactory(user=taken)
    UserFactory(username="free-login")

    form = admin_client.get(ADD).content.decode()

    assert "free-login" in form and "taken-login" not in form


def test_two_primary_locations_are_refused(admin_client):
    row = {"address": "1 High St", "city": "Leeds", "is_primary": "on"}
    data = form_data(locations=[{"label": "A", **row}, {"label": "B", **row}])

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert "Only one location can be primary" in errors_of(response)
    assert not Location.objects.exists()


def test_making_another_location_primary_moves_the_flag():
    maya = ConsultantFactory()
    first = Location.objects.create(
        consultant=maya, label="A", address="1 St", city="X", is_primary=True
    )
    Location.objects.create(
        consultant=maya, label="B", address="2 St", city="Y", is_primary=True
    )

    first.refresh_from_db()
    assert not first.is_primary and maya.primary_location.label == "B"


@pytest.mark.parametrize("role", [STAFF, EDITORS, CONSULTANTS])
def test_other_roles_may_not_see_or_change_consultants(client, role):
    maya = ConsultantFactory(name="Maya Stone")
    client.force_login(member(role))

    for url in (INDEX, ADD, edit_url(maya)):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert "Maya Stone" not in response.content.decode()
    client.post(edit_url(maya), form_data(maya, name="Hacked"))
    maya.refresh_from_db()
    assert maya.name == "Maya Stone"


def test_a_changed_meeting_link_is_in_history_and_the_consultant_is_told(
    admin_client, django_capture_on_commit_callbacks
):
    maya = ConsultantFactory(meeting_url="https://meet.example/old")

    with django_capture_on_commit_callbacks():
        admin_client.post(
            edit_url(maya), form_data(maya, meeting_url="https://meet.example/new")
        )

    maya.refresh_from_db()
    assert maya.meeting_url == "https://meet.example/new"
    entry = ModelLogEntry.objects.get(
        action="booking.consultant.meeting_link", object_id=str(maya.pk)
    )
    assert entry.data["to"] == "https://meet.example/new"


# --- the time zone --------------------------------------------------------------------


@pytest.fixture
def london():
    """A consultant in London with hours Mon–Fri 09:00–13:00."""
    consultant = ConsultantFactory(time_zone="Europe/London", open_hours=False)
    weekly_hours(consultant, start="09:00", end="13:00", starts_on=date(2026, 1, 5))
    return consultant


def first_block(consultant):
    consultant = Consultant.objects.get(pk=consultant.pk)
    entry = hours.availability_entries(consultant=consultant)[0]
    return entry.start.strftime("%H:%M"), entry.end.strftime("%H:%M")


def test_changing_the_time_zone_asks_what_the_hours_keep(admin_client, london):
    response = admin_client.post(
        edit_url(london), form_data(london, time_zone="Europe/Berlin")
    )

    assert response.status_code == 200
    assert "choose whether their weekly hours keep" in errors_of(response)
    london.refresh_from_db()
    assert london.time_zone == "Europe/London"


def test_keeping_local_times_keeps_nine_oclock(admin_client, london):
    response = admin_client.post(
        edit_url(london),
        form_data(london, time_zone="Europe/Berlin", hours_on_zone_change="local"),
    )

    assert response.status_code == 302, errors_of(response)
    assert Consultant.objects.get(pk=london.pk).time_zone == "Europe/Berlin"
    assert first_block(london) == ("09:00", "13:00")
    history = admin_client.get(f"{INDEX}history/{london.pk}/").content.decode()
    assert "Europe/London to Europe/Berlin" in history


def test_keeping_moments_shifts_the_hours(admin_client, london):
    response = admin_client.post(
        edit_url(london),
        form_data(london, time_zone="Europe/Berlin", hours_on_zone_change="moments"),
    )

    assert response.status_code == 302, errors_of(response)
    assert first_block(london) == ("10:00", "14:00")


def test_change_time_zone_moves_time_off_and_end_dates_with_local_times(london):
    hours.add_time_off(
        consultant=london,
        start=hours.local_moment(date(2026, 3, 2), time(0), london.zone),
        end=hours.local_moment(date(2026, 3, 3), time(0), london.zone),
    )

    moved = hours.change_time_zone(
        consultant=london, new_zone="America/New_York", keep_local_times=True
    )

    assert moved == 2
    entries = hours.availability_entries(consultant=london)
    assert [entry.start.strftime("%H:%M") for entry in entries] == ["09:00", "00:00"]
    assert entries[1].whole_days


# --- suspending and leaving -----------------------------------------------------------


@pytest.fixture
def booked():
    """Maya with a pending request and a confirmed, paid-nothing free session."""
    maya = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    service = ServiceFactory(consultants=[maya], price=0, requires_approval=True)
    draft, token = make_draft(
        service=service, client_name="Ada Lovelace", client_email="ada@clients.test"
    )
    services.verify_email(token=token)
    return maya, Booking.objects.get(pk=draft.pk)


def test_suspending_with_sessions_ahead_is_refused_naming_them(admin_client, booked):
    maya, booking = booked

    response = admin_client.post(edit_url(maya), form_data(maya, status="suspended"))

    assert response.status_code == 200
    text = errors_of(response)
    assert booking.reference in text and "with Ada" in text
    assert "Lovelace" not in text
    local = booking.start.astimezone(maya.zone)
    assert f"{local:%H:%M}" in text
    maya.refresh_from_db()
    assert maya.status == "verified" and maya.is_active
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_leaving_can_cancel_the_sessions_and_tell_the_clients(
    admin_client, booked, django_capture_on_commit_callbacks
):
    maya, booking = booked
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            edit_url(maya),
            form_data(maya, status="left", cancel_bookings_ahead="on"),
        )

    assert response.status_code == 302, errors_of(response)
    maya.refresh_from_db()
    assert maya.status == "left" and not maya.is_active
    assert maya.status_changed_by == admin_client.user
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "no longer available" in booking.cancel_reason
    history = admin_client.get(f"{INDEX}history/{maya.pk}/").content.decode()
    assert "Status changed from Verified to Left the practice" in history
    assert booking.reference in history


def test_suspending_without_sessions_ahead_needs_no_answer(admin_client):
    noah = ConsultantFactory(name="Noah Park")

    response = admin_client.post(edit_url(noah), form_data(noah, status="suspended"))

    assert response.status_code == 302, errors_of(response)
    noah.refresh_from_db()
    assert noah.status == "suspended" and noah.status_changed_at is not None


def test_sessions_in_the_past_do_not_block_leaving(admin_client, booked):
    maya, booking = booked
    Booking.objects.filter(pk=booking.pk).update(
        start=booking.start - timedelta(days=30), end=booking.end - timedelta(days=30)
    )

    response = admin_client.post(edit_url(maya), form_data(maya, status="left"))

    assert response.status_code == 302, errors_of(response)


def test_cancelling_needs_the_right_to_cancel_bookings(client, booked):
    maya, booking = booked
    staff = member(STAFF)
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_consultant", "change_consultant"]
        )
    )
    client.force_login(staff)

    response = client.post(
        edit_url(maya), form_data(maya, status="left", cancel_bookings_ahead="on")
    )

    assert response.status_code == 200
    assert "permission to cancel bookings" in errors_of(response)
    maya.refresh_from_db()
    booking.refresh_from_db()
    assert maya.status == "verified" and booking.status == BookingStatus.PENDING
