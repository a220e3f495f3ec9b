"""Attendance (issue 23): after a meeting has begun, the booking's own consultant
(from My practice) or a booking admin (from the booking's page) marks the client
and each named participant present or absent. It shows on the booking, in the
API, in the exports (the CSV's fast path agreeing with the resource) and in the
client's data bundle; erasing the client removes the names, not the counts."""

import csv
import io

import pytest
from django.urls import reverse

from booking.core.errors import InvalidTransition, NotPermitted
from booking.core.models import Booking
from booking.core.roles import CONSULTANTS, STAFF
from booking.core.states import BookingStatus as S
from booking.lifecycle import attendance, services
from booking.privacy import erasure
from booking.privacy.lookup import bundle_rows, client_data
from booking.spreadsheets import exports
from tests.booking.admin.test_my_practice import daytime_zone
from tests.booking.participants.helpers import (
    began,
    group_practice,
    local_start,
    phone_booking,
)
from tests.factories import ConsultantFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def couple():
    """A confirmed couple's booking of a free group session that began half an
    hour ago, its consultant's login and a booking admin."""
    consultant, group, desk, login = group_practice(zone=daytime_zone())
    booking = phone_booking(
        desk,
        consultant,
        group,
        local_start(consultant, 9),
        name="Ana Ruiz",
        participants=["Ben Ruiz", "Cy Ruiz"],
    )
    assert booking.status == S.CONFIRMED  # free: confirmed on approval
    return began(booking), login, desk


def marks_of(booking) -> list[tuple[str, str]]:
    booking.refresh_from_db()
    return [(booking.client_name, booking.attendance)] + [
        (p.name, p.attendance) for p in booking.participants.all()
    ]


def form_data(booking, **marks) -> dict:
    """The attendance form's fields: "client" and each participant's id."""
    ids = {p.name.split()[0]: str(p.pk) for p in booking.participants.all()}
    return {ids.get(who, who): mark for who, mark in marks.items()}


def test_the_consultant_marks_attendance_from_my_practice(client, couple):
    booking, login, desk = couple
    client.force_login(login)
    later = phone_booking(
        desk,
        booking.consultant,
        booking.service,
        local_start(booking.consultant, 12),
        name="Dee Later",
    )

    page = client.get("/admin/my-practice/").content.decode()
    mark_url = reverse("booking_attendance", args=[booking.pk])
    assert f'href="{mark_url}?next=' in page
    assert "Not marked" in page and "(party of 3)" in page
    assert reverse("booking_attendance", args=[later.pk]) not in page  # not begun

    form = client.get(mark_url).content.decode()
    assert "Ana Ruiz (client)" in form and "Cy Ruiz" in form
    response = client.post(
        mark_url + "?next=/admin/my-practice/",
        form_data(booking, client="present", Ben="present", Cy="absent"),
    )

    assert response.status_code == 302 and response["Location"] == "/admin/my-practice/"
    assert marks_of(booking) == [
        ("Ana Ruiz", "present"),
        ("Ben Ruiz", "present"),
        ("Cy Ruiz", "absent"),
    ]
    assert "2 of 3 present" in client.get("/admin/my-practice/").content.decode()
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED  # a record of who came, not a transition
    history = client.get(f"/admin/bookings/history/{booking.pk}/").content.decode()
    assert "Attendance marked" in history


def test_a_booking_admin_marks_attendance_from_the_bookings_page(client, couple):
    booking, _, desk = couple
    client.force_login(desk)

    page = client.get(f"/admin/bookings/inspect/{booking.pk}/").content.decode()
    assert "Party and attendance" in page and "Ben Ruiz" in page
    assert "Mark attendance" in page
    client.post(
        reverse("booking_attendance", args=[booking.pk]),
        form_data(booking, client="absent", Ben="", Cy="present"),
    )

    assert marks_of(booking) == [
        ("Ana Ruiz", "absent"),
        ("Ben Ruiz", ""),
        ("Cy Ruiz", "present"),
    ]
    page = client.get(f"/admin/bookings/inspect/{booking.pk}/").content.decode()
    assert "<dd>Absent</dd>" in page and "<dd>Not marked</dd>" in page


def test_only_the_own_consultant_or_a_booking_admin_marks_and_only_once_begun(
    client, couple
):
    booking, login, desk = couple
    other = member(CONSULTANTS, username="dr-b")
    ConsultantFactory(name="Dr B", user=other)
    viewer = member(STAFF, username="viewer")

    client.force_login(other)  # another consultant: not even their booking to see
    url = reverse("booking_attendance", args=[booking.pk])
    assert client.get(url).status_code == 404
    with pytest.raises(NotPermitted, match="booking's consultant or a booking admin"):
        attendance.mark(booking=booking, actor=other, marks={"client": "present"})
    client.force_login(viewer)  # sees bookings, may not mark them
    assert client.get(url).status_code == 403
    assert client.post(url, {"client": "present"}).status_code == 403
    assert marks_of(booking)[0] == ("Ana Ruiz", "")

    upcoming = phone_booking(
        desk,
        booking.consultant,
        booking.service,
        local_start(booking.consultant, 12),
        name="Dee Soon",
    )
    with pytest.raises(InvalidTransition, match="has not begun yet"):
        attendance.mark(booking=upcoming, actor=login, marks={"client": "present"})
    client.force_login(login)
    page = client.get(reverse("booking_attendance", args=[upcoming.pk]))
    assert "has not begun yet" in page.content.decode()
    services.cancel(booking=upcoming, reason="Ill", actor=desk)
    upcoming = began(upcoming)
    with pytest.raises(InvalidTransition, match="is cancelled; attendance is marked"):
        attendance.mark(booking=upcoming, actor=login, marks={"client": "present"})


def test_marks_that_name_nobody_of_the_booking_are_refused(couple):
    booking, login, _ = couple
    with pytest.raises(Exception, match="has no participant 999999"):
        attendance.mark(booking=booking, actor=login, marks={"999999": "present"})
    with pytest.raises(Exception, match="present, absent or not marked"):
        attendance.mark(booking=booking, actor=login, marks={"client": "maybe"})


def test_attendance_in_the_export_and_the_fast_path_agrees(client, couple):
    booking, login, desk = couple
    attendance.mark(
        booking=booking,
        actor=login,
        marks=form_data(booking, client="present", Ben="present", Cy="absent"),
    )
    alone = phone_booking(
        desk,
        booking.consultant,
        booking.service,
        local_start(booking.consultant, 12),
        name="Dee",
    )
    client.force_login(desk)

    response = client.get("/admin/bookings/", {"export": "csv", "ordering": "start"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    at = header.index("Seats")
    assert header[at : at + 3] == ["Seats", "Present", "Absent"]
    by_reference = {row[0]: row[at : at + 3] for row in rows}
    assert by_reference[booking.reference] == ["3", "2", "1"]
    assert by_reference[alone.reference] == ["1", "0", "0"]
    bookings = Booking.objects.order_by("start")
    resource = list(exports.booking_rows(bookings, native=False))
    fast = [row for chunk in exports.csv_rows(bookings) for row in chunk]
    assert fast == resource


def test_attendance_in_the_bundle_and_the_names_erased_with_the_client(couple):
    booking, login, desk = couple
    attendance.mark(
        booking=booking,
        actor=login,
        marks=form_data(booking, client="present", Ben="absent"),
    )

    row = bundle_rows(client_data("ana@example.com"))["bookings"][0]
    assert (row["seats"], row["attendance"]) == (3, "Present")
    assert row["participants"] == "Ben Ruiz: Absent; Cy Ruiz: not marked"

    booking = began(booking, minutes=120)  # ended: completed, no longer open
    services.complete(booking=booking, actor=desk)
    erasure.erase_client(email="ana@example.com", user=desk)

    assert marks_of(booking)[1:] == [
        ("Participant 1", "absent"),
        ("Participant 2", ""),
    ]


def test_the_api_takes_participants_and_shows_attendance(client, couple):
    from rest_framework.test import APIClient

    booking, _, desk = couple
    consultant, group = booking.consultant, booking.service
    api = APIClient()
    created = api.post(
        "/api/v1/bookings/",
        {
            "consultant": consultant.pk,
            "service": group.slug,
            "start": local_start(booking.consultant, 14).isoformat(),
            "client_name": "Eve Day",
            "client_email": "eve@example.com",
            "client_time_zone": "Europe/Berlin",
            "consent": True,
            "participants": ["Finn Day"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert Booking.objects.get(client_email="eve@example.com").seats == 2
    too_many = api.post(
        "/api/v1/bookings/",
        {
            "consultant": consultant.pk,
            "service": group.slug,
            "start": local_start(booking.consultant, 15).isoformat(),
            "client_name": "Gus Day",
            "client_email": "gus@example.com",
            "client_time_zone": "Europe/Berlin",
            "consent": True,
            "participants": ["A", "B", "C"],
        },
        format="json",
    )
    assert too_many.status_code == 400
    assert "up to 2 more people; you named 3" in too_many.json()["message"]

    api.force_authenticate(desk)
    shown = api.get(f"/api/v1/staff/bookings/{booking.reference}/").json()
    assert shown["seats"] == 3
    assert shown["participants"] == [
        {"name": "Ben Ruiz", "attendance": ""},
        {"name": "Cy Ruiz", "attendance": ""},
    ]
