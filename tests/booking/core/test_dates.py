"""Dates outside 2000–2100 are refused where times are read, by every writer: the
booking form, the manage page's new time, the API, the admin's forms, the
spreadsheet import, and the booking services themselves. Before, the booking
form took 9999-12-31T23:59:59Z and the services overflowed adding its duration
(OverflowError, 500); the API already answered 400."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group

from booking.admin.availability_forms import DateHoursForm, TimeOffForm
from booking.admin.forms import SlotForm
from booking.core import dates
from booking.core.errors import InvalidBookingData
from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, ensure_roles
from booking.lifecycle import services
from booking.spreadsheets.widgets import DayWidget, WallClockInputWidget
from tests.factories import ConsultantFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

FAR = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
]


@pytest.fixture
def offer():
    consultant = ConsultantFactory()
    return consultant, ServiceFactory(consultants=[consultant])


@pytest.mark.parametrize("start", FAR)
def test_the_booking_form_refuses_far_dates(client, offer, start):
    consultant, service = offer

    response = client.post(
        f"/book/{consultant.pk}/{service.slug}/details/",
        {
            "client_name": "Ada",
            "client_email": "ada@example.com",
            "consent": "on",
            "tz": "Europe/Berlin",
            "start": start,
        },
    )

    assert response.status_code == 400
    assert dates.OUT_OF_RANGE in response.text
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start", FAR)
def test_the_services_refuse_far_dates_from_any_writer(offer, start):
    consultant, service = offer

    with pytest.raises(InvalidBookingData, match="between 2000 and 2100"):
        services.create_draft(
            consultant=consultant,
            service=service,
            start=datetime.fromisoformat(start),
            client_name="Ada",
            client_email="ada@example.com",
            client_time_zone="Europe/Berlin",
            consent=True,
        )
    assert not Booking.objects.exists()


def booking_admin():
    ensure_roles()
    user = UserFactory()
    user.groups.add(Group.objects.get(name=BOOKING_ADMINS))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_the_admin_s_booking_forms_refuse_far_days(offer, day):
    consultant, service = offer
    form = SlotForm(
        data={"day": day, "override_time": "10:00", "override_reason": "Phone"},
        user=booking_admin(),
        consultant=consultant,
        service=service,
    )

    form.setup_slots()

    assert not form.is_valid()
    assert form.errors["day"] == [dates.OUT_OF_RANGE]


@pytest.mark.parametrize(
    ("form_class", "data"),
    [
        (TimeOffForm, {"first_day": "2030-01-01", "last_day": "9999-12-31"}),
        (TimeOffForm, {"first_day": "0001-01-01", "last_day": "2030-01-01"}),
        (
            DateHoursForm,
            {"day": "9999-12-31", "start_time": "09:00", "end_time": "10:00"},
        ),
    ],
)
def test_the_admin_s_availability_forms_refuse_far_days(form_class, data):
    form = form_class(data=data)

    assert not form.is_valid()
    assert dates.OUT_OF_RANGE in str(form.errors)


def test_the_admin_calendar_shows_today_for_a_far_date(admin_client):
    response = admin_client.get("/admin/calendar/?date=9999-12-31&mode=month")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("widget", "cell"),
    [
        (WallClockInputWidget(), "9999-12-31 23:59"),
        (WallClockInputWidget(), datetime(1, 1, 1, tzinfo=UTC)),
        (DayWidget(), "9999-12-31"),
        (DayWidget(), date(1, 1, 1)),
    ],
)
def test_the_spreadsheet_import_refuses_far_dates(widget, cell):
    with pytest.raises(ValueError, match="between 2000 and 2100"):
        widget.clean(cell)


def test_dates_in_range_still_read():
    assert WallClockInputWidget().clean("2030-03-31 09:30") == datetime(
        2030, 3, 31, 9, 30
    )
    assert DayWidget().clean("2030-03-31") == date(2030, 3, 31)
