"""The public API: consultants, services and slots; asking for, verifying and
looking up a booking; and what a manage link lets the client do. Each refusal
answers with its status and error code."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.core import tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.notifications.models import OutboxEmail
from booking.reviews.models import Review
from tests.api.conftest import emailed_token, manage_header
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db


def draft_body(consultant, service, **fields):
    return {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": next_monday_at(9).isoformat(),
        "client_name": "Ada Lovelace",
        "client_email": "ada@example.com",
        "client_time_zone": "Europe/Berlin",
        "consent": True,
        **fields,
    }


def manage_token(booking) -> str:
    return tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)


def approved(service, **client):
    admin = user_with_perms("approve_booking")
    booking, verify = make_draft(service=service, **client)
    services.verify_email(token=verify)
    return services.approve(booking=booking, actor=admin)


# --- consultants, services, slots ---------------------------------------------------


def test_consultants_lists_active_ones_with_their_services(api, offer):
    consultant, service = offer
    ConsultantFactory(name="Retired", status="left")

    body = api.get("/api/v1/consultants/").json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": consultant.pk,
            "name": "Dr Ada Example",
            "time_zone": "Europe/Berlin",
            "services": ["first-session"],
        }
    ]
    detail = api.get(f"/api/v1/consultants/{consultant.pk}/")
    assert detail.json()["name"] == "Dr Ada Example"


def test_consultant_search_ordering_and_pagination(api, db):
    for name in ("Cleo", "Abe", "Bea"):
        ConsultantFactory(name=name, open_hours=False)

    names = [
        row["name"]
        for row in api.get("/api/v1/consultants/?ordering=-name").json()["results"]
    ]
    assert names == ["Cleo", "Bea", "Abe"]
    found = api.get("/api/v1/consultants/?search=bea").json()
    assert [row["name"] for row in found["results"]] == ["Bea"]
    page = api.get("/api/v1/consultants/?page_size=2&page=2").json()
    assert page["count"] == 3
    assert [row["name"] for row in page["results"]] == ["Cleo"]
    assert page["previous"] is not None and page["next"] is None


def test_a_page_past_the_end_is_not_found(api, offer):
    response = api.get("/api/v1/consultants/?page=9")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_or_inactive_consultant_is_not_found(api, db):
    gone = ConsultantFactory(status="suspended", open_hours=False)

    for pk in (gone.pk, 999_999):
        response = api.get(f"/api/v1/consultants/{pk}/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Not found."}


def test_services_filter_by_consultant(api, offer):
    consultant, service = offer
    other = ServiceFactory(consultants=[ConsultantFactory(open_hours=False)])

    rows = api.get(f"/api/v1/services/?consultant={consultant.pk}").json()["results"]
    assert [row["slug"] for row in rows] == [service.slug]
    assert rows[0]["price"] == "80.00"
    assert rows[0]["consultants"] == [consultant.pk]
    assert api.get(f"/api/v1/services/{other.slug}/").status_code == 200
    bad = api.get("/api/v1/services/?consultant=abc")
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error"
    assert "consultant" in bad.json()["fields"]


def test_slots_are_free_starts_in_the_clients_time_zone(api, offer):
    consultant, service = offer
    day = (timezone.now() + timedelta(days=10)).date()
    make_draft(service=service)  # a draft holds nothing

    response = api.get(
        f"/api/v1/consultants/{consultant.pk}/slots/",
        {
            "service": service.slug,
            "date_from": day,
            "date_to": day,
            "tz": "America/New_York",
        },
    )

    body = response.json()
    assert response.status_code == 200
    assert body["tz"] == "America/New_York"
    starts = [datetime.fromisoformat(slot["start"]) for slot in body["slots"]]
    # Working hours 06:00-22:00 Berlin on a New York day: two Berlin days' worth.
    assert starts and all(
        start.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
        for start in starts
    )
    assert all(start.date() == day for start in starts)
    berlin = starts[0].astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin.minute in (0, 30)


def test_slots_window_is_bounded(api, offer):
    consultant, service = offer
    url = f"/api/v1/consultants/{consultant.pk}/slots/"
    today = timezone.localdate()

    too_long = api.get(
        url,
        {
            "service": service.slug,
            "date_from": today,
            "date_to": today + timedelta(days=31),
        },
    )
    backwards = api.get(
        url,
        {
            "service": service.slug,
            "date_from": today,
            "date_to": today - timedelta(days=1),
        },
    )
    far = api.get(url, {"service": service.slug, "date_from": "9999-12-31"})

    for response in (too_long, backwards, far):
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
    assert "date_to" in too_long.json()["fields"]
    assert "date_from" in far.json()["fields"]
    month = api.get(
        url,
        {
            "service": service.slug,
            "date_from": today,
            "date_to": today + timedelta(days=30),
        },
    )
    assert month.status_code == 200


def test_slots_of_a_service_the_consultant_does_not_offer(api, offer):
    consultant, _ = offer
    other = ServiceFactory()

    response = api.get(
        f"/api/v1/consultants/{consultant.pk}/slots/", {"service": other.slug}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- asking for a booking -----------------------------------------------------------


def test_a_draft_is_created_and_the_link_emailed(api, offer):
    consultant, service = offer

    response = api.post(
        "/api/v1/bookings/", draft_body(consultant, service), format="json"
    )

    assert response.status_code == 201
    booking = Booking.objects.get(reference=response.json()["reference"])
    assert booking.status == S.DRAFT
    assert booking.source == "api"
    assert booking.consent_at is not None
    assert set(response.json()) == {"reference", "status", "status_label"}
    assert booking.emails.filter(kind="verify_email").count() == 1


@pytest.mark.parametrize("consent", [False, None, "no"])
def test_a_draft_needs_consent(api, offer, consent):
    consultant, service = offer
    body = draft_body(consultant, service, consent=consent)

    response = api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "consent" in response.json()["fields"]
    assert not Booking.objects.exists()


def test_draft_field_errors_are_listed_per_field(api, offer):
    consultant, service = offer
    body = draft_body(
        consultant, service, client_email="not-an-address", client_time_zone="Mars/Base"
    )
    del body["client_name"]

    response = api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "client_email",
        "client_time_zone",
        "client_name",
    }


def test_draft_for_unknown_consultant_or_service(api, offer):
    consultant, service = offer
    body = {**draft_body(consultant, service), "consultant": 987654, "service": "x"}

    response = api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"consultant", "service"}


def test_a_taken_slot_is_409_slot_taken(api, offer):
    consultant, service = offer
    booking, verify = make_draft(service=service, start=next_monday_at(9))
    services.verify_email(token=verify)

    response = api.post(
        "/api/v1/bookings/", draft_body(consultant, service), format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert (
        "no longer free" in response.json()["message"]
        or "not free" in (response.json()["message"])
    )


def test_a_second_active_booking_for_one_email_is_409(api, offer):
    consultant, service = offer
    _, verify = make_draft(
        service=service, start=next_monday_at(12), client_email="ada@example.com"
    )
    services.verify_email(token=verify)
    api.post("/api/v1/bookings/", draft_body(consultant, service), format="json")
    second = Booking.objects.get(status=S.DRAFT)

    response = api.post(
        "/api/v1/bookings/verify/",
        {"token": emailed_token(second, "verify_email")},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "active_booking_exists"


def test_a_time_outside_the_hours_is_409_or_400_never_500(api, db):
    consultant = ConsultantFactory(open_hours=False)
    service = ServiceFactory(consultants=[consultant])

    response = api.post(
        "/api/v1/bookings/", draft_body(consultant, service), format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"


# --- verifying --------------------------------------------------------------------


def test_verify_token_errors_say_which(api, offer):
    booking, verify = make_draft(service=offer[1])

    wrong = api.post("/api/v1/bookings/verify/", {"token": "nope.nope"}, format="json")
    first = api.post("/api/v1/bookings/verify/", {"token": verify}, format="json")
    again = api.post("/api/v1/bookings/verify/", {"token": verify}, format="json")

    assert wrong.status_code == 400
    assert wrong.json()["code"] == "token_invalid"
    assert first.status_code == 200
    assert again.status_code == 400
    assert again.json()["code"] == "token_used"


def test_an_expired_verify_token(api, offer):
    booking, verify = make_draft(service=offer[1])
    BookingToken.objects.filter(booking=booking).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = api.post("/api/v1/bookings/verify/", {"token": verify}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "token_expired"
    assert Booking.objects.get(pk=booking.pk).status == S.DRAFT


# --- looking up ------------------------------------------------------------------


def test_status_by_reference_shows_the_state_only(api, offer):
    booking, _ = make_draft(service=offer[1])

    response = api.get(f"/api/v1/bookings/{booking.reference.lower()}/status/")

    assert response.json() == {
        "reference": booking.reference,
        "status": "draft",
        "status_label": "Draft (email not verified)",
    }


def test_unknown_reference_is_404(api, db):
    response = api.get("/api/v1/bookings/MS-ZZZZZZ/status/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "reference" in response.json()["message"]


def test_find_answers_the_same_for_known_and_unknown_addresses(api, offer):
    make_draft(service=offer[1], client_email="known@example.com")

    known = api.post(
        "/api/v1/bookings/find/", {"email": "known@example.com"}, format="json"
    )
    unknown = api.post(
        "/api/v1/bookings/find/", {"email": "nobody@example.com"}, format="json"
    )

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert list(
        OutboxEmail.objects.filter(kind="manage_link").values_list(
            "recipient", flat=True
        )
    ) == ["known@example.com"]


# --- behind the manage link -------------------------------------------------------


def test_manage_needs_a_valid_manage_token_in_the_header(api, offer):
    booking, verify = make_draft(service=offer[1])

    missing = api.get("/api/v1/manage/")
    wrong_purpose = api.get("/api/v1/manage/", **manage_header(verify))
    in_query = api.get(f"/api/v1/manage/?token={manage_token(booking)}")

    for response in (missing, wrong_purpose, in_query):
        assert response.status_code == 400
        assert response.json()["code"] == "token_invalid"


def test_manage_details(api, offer):
    booking = approved(offer[1], client_email="ada@example.com")

    response = api.get("/api/v1/manage/", **manage_header(manage_token(booking)))

    body = response.json()
    assert response.status_code == 200
    assert body["reference"] == booking.reference
    assert body["client_email"] == "ada@example.com"
    assert body["status"] == "approved"
    assert (body["can_cancel"], body["can_reschedule"], body["needs_payment"]) == (
        True,
        True,
        True,
    )
    assert body["can_review"] is False
    assert "no-store" in response["Cache-Control"]


def test_an_expired_manage_token(api, offer):
    booking = approved(offer[1])
    token = manage_token(booking)
    BookingToken.objects.filter(purpose="manage").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = api.get("/api/v1/manage/", **manage_header(token))

    assert response.status_code == 400
    assert response.json()["code"] == "token_expired"


def test_nothing_to_pay_is_409_invalid_transition(api, offer, settings):
    settings.STRIPE_SECRET_KEY = ""
    booking, _ = make_draft(service=offer[1])

    response = api.post("/api/v1/manage/pay/", **manage_header(manage_token(booking)))

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_cancel_quote_and_confirm_of_an_unpaid_booking(api, offer):
    booking = approved(offer[1])
    token = manage_token(booking)

    quote = api.get("/api/v1/manage/cancel/", **manage_header(token))
    assert quote.json()["refund_amount"] == "0.00"
    assert Booking.objects.get(pk=booking.pk).status == S.APPROVED

    done = api.post("/api/v1/manage/cancel/", {}, format="json", **manage_header(token))
    assert done.json()["status"] == "cancelled"
    assert Booking.objects.get(pk=booking.pk).cancel_reason == (
        "Cancelled by the client."
    )
    again = api.get("/api/v1/manage/cancel/", **manage_header(token))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    twice = api.post(
        "/api/v1/manage/cancel/", {}, format="json", **manage_header(token)
    )
    assert twice.status_code == 409


def test_reschedule_to_a_free_slot_and_refusals(api, offer):
    consultant, service = offer
    booking = approved(service)
    token = manage_token(booking)
    new_start = booking.start + timedelta(days=1)

    moved = api.post(
        "/api/v1/manage/reschedule/",
        {"start": new_start.isoformat()},
        format="json",
        **manage_header(token),
    )
    assert moved.status_code == 200, moved.json()
    assert datetime.fromisoformat(moved.json()["start"]) == new_start

    other = approved(service, client_email="other@example.com")
    taken = api.post(
        "/api/v1/manage/reschedule/",
        {"start": other.start.isoformat()},
        format="json",
        **manage_header(token),
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    nonsense = api.post(
        "/api/v1/manage/reschedule/",
        {"start": "next tuesday"},
        format="json",
        **manage_header(token),
    )
    assert nonsense.status_code == 400
    assert "start" in nonsense.json()["fields"]


def test_review_only_after_the_session(api, offer):
    booking = approved(offer[1])
    token = manage_token(booking)

    early = api.post(
        "/api/v1/manage/review/", {"rating": 5}, format="json", **manage_header(token)
    )
    assert early.status_code == 409
    assert early.json()["code"] == "invalid_transition"

    admin = user_with_perms("record_offline_payment", "complete_booking")
    paying.record_offline_payment(
        booking=booking, actor=admin, amount=booking.amount, method="Card"
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(
        start=an_hour_ago - timedelta(hours=1), end=an_hour_ago
    )
    services.complete(booking=booking, actor=admin)
    out_of_range = api.post(
        "/api/v1/manage/review/", {"rating": 9}, format="json", **manage_header(token)
    )
    assert out_of_range.status_code == 400
    assert "rating" in out_of_range.json()["fields"]
    review = api.post(
        "/api/v1/manage/review/",
        {"rating": 4, "comment": "Kind and clear."},
        format="json",
        **manage_header(token),
    )
    assert review.status_code == 201
    assert review.json()["display_name"] == "Ada C."
    assert review.json()["is_published"] is False
    assert Review.objects.get(booking=booking).rating == 4
