"""Bookings in the Wagtail admin: the list (columns, filters, search, ordering and a
count that never scans the table), the booking page, its history, the transition
buttons and view, phone bookings, and who may do what, crafted URLs and POSTs
included."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from booking.core.errors import SlotTaken
from booking.core.models import Booking
from booking.core.pagination import CappedPaginator
from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, STAFF
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.notifications.models import OutboxEmail
from tests.availability_factories import bulk_bookings, local
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    member,
    next_monday_at,
)

pytestmark = pytest.mark.django_db

INDEX = "/admin/bookings/"


@pytest.fixture
def maya():
    return ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")


@pytest.fixture
def noah():
    return ConsultantFactory(name="Noah Park", time_zone="America/New_York")


@pytest.fixture
def counselling(maya, noah):
    """Bookable up to ten years ahead; the consultants work 06:00–22:00 daily."""
    return ServiceFactory(
        title="Counselling", consultants=[maya, noah], booking_window_days=3650
    )


@pytest.fixture
def booking_admin(client):
    user = member(BOOKING_ADMINS, username="bookings")
    client.force_login(user)
    return user


def pending(service, consultant, *, start=None, **client):
    """A PENDING booking, made as a client makes it."""
    _, token = make_draft(
        service=service,
        consultant=consultant,
        start=start or next_monday_at(9),
        **client,
    )
    return services.verify_email(token=token)


def row(consultant, service, status, start):
    """A booking row in any state (history made fast; not a flow under test)."""
    bulk_bookings(consultant=consultant, service=service, starts=[start], status=status)
    return Booking.objects.latest("pk")


def texts(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def transition(booking, action):
    return reverse("bookings:transition", args=(booking.pk, action))


def refreshed(booking):
    return Booking.objects.get(pk=booking.pk)


# --- the list ---------------------------------------------------------------------


def test_the_list_shows_each_booking_in_the_admins_time(
    client, booking_admin, maya, counselling
):
    booking = pending(
        counselling,
        maya,
        start=local(maya, date(2030, 1, 7), "10:00"),
        client_name="Ada Client",
        client_email="ada@example.com",
    )

    html = client.get(INDEX).content.decode()

    assert booking.reference in html
    assert "Ada Client" in html and "ada@example.com" in html
    assert "Maya Stone" in html and "Counselling" in html
    # 10:00 in Berlin, in the admin's zone (the practice's, UTC, by default)
    assert "Mon 7 Jan 2030, 09:00 UTC" in html and "Starts (UTC)" in html
    assert 'booking-status--pending">Pending approval' in html
    assert "Unpaid: EUR 80.00" in html
    assert reverse("bookings:inspect", args=(booking.pk,)) in html


def test_the_list_filters_by_status_consultant_service_and_date(
    client, booking_admin, maya, noah, counselling
):
    other_service = ServiceFactory(title="Couples", consultants=[maya])
    monday = next_monday_at(9)
    first = pending(counselling, maya, start=monday)
    second = pending(counselling, noah, start=monday + timedelta(days=1, hours=6))
    third = pending(other_service, maya, start=monday + timedelta(days=2))
    services.reject(booking=second, actor=booking_admin, reason="Full")
    every = {first.reference, second.reference, third.reference}

    def listed(**params):
        html = client.get(INDEX, params).content.decode()
        return {ref for ref in every if ref in html}

    assert listed() == every
    assert listed(status="pending") == {first.reference, third.reference}
    assert listed(consultant=noah.pk) == {second.reference}
    assert listed(service=other_service.pk) == {third.reference}
    day = (monday + timedelta(days=1)).date().isoformat()
    assert listed(start_from=day, start_to=day) == {second.reference}
    assert listed(status=["pending", "rejected"], consultant=maya.pk) == {
        first.reference,
        third.reference,
    }


def test_the_list_is_searched_by_reference_name_and_email(
    client, booking_admin, maya, counselling
):
    ada = pending(
        counselling, maya, client_name="Ada Lovelace", client_email="ada@x.org"
    )
    grace = pending(
        counselling,
        maya,
        start=next_monday_at(11),
        client_name="Grace Hopper",
        client_email="grace@navy.example",
    )

    def found(query):
        html = client.get(INDEX, {"q": query}).content.decode()
        return {b.reference for b in (ada, grace) if b.reference in html}

    assert found(ada.reference) == {ada.reference}
    assert found("hopper") == {grace.reference}
    assert found("navy.example") == {grace.reference}


def test_the_list_is_ordered_by_start_or_reference(
    client, booking_admin, maya, counselling
):
    early = pending(counselling, maya, start=next_monday_at(8))
    late = pending(counselling, maya, start=next_monday_at(12))

    newest_first = client.get(INDEX).content.decode()
    oldest_first = client.get(INDEX, {"ordering": "start"}).content.decode()

    assert newest_first.index(late.reference) < newest_first.index(early.reference)
    assert oldest_first.index(early.reference) < oldest_first.index(late.reference)
    by_reference = client.get(INDEX, {"ordering": "reference"}).content.decode()
    first, second = sorted([early.reference, late.reference])
    assert by_reference.index(first) < by_reference.index(second)


def test_the_status_is_never_an_editable_field(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)

    for name in ("edit", "delete", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"bookings:{name}", args=(booking.pk,))
    form = client.get(reverse("bookings:add")).content.decode()
    assert 'name="status"' not in form
    assert (
        client.post(f"{INDEX}edit/{booking.pk}/", {"status": "confirmed"}).status_code
        == 404
    )
    assert refreshed(booking).status == S.PENDING


# --- query budget -----------------------------------------------------------------


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_10_and_10000_bookings(
    client, booking_admin, maya, counselling
):
    starts = [timezone.now() - timedelta(hours=n) for n in range(1, 10_001)]
    bulk_bookings(consultant=maya, service=counselling, starts=starts[:10])
    _list_queries(client)  # the first request fills Wagtail's site and settings caches
    with_ten = _list_queries(client)

    bulk_bookings(consultant=maya, service=counselling, starts=starts[10:])
    with_ten_thousand = _list_queries(client)

    assert Booking.objects.count() == 10_000
    assert with_ten == with_ten_thousand


def test_the_list_never_counts_the_whole_table(
    client, booking_admin, maya, counselling, monkeypatch
):
    """Whatever the table holds, the only COUNT counts at most `cap + 1` rows of
    a subquery with a LIMIT; past the cap the list says "more than"."""
    monkeypatch.setattr(CappedPaginator, "cap", 30)
    starts = [timezone.now() - timedelta(hours=n) for n in range(1, 41)]
    bulk_bookings(consultant=maya, service=counselling, starts=starts)

    for params in ({}, {"status": "completed"}, {"q": "history"}):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(INDEX, params).content.decode()
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        booking_counts = [sql for sql in counts if "booking_booking" in sql]
        assert len(booking_counts) == 1, booking_counts
        assert "LIMIT 31" in booking_counts[0].upper()
        assert "More than 30 bookings" in html


@pytest.mark.postgres
def test_an_unfiltered_list_past_the_cap_shows_the_estimated_total(
    client, booking_admin, maya, counselling, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 30)
    starts = [timezone.now() - timedelta(hours=n) for n in range(1, 201)]
    bulk_bookings(consultant=maya, service=counselling, starts=starts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking")

    html = client.get(INDEX).content.decode()
    filtered = client.get(INDEX, {"status": "completed"}).content.decode()

    assert "About 200 bookings" in html
    assert "More than 30 bookings" in filtered


# --- one booking ------------------------------------------------------------------


def test_the_booking_page_shows_every_detail_emails_and_payment(
    client, booking_admin, maya, counselling
):
    booking = pending(
        counselling,
        maya,
        start=local(maya, date(2030, 1, 7), "10:00"),
        client_name="Ada Client",
        client_phone="+44 20 7946 0000",
        client_notes="Prefers mornings",
    )
    services.approve(booking=booking, actor=booking_admin)
    paying.record_offline_payment(
        booking=booking,
        actor=booking_admin,
        amount=Decimal("80.00"),
        method="Bank transfer",
        reference="TX-42",
    )

    html = client.get(reverse("bookings:inspect", args=(booking.pk,))).content.decode()

    assert booking.reference in html
    assert "Mon 7 Jan 2030, 10:00–10:50 CET" in html  # the consultant’s time
    assert "Europe/Berlin" in html
    assert "+44 20 7946 0000" in html and "Prefers mornings" in html
    assert "Paid EUR 80.00" in html
    assert "Bank transfer" in html and "TX-42" in html
    assert "Booking approved" in html and "Booking confirmed" in html  # the emails
    assert booking.emails.count() >= 3
    assert reverse("bookings:history", args=(booking.pk,)) in html
    assert 'booking-status--confirmed">Confirmed' in html


def test_history_shows_each_transition_with_who_and_why(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)

    client.post(
        transition(booking, "reject"),
        {"confirm": "1", "reason": "No capacity this week"},
    )
    html = client.get(reverse("bookings:history", args=(booking.pk,))).content.decode()

    assert "Rejected (Pending approval → Rejected)" in html
    assert "No capacity this week" in html
    assert "Client verified their email" in html
    assert f"Booking {booking.reference}" in html
    assert "model log entries" not in html


# --- transition buttons -------------------------------------------------------------


def test_rows_offer_only_the_transitions_of_their_state(
    client, booking_admin, maya, counselling
):
    waiting = pending(counselling, maya)
    ended = row(maya, counselling, S.CONFIRMED, timezone.now() - timedelta(days=1))
    ended.amount_paid = ended.amount
    Booking.objects.filter(pk=ended.pk).update(amount_paid=ended.amount)
    rejected = row(maya, counselling, S.REJECTED, next_monday_at(15))

    html = client.get(INDEX).content.decode()

    for action in ("approve", "approve_at", "reject", "cancel", "reschedule"):
        assert transition(waiting, action) in html
    for action in ("complete", "record_offline_payment"):
        assert transition(waiting, action) not in html
    assert transition(ended, "complete") in html
    assert transition(ended, "approve") not in html
    assert f"/admin/bookings/{rejected.pk}/" not in html
    assert f'data-w-action-url-value="{transition(waiting, "approve")}"' in html


def test_approve_from_the_row_button(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)
    back = f"{INDEX}?status=pending"

    confirm = client.get(transition(booking, "approve"))  # the link, without JS
    assert confirm.status_code == 200
    assert f"Approve booking {booking.reference}?" in confirm.content.decode()
    assert refreshed(booking).status == S.PENDING

    response = client.post(transition(booking, "approve"), {"next": back})

    assert response.status_code == 302 and response.url == back
    assert refreshed(booking).status == S.APPROVED
    assert texts(response) == [
        f"Approved booking {booking.reference}: it is now approved (awaiting payment)."
    ]
    entry = ModelLogEntry.objects.filter(action="booking.approve").get()
    assert entry.user == booking_admin


def test_reject_asks_for_a_reason_first(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)
    url = transition(booking, "reject")

    asked = client.post(url, {"next": INDEX})  # the row button
    empty = client.post(url, {"confirm": "1", "reason": "  ", "next": INDEX})

    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    assert empty.status_code == 400
    assert "This field is required" in empty.content.decode()
    assert refreshed(booking).status == S.PENDING

    done = client.post(url, {"confirm": "1", "reason": "Fully booked", "next": INDEX})

    assert done.status_code == 302
    booking = refreshed(booking)
    assert (booking.status, booking.reject_reason) == (S.REJECTED, "Fully booked")
    assert booking.emails.filter(kind=OutboxEmail.Kind.REJECTED).exists()


def test_cancel_keeps_the_reason(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)
    services.approve(booking=booking, actor=booking_admin)

    client.post(transition(booking, "cancel"), {"confirm": "1", "reason": "Ill"})

    booking = refreshed(booking)
    assert (booking.status, booking.cancel_reason) == (S.CANCELLED, "Ill")


def test_record_an_offline_payment(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)
    services.approve(booking=booking, actor=booking_admin)
    url = transition(booking, "record_offline_payment")

    form = client.get(url).content.decode()
    response = client.post(
        url,
        {"confirm": "1", "amount": "80.00", "method": "Cash", "reference": ""},
    )

    assert 'value="80.00"' in form
    assert response.status_code == 302
    booking = refreshed(booking)
    assert (booking.status, booking.amount_paid) == (S.CONFIRMED, Decimal("80.00"))
    entry = ModelLogEntry.objects.get(action="booking.record_offline_payment")
    assert (entry.data["method"], entry.user) == ("Cash", booking_admin)


def test_approve_at_another_free_time(client, booking_admin, maya, counselling):
    day = (timezone.now() + timedelta(days=10)).astimezone(maya.zone).date()
    booking = pending(counselling, maya, start=local(maya, day, "09:00"))
    url = transition(booking, "approve_at")
    new_start = local(maya, day, "14:00")

    form = client.post(url, {"next": INDEX}).content.decode()
    response = client.post(
        url, {"confirm": "1", "day": day.isoformat(), "start": new_start.isoformat()}
    )

    assert "14:00" in form and f'value="{new_start.isoformat()}"' in form
    assert response.status_code == 302, response.content.decode()
    booking = refreshed(booking)
    assert (booking.status, booking.start) == (S.APPROVED, new_start)


def test_the_free_times_of_another_day_are_shown_without_javascript(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)
    other_day = (timezone.now() + timedelta(days=12)).astimezone(maya.zone).date()

    response = client.post(
        transition(booking, "reschedule"),
        {"confirm": "1", "show": "1", "day": other_day.isoformat()},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert local(maya, other_day, "06:00").isoformat() in html
    assert refreshed(booking).start == booking.start


def test_reschedule_to_a_free_time(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)
    day = (timezone.now() + timedelta(days=14)).astimezone(maya.zone).date()
    new_start = local(maya, day, "11:30")

    response = client.post(
        transition(booking, "reschedule"),
        {
            "confirm": "1",
            "day": day.isoformat(),
            "start": new_start.isoformat(),
            "reason": "Client asked by phone",
        },
    )

    assert response.status_code == 302
    assert refreshed(booking).start == new_start
    entry = ModelLogEntry.objects.get(action="booking.reschedule")
    assert entry.data["reason"] == "Client asked by phone"


def test_a_time_taken_meanwhile_is_refused_on_the_form(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)
    day = (timezone.now() + timedelta(days=14)).astimezone(maya.zone).date()
    wanted = local(maya, day, "11:30")
    pending(counselling, maya, start=wanted)  # someone else took it

    response = client.post(
        transition(booking, "reschedule"),
        {"confirm": "1", "day": day.isoformat(), "start": wanted.isoformat()},
    )

    assert response.status_code == 400
    assert "That time is no longer free" in response.content.decode()
    assert refreshed(booking).start == booking.start


def test_an_action_the_state_no_longer_allows_names_the_state(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)
    services.reject(booking=booking, actor=booking_admin, reason="Full")

    response = client.post(transition(booking, "approve"), {"next": INDEX})

    assert response.status_code == 302
    assert texts(response) == [
        f"Cannot approve booking {booking.reference}: it is rejected."
    ]
    assert refreshed(booking).status == S.REJECTED


def test_a_condition_that_does_not_hold_is_explained(
    client, booking_admin, maya, counselling
):
    future = row(maya, counselling, S.CONFIRMED, next_monday_at(9))

    response = client.post(transition(future, "complete"))

    assert texts(response) == [
        f"Cannot mark completed booking {future.reference}: the session has not "
        "ended yet."
    ]
    assert refreshed(future).status == S.CONFIRMED


def test_a_refusal_from_the_services_is_reported_and_changes_nothing(
    client, booking_admin, maya, counselling, monkeypatch
):
    booking = pending(counselling, maya)

    def taken(**kwargs):
        raise SlotTaken("Sorry, Maya Stone is no longer free at that time.")

    monkeypatch.setattr(services, "approve", taken)
    response = client.post(transition(booking, "approve"), {"next": INDEX})

    assert texts(response) == ["Sorry, Maya Stone is no longer free at that time."]
    assert refreshed(booking).status == S.PENDING


def test_an_unknown_action_is_not_found(client, booking_admin, maya, counselling):
    booking = pending(counselling, maya)

    assert client.post(transition(booking, "confirm_free")).status_code == 404
    assert client.post(transition(booking, "delete")).status_code == 404


# --- phone bookings ---------------------------------------------------------------


def test_a_phone_booking_gets_a_reference_and_starts_approved(
    client, booking_admin, maya, counselling
):
    day = (timezone.now() + timedelta(days=9)).astimezone(maya.zone).date()
    start = local(maya, day, "10:00")
    choose = {"consultant": maya.pk, "service": counselling.pk, "day": day.isoformat()}

    shown = client.post(reverse("bookings:add"), {**choose, "show": "1"})
    created = client.post(
        reverse("bookings:add"),
        {
            **choose,
            "start": start.isoformat(),
            "client_name": "Phone Client",
            "client_email": "phone@example.com",
            "client_phone": "+49 30 1234",
        },
    )

    assert f'value="{start.isoformat()}"' in shown.content.decode()
    booking = Booking.objects.get(client_email="phone@example.com")
    assert created.status_code == 302
    assert created.url == reverse("bookings:inspect", args=(booking.pk,))
    assert booking.reference.startswith("MS-")
    assert (booking.status, booking.start, booking.source) == (
        S.APPROVED,
        start,
        "admin",
    )
    assert booking.created_by == booking_admin


def test_a_phone_booking_by_someone_who_may_not_approve_starts_pending(
    client, maya, counselling
):
    user = member(STAFF)
    user.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="add_booking")
    )
    client.force_login(type(user).objects.get(pk=user.pk))
    day = (timezone.now() + timedelta(days=9)).astimezone(maya.zone).date()

    client.post(
        reverse("bookings:add"),
        {
            "consultant": maya.pk,
            "service": counselling.pk,
            "day": day.isoformat(),
            "start": local(maya, day, "10:00").isoformat(),
            "client_name": "Phone Client",
            "client_email": "phone@example.com",
        },
    )

    assert Booking.objects.get(client_email="phone@example.com").status == S.PENDING


def test_a_phone_booking_explains_what_is_missing(client, booking_admin, maya):
    other = ServiceFactory(title="Yoga", consultants=[])

    response = client.post(
        reverse("bookings:add"),
        {"consultant": maya.pk, "service": other.pk, "day": "2030-01-07"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Maya Stone does not offer that service; choose one of theirs." in html
    assert "Yoga" not in html  # only Maya's services are offered
    assert not Booking.objects.exists()


def test_a_phone_booking_asks_consultant_first_then_service_then_time(
    client, booking_admin, maya, counselling
):
    ServiceFactory(title="Yoga", consultants=[])
    add = reverse("bookings:add")
    day = (timezone.now() + timedelta(days=9)).astimezone(maya.zone).date()

    empty = client.get(add).content.decode()
    with_consultant = client.post(add, {"consultant": maya.pk, "show": "1"})
    with_service = client.post(
        add,
        {
            "consultant": maya.pk,
            "service": counselling.pk,
            "day": day.isoformat(),
            "show": "1",
        },
    )

    assert 'name="consultant"' in empty
    assert 'name="service"' not in empty and 'name="day"' not in empty
    assert "No free times" not in empty and "Times are" not in empty
    assert "Create booking" not in empty
    assert "Continue with this consultant" in empty
    second = with_consultant.content.decode()
    assert 'name="service"' in second and "Counselling" in second
    assert "Yoga" not in second
    assert 'name="day"' not in second and "Create booking" not in second
    third = with_service.content.decode()
    start = local(maya, day, "10:00")
    assert f'value="{start.isoformat()}"' in third
    assert "Times are Maya Stone’s (Europe/Berlin)." in third
    assert 'name="client_name"' in third and "Create booking" in third


def test_a_phone_booking_outside_availability_needs_a_reason(
    client, booking_admin, maya, counselling
):
    day = (timezone.now() + timedelta(days=9)).astimezone(maya.zone).date()
    data = {
        "consultant": maya.pk,
        "service": counselling.pk,
        "day": day.isoformat(),
        "override_time": "23:00",
        "client_name": "Late Client",
        "client_email": "late@example.com",
    }

    refused = client.post(reverse("bookings:add"), data)
    created = client.post(
        reverse("bookings:add"), {**data, "override_reason": "Crisis call"}
    )

    assert "Say why this booking is outside" in refused.content.decode()
    assert created.status_code == 302
    booking = Booking.objects.get(client_email="late@example.com")
    assert booking.start == local(maya, day, "23:00")


def test_reschedule_outside_availability_with_a_reason(
    client, booking_admin, maya, counselling
):
    booking = pending(counselling, maya)
    day = (timezone.now() + timedelta(days=14)).astimezone(maya.zone).date()
    data = {"confirm": "1", "day": day.isoformat(), "override_time": "22:30"}

    refused = client.post(transition(booking, "reschedule"), data)
    moved = client.post(
        transition(booking, "reschedule"),
        {**data, "override_reason": "Only time the client can talk"},
    )

    assert refused.status_code == 400
    assert "Say why this booking is outside" in refused.content.decode()
    assert moved.status_code == 302
    assert refreshed(booking).start == local(maya, day, "22:30")


# --- who may do what ------------------------------------------------------------------


def test_staff_see_bookings_but_cannot_change_them(client, maya, counselling):
    booking = pending(counselling, maya)
    client.force_login(member(STAFF))

    html = client.get(INDEX).content.decode()
    inspect_page = client.get(reverse("bookings:inspect", args=(booking.pk,)))
    history = client.get(reverse("bookings:history", args=(booking.pk,)))

    assert booking.reference in html
    assert f"/admin/bookings/{booking.pk}/" not in html  # no action buttons
    assert "New phone booking" not in html
    assert inspect_page.status_code == history.status_code == 200
    for action in ("approve", "reject", "cancel", "reschedule"):
        response = client.post(
            transition(booking, action), {"confirm": "1", "reason": "crafted"}
        )
        assert response.status_code == 403
        assert "You do not have permission" in response.content.decode()
    assert client.get(reverse("bookings:add")).status_code == 403
    assert refreshed(booking).status == S.PENDING
    assert not ModelLogEntry.objects.filter(action="booking.reject").exists()


def test_staff_export_the_filtered_list_with_formulas_made_harmless(
    client, maya, counselling
):
    pending(
        counselling, maya, client_name="=HYPERLINK(1)", client_email="x@example.com"
    )
    client.force_login(member(STAFF))

    response = client.get(INDEX, {"export": "csv", "status": "pending"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["Reference", "Status", "Client", "Email"]
    assert rows[1][2] == "'=HYPERLINK(1)"
    assert rows[1][5] == "Maya Stone"


def test_a_consultant_sees_only_their_own_bookings(client, maya, noah, counselling):
    mine = pending(counselling, maya)
    theirs = pending(counselling, noah, start=next_monday_at(14))
    maya.user = member(CONSULTANTS)
    maya.save()
    client.force_login(maya.user)

    html = client.get(INDEX).content.decode()

    assert mine.reference in html and theirs.reference not in html
    assert "Noah Park" not in html  # not even as a filter choice
    for name in ("inspect", "history"):
        assert (
            client.get(reverse(f"bookings:{name}", args=(mine.pk,))).status_code == 200
        )
        assert (
            client.get(reverse(f"bookings:{name}", args=(theirs.pk,))).status_code
            == 404
        )
    assert client.post(transition(theirs, "complete")).status_code == 404
    assert (
        client.post(transition(theirs, "cancel"), {"confirm": "1"}).status_code == 404
    )
    theirs_url = reverse("bookings:inspect", args=(theirs.pk,))
    assert theirs_url not in client.get(INDEX, {"consultant": noah.pk}).content.decode()
    assert theirs_url not in client.get(INDEX, {"q": theirs.reference}).content.decode()


def test_a_consultant_completes_their_own_session_but_approves_nothing(
    client, maya, noah, counselling
):
    waiting = pending(counselling, maya)
    ended = row(maya, counselling, S.CONFIRMED, timezone.now() - timedelta(days=1))
    Booking.objects.filter(pk=ended.pk).update(amount_paid=ended.amount)
    maya.user = member(CONSULTANTS)
    maya.save()
    client.force_login(maya.user)

    html = client.get(INDEX).content.decode()
    approve = client.post(transition(waiting, "approve"))
    complete = client.post(transition(ended, "complete"), {"next": INDEX})

    assert transition(ended, "complete") in html
    assert transition(waiting, "approve") not in html
    assert approve.status_code == 403
    assert refreshed(waiting).status == S.PENDING
    assert complete.status_code == 302
    assert refreshed(ended).status == S.COMPLETED


def test_someone_without_booking_rights_sees_no_bookings(client, maya, counselling):
    booking = pending(counselling, maya)
    client.force_login(member("Editors"))

    assert client.get(INDEX).status_code == 302  # Wagtail's "no permission"
    assert (
        client.get(reverse("bookings:inspect", args=(booking.pk,))).status_code == 404
    )
    assert client.post(transition(booking, "approve")).status_code == 404
    assert refreshed(booking).status == S.PENDING
