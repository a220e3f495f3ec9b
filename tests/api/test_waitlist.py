"""The waitlist through the API (issue 23): join a full workshop's waitlist,
confirm by the emailed link's token, see the place in line, take the offered
seat, leave; a signed-in client joins at once and lists and leaves their
places; the errors are the API's one body and the endpoints are in the schema
and throttled."""

import pytest
from django.db import transaction

from booking.accounts import api_tokens
from booking.accounts.models import ClientAccount
from booking.lifecycle import services
from booking.waitlist.models import WaitlistEntry
from tests.booking.waitlist.helpers import full_workshop, last_link

pytestmark = pytest.mark.django_db
W = WaitlistEntry.Status


@pytest.fixture(autouse=True)
def after_commit_at_once(monkeypatch):
    """What a change does after commit (emails, offering a freed seat) runs at
    once: the test's transaction never commits."""
    monkeypatch.setattr(transaction, "on_commit", lambda func, **kwargs: func())


@pytest.fixture
def workshop(db):
    return full_workshop(capacity=1)


def join(api, workshop, **changes):
    service, consultant, start, _, _ = workshop
    body = {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": start.isoformat(),
        "client_name": "Wren Waiting",
        "client_email": "wren@example.com",
        "client_time_zone": "Europe/Berlin",
        **changes,
    }
    return api.post("/api/v1/waitlist/", body, format="json")


def header(token: str) -> dict:
    return {"HTTP_X_WAITLIST_TOKEN": token}


def test_join_confirm_see_the_place_and_take_the_freed_seat(api, workshop):
    _, _, _, [seat], desk = workshop

    joined = join(api, workshop)
    assert joined.status_code == 201, joined.content
    assert joined.json()["status"] == "unverified"
    assert joined.json()["position"] is None

    token = last_link("wren@example.com")
    confirmed = api.post("/api/v1/waitlist/entry/confirm/", **header(token))
    assert confirmed.json()["status"] == "waiting"
    assert confirmed.json()["position"] == 1
    seen = api.get("/api/v1/waitlist/entry/", **header(token)).json()
    assert (seen["position"], seen["service_kind"]) == (1, "workshop")

    services.cancel(booking=seat, reason="Ill", actor=desk)
    offer = last_link("wren@example.com")  # the offer's email: a new link
    assert api.get("/api/v1/waitlist/entry/", **header(offer)).json()["status"] == (
        "offered"
    )
    refused = api.post(
        "/api/v1/waitlist/entry/accept/", {"consent": False}, **header(offer)
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "validation_error"
    taken = api.post(
        "/api/v1/waitlist/entry/accept/", {"consent": True}, **header(offer)
    )
    assert taken.status_code == 201, taken.content
    assert taken.json()["reference"]
    again = api.post(
        "/api/v1/waitlist/entry/accept/", {"consent": True}, **header(offer)
    )
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_leaving_by_the_link(api, workshop):
    join(api, workshop)
    token = last_link("wren@example.com")

    left = api.post("/api/v1/waitlist/entry/leave/", **header(token))

    assert left.json()["status"] == "left"
    assert WaitlistEntry.objects.get().status == W.LEFT


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"client_email": "not an address"}, "client_email"),
        ({"client_time_zone": "Mars/Olympus"}, "client_time_zone"),
        ({"client_name": ""}, "client_name"),
        ({"service": "no-such-service"}, "service"),
    ],
)
def test_bad_details_answer_the_apis_error_body(api, workshop, changes, field):
    answer = join(api, workshop, **changes)

    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert field in answer.json()["fields"]
    assert not WaitlistEntry.objects.exists()


def test_a_time_with_a_free_seat_is_refused_with_the_reason(api, workshop):
    _, _, _, [seat], desk = workshop
    services.cancel(booking=seat, reason="Ill", actor=desk)

    answer = join(api, workshop)

    assert answer.status_code == 400
    assert answer.json() == {
        "code": "validation_error",
        "message": "That time still has a free place: book it instead of waiting.",
    }


def test_a_bad_link_token_is_refused(api, workshop):
    answer = api.get("/api/v1/waitlist/entry/", **header("nope.nope"))

    assert answer.status_code == 400
    assert answer.json()["code"] == "token_invalid"


def test_a_signed_in_client_joins_at_once_and_lists_and_leaves(api, workshop):
    account = ClientAccount.objects.create(
        email="sam@example.com", name="Sam Signed", time_zone="Europe/Paris"
    )
    access = {
        "HTTP_AUTHORIZATION": f"Bearer {api_tokens.issue_pair(account)['access']}"
    }

    joined = join(api, workshop, client_name="", client_email="", client_time_zone="")
    assert joined.status_code == 400  # anonymous: the details are required
    joined = api.post(
        "/api/v1/waitlist/",
        {
            "consultant": workshop[1].pk,
            "service": workshop[0].slug,
            "start": workshop[2].isoformat(),
        },
        format="json",
        **access,
    )
    assert joined.status_code == 201, joined.content
    assert (joined.json()["status"], joined.json()["position"]) == ("waiting", 1)
    entry = WaitlistEntry.objects.get(client_email="sam@example.com")
    assert entry.client_name == "Sam Signed"

    [mine] = api.get("/api/v1/waitlist/mine/", **access).json()
    assert mine["id"] == entry.pk
    assert api.get("/api/v1/waitlist/mine/").status_code == 401
    left = api.post(f"/api/v1/waitlist/mine/{entry.pk}/leave/", **access)
    assert left.json()["status"] == "left"
    assert api.get("/api/v1/waitlist/mine/", **access).json() == []
    gone = api.post(f"/api/v1/waitlist/mine/{entry.pk}/leave/", **access)
    assert gone.status_code == 404 and gone.json()["code"] == "not_found"


def test_joining_is_throttled_like_booking(api, workshop, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "booking_create": "2/hour",
        },
    }
    answers = [
        join(api, workshop, client_email=f"w{n}@example.com").status_code
        for n in range(3)
    ]

    assert answers[:2] == [201, 201] and answers[2] == 429


def test_the_waitlist_is_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in (
        "/api/v1/waitlist/",
        "/api/v1/waitlist/entry/",
        "/api/v1/waitlist/entry/confirm/",
        "/api/v1/waitlist/entry/leave/",
        "/api/v1/waitlist/entry/accept/",
        "/api/v1/waitlist/mine/",
    ):
        assert path in schema["paths"], path
    assert any(
        path.startswith("/api/v1/waitlist/mine/{") and path.endswith("/leave/")
        for path in schema["paths"]
    )
    join_op = schema["paths"]["/api/v1/waitlist/"]["post"]
    assert {"201", "400", "409", "429"} <= set(join_op["responses"])
