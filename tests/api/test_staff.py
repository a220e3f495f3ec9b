"""The staff API: Wagtail API tokens, and exactly the admin's permissions: who sees
which bookings and intake notes, who may run which action, and what each refusal
answers."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import APIToken

from booking.core.models import Booking
from booking.core.roles import CONSULTANTS
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.privacy.models import AccessLogEntry
from tests.api.conftest import bearer, member_of
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
)

pytestmark = pytest.mark.django_db
LIST = "/api/v1/staff/bookings/"


def pending(service, **client):
    booking, verify = make_draft(service=service, **client)
    return services.verify_email(token=verify)


def url(booking, suffix=""):
    return f"{LIST}{booking.reference}/{suffix}"


# --- authentication --------------------------------------------------------------


def test_anonymous_is_401_with_the_bearer_challenge(api, db):
    response = api.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header", ["Bearer wagtail_nonsense", "Bearer", "Bearer a b", "Bearer \u00e9"]
)
def test_a_bad_token_is_401(api, db, header):
    response = api.get(LIST, HTTP_AUTHORIZATION=header.encode().decode("latin-1"))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_token_or_inactive_user_is_refused(api, booking_admin):
    headers = bearer(booking_admin)
    assert api.get(LIST, **headers).status_code == 200

    APIToken.objects.get(user=booking_admin).revoke()
    assert api.get(LIST, **headers).status_code == 401

    headers = bearer(booking_admin)
    booking_admin.is_active = False
    booking_admin.save()
    assert api.get(LIST, **headers).status_code == 401


def test_token_use_is_recorded_for_the_admin_screen(api, booking_admin):
    api.get(LIST, **bearer(booking_admin))

    assert APIToken.objects.get(user=booking_admin).last_used_at is not None


def test_an_admin_session_works_too(api, booking_admin):
    api.force_login(booking_admin)

    assert api.get(LIST).status_code == 200


# --- who sees what ----------------------------------------------------------------


def test_a_user_without_booking_permissions_is_403(api, db):
    from tests.factories import UserFactory

    response = api.get(LIST, **bearer(UserFactory()))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_staff_see_everything_but_intake_notes_and_run_nothing(
    api, offer, staff_member
):
    booking = pending(offer[1], client_notes="Private history")
    headers = bearer(staff_member)

    listed = api.get(LIST, **headers).json()
    detail = api.get(url(booking), **headers).json()
    run = api.post(
        url(booking, "transitions/"), {"action": "approve"}, format="json", **headers
    )

    assert [row["reference"] for row in listed["results"]] == [booking.reference]
    assert detail["client_notes"] is None
    assert detail["actions"] == []
    assert run.status_code == 403
    assert run.json()["code"] == "permission_denied"
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_a_consultant_sees_only_their_own_bookings_and_notes(api, db):
    service = ServiceFactory()
    mine, theirs = ConsultantFactory(), ConsultantFactory()
    service.consultants.set([mine, theirs])
    login = member_of(CONSULTANTS, username="dr-mine")
    mine.user = login
    mine.save()
    own = pending(service, consultant=mine, client_notes="For my consultant")
    other = make_draft(consultant=theirs, service=service)[0]
    headers = bearer(login)

    listed = api.get(LIST, **headers).json()
    detail = api.get(url(own), **headers).json()

    assert [row["reference"] for row in listed["results"]] == [own.reference]
    assert detail["client_notes"] == "For my consultant"
    hidden = api.get(url(other), **headers)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    refused = api.post(
        url(other, "transitions/"),
        {"action": "cancel", "reason": "x"},
        format="json",
        **headers,
    )
    assert refused.status_code == 404


def test_booking_admins_see_notes_and_the_actions_they_may_run(
    api, offer, booking_admin
):
    booking = pending(offer[1], client_notes="History")

    detail = api.get(url(booking), **bearer(booking_admin)).json()

    assert detail["client_notes"] == "History"
    assert set(detail["actions"]) == {
        "approve",
        "approve_at",
        "reject",
        "reschedule",
        "cancel",
    }


def test_opening_a_booking_is_in_the_access_log_and_listing_is_not(
    api, offer, booking_admin
):
    booking = pending(offer[1])

    api.get(LIST, **bearer(booking_admin))
    api.get(url(booking), **bearer(booking_admin))

    entry = AccessLogEntry.objects.get()
    assert entry.username == booking_admin.username
    assert entry.action == "viewed"
    assert entry.target == f"booking {booking.reference}"


# --- actions --------------------------------------------------------------------


def test_approve_and_an_invalid_transition_is_409(api, offer, booking_admin):
    booking = pending(offer[1])
    headers = bearer(booking_admin)
    target = url(booking, "transitions/")

    first = api.post(target, {"action": "approve"}, format="json", **headers)
    second = api.post(target, {"action": "approve"}, format="json", **headers)

    assert first.status_code == 200
    assert first.json()["status"] == "approved"
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_transition"
    assert "approved" in second.json()["message"]


def test_reject_needs_a_reason(api, offer, booking_admin):
    booking = pending(offer[1])
    headers = bearer(booking_admin)
    target = url(booking, "transitions/")

    missing = api.post(target, {"action": "reject"}, format="json", **headers)
    blank = api.post(
        target, {"action": "reject", "reason": "   "}, format="json", **headers
    )
    done = api.post(
        target, {"action": "reject", "reason": "Fully booked"}, format="json", **headers
    )

    assert missing.status_code == 400
    assert missing.json()["fields"] == {
        "reason": ["This field is required for this action."]
    }
    assert blank.status_code == 400
    assert blank.json()["code"] == "validation_error"
    assert done.json()["status"] == "rejected"
    assert done.json()["reject_reason"] == "Fully booked"


def test_unknown_action_and_unknown_reference(api, offer, booking_admin):
    booking = pending(offer[1])
    headers = bearer(booking_admin)

    unknown = api.post(
        url(booking, "transitions/"), {"action": "teleport"}, format="json", **headers
    )
    missing = api.post(
        f"{LIST}MS-NOPE99/transitions/", {"action": "approve"}, format="json", **headers
    )

    assert unknown.status_code == 400
    assert "action" in unknown.json()["fields"]
    assert missing.status_code == 404


def test_approve_at_another_time_and_record_payment(api, offer, booking_admin):
    booking = pending(offer[1])
    headers = bearer(booking_admin)
    target = url(booking, "transitions/")
    later = booking.start + timedelta(hours=2)

    moved = api.post(
        target,
        {"action": "approve_at", "start": later.isoformat()},
        format="json",
        **headers,
    )
    paid = api.post(
        target,
        {"action": "record_offline_payment", "amount": "80.00", "method": "Cash"},
        format="json",
        **headers,
    )

    assert moved.status_code == 200, moved.json()
    assert Booking.objects.get(pk=booking.pk).start == later
    assert paid.json()["status"] == "confirmed"
    assert paid.json()["amount_paid"] == "80.00"


def test_cancel_by_the_practice(api, offer, booking_admin):
    booking = pending(offer[1])

    response = api.post(
        url(booking, "transitions/"),
        {"action": "cancel", "reason": "Consultant ill"},
        format="json",
        **bearer(booking_admin),
    )

    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Consultant ill"


# --- creating --------------------------------------------------------------------


def test_booking_admins_create_approved_bookings(api, offer, booking_admin):
    consultant, service = offer
    body = {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": next_monday_at(10).isoformat(),
        "client_name": "Phone Client",
        "client_email": "phone@example.com",
    }

    response = api.post(LIST, body, format="json", **bearer(booking_admin))

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["source"] == "admin"
    assert response.json()["client_time_zone"] == "Europe/Berlin"


def test_staff_may_not_create_bookings(api, offer, staff_member):
    consultant, service = offer
    body = {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": next_monday_at(10).isoformat(),
        "client_name": "Phone Client",
        "client_email": "phone@example.com",
    }

    response = api.post(LIST, body, format="json", **bearer(staff_member))

    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_creating_over_another_booking_is_409(api, offer, booking_admin):
    consultant, service = offer
    taken = pending(service)
    body = {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": taken.start.isoformat(),
        "client_name": "Phone Client",
        "client_email": "phone@example.com",
        "override_reason": "Squeezing in",
    }

    response = api.post(LIST, body, format="json", **bearer(booking_admin))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"


# --- lists: filters, search, ordering, pages --------------------------------------


@pytest.fixture
def three(offer):
    consultant, service = offer
    other = ConsultantFactory()
    service.consultants.add(other)
    a = pending(
        service, consultant=consultant, start=next_monday_at(9), client_name="Ann A"
    )
    b = pending(
        service,
        consultant=consultant,
        start=next_monday_at(9, weeks=2),
        client_name="Bo Baker",
    )
    c = make_draft(consultant=other, service=service, start=next_monday_at(9, weeks=3))[
        0
    ]
    return a, b, c, other


def refs(response):
    assert response.status_code == 200, response.json()
    return [row["reference"] for row in response.json()["results"]]


def test_filters_search_ordering_and_pages(api, three, booking_admin):
    a, b, c, other = three
    headers = bearer(booking_admin)

    assert refs(api.get(LIST, **headers)) == [c.reference, b.reference, a.reference]
    assert refs(api.get(f"{LIST}?ordering=start", **headers))[0] == a.reference
    assert refs(api.get(f"{LIST}?status=draft", **headers)) == [c.reference]
    assert refs(api.get(f"{LIST}?status=draft&status=pending", **headers)) == [
        c.reference,
        b.reference,
        a.reference,
    ]
    assert refs(api.get(f"{LIST}?consultant={other.pk}", **headers)) == [c.reference]
    day = b.start.date()
    assert refs(api.get(f"{LIST}?date_from={day}&date_to={day}", **headers)) == [
        b.reference
    ]
    assert refs(api.get(f"{LIST}?search=baker", **headers)) == [b.reference]
    assert refs(api.get(f"{LIST}?search={a.reference.lower()}", **headers)) == [
        a.reference
    ]
    page = api.get(f"{LIST}?page_size=2&page=2", **headers).json()
    assert page["count"] == 3
    assert [row["reference"] for row in page["results"]] == [a.reference]


def test_bad_filters_are_validation_errors(api, three, booking_admin):
    headers = bearer(booking_admin)

    for query in ("status=lost", "date_from=yesterday", "consultant=x"):
        response = api.get(f"{LIST}?{query}", **headers)
        assert response.status_code == 400, query
        assert response.json()["code"] == "validation_error"
        assert query.split("=")[0] in response.json()["fields"]


def test_the_session_date_filter_uses_the_start(api, three, booking_admin):
    far = (timezone.now() + timedelta(days=365)).date()

    response = api.get(f"{LIST}?date_from={far}", **bearer(booking_admin))

    assert refs(response) == []


def test_a_token_made_in_the_wagtail_admin_works_on_the_api(api, client, offer):
    import re

    from tests.factories import UserFactory

    superuser = UserFactory(username="root", is_superuser=True)
    desk = member_of("Booking admins", username="desk2")
    client.force_login(superuser)
    assert client.get("/admin/api-tokens/").status_code == 200

    created = client.post(
        "/admin/api-tokens/new/", {"name": "Frontend", "user": desk.pk}
    )

    plaintext = re.search(r"wagtail_[0-9A-Za-z]+", created.content.decode()).group()
    booking = pending(offer[1])
    response = api.get(url(booking), HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
    assert response.json()["reference"] == booking.reference


@pytest.mark.parametrize("role", ["Booking admins", "Staff"])
def test_booking_admins_and_staff_make_their_own_tokens(api, client, offer, role):
    import re

    person = member_of(role, username="self-service")
    client.force_login(person)

    created = client.post(
        "/admin/api-tokens/new/", {"name": "My script", "user": person.pk}
    )

    assert created.status_code == 200
    plaintext = re.search(r"wagtail_[0-9A-Za-z]+", created.content.decode()).group()
    assert APIToken.objects.get().user == person
    response = api.get(LIST, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
