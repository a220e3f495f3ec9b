"""Joining through the API (a separate frontend): the signed-in client with
their access token, the session's consultant with their API token; the join
page's rules (who, when), the API's error body, the OpenAPI schema; and every
join, page or API, in the access log and on the admin's booking page."""

import time

import jwt
import pytest
from rest_framework.test import APIClient

from booking.accounts import api_tokens
from booking.accounts.models import ClientAccount
from booking.privacy.models import AccessLogEntry
from booking.video.models import VideoRoom
from tests.api.conftest import bearer
from tests.booking.outbox_helpers import confirmed_booking, free_service
from tests.booking.video.conftest import SECRET, starting_in
from tests.booking.video.test_rooms import manage_join_url
from tests.factories import ConsultantFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def client_token(email: str = "ada@example.com") -> dict:
    account, _ = ClientAccount.objects.get_or_create(email=email)
    access = api_tokens.issue_pair(account)["access"]
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def joins() -> list[tuple[str, str]]:
    return list(AccessLogEntry.objects.order_by("pk").values_list("username", "target"))


def claims_of(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], issuer="haven-key")


def test_the_signed_in_client_gets_a_token_for_their_room(api, livekit, session):
    response = api.post(
        f"/api/v1/bookings/{session.reference}/video/", **client_token()
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    room = VideoRoom.objects.get()
    assert body["provider"] == "livekit" and body["server_url"] == livekit.url
    assert body["room"] == room.name and body["meeting_url"] == ""
    claims = claims_of(body["token"])
    assert claims["sub"] == body["identity"] == f"client-{session.reference}"
    assert claims["video"]["roomJoin"] and claims["video"]["room"] == room.name
    assert not {"roomCreate", "roomAdmin", "roomList"} & set(claims["video"])
    assert 14 * 60 <= claims["exp"] - time.time() <= 15 * 60
    assert livekit.methods() == ["CreateRoom"]
    assert response["Cache-Control"].startswith("max-age=0")
    assert joins() == [
        (
            "the client themself",
            f"video room of booking {session.reference}: joined as the client, "
            "through the API",
        )
    ]


def test_the_consultant_joins_with_their_api_token(api, livekit, session, consultant):
    url = f"/api/v1/staff/bookings/{session.reference}/video/"
    body = api.post(url, **bearer(consultant.user)).json()
    assert claims_of(body["token"])["sub"] == f"consultant-{consultant.pk}"
    entry = AccessLogEntry.objects.get()
    assert entry.user == consultant.user and entry.username == "dr-lee"
    assert entry.target.endswith("joined as the consultant, through the API")
    assert entry.ip_address == "127.0.0.1"


def test_nobody_else_gets_in_and_nothing_is_written(api, livekit, session):
    mine = f"/api/v1/bookings/{session.reference}/video/"
    staff = f"/api/v1/staff/bookings/{session.reference}/video/"
    other = ConsultantFactory(user=member("Consultants", username="dr-b")).user
    desk = member("Booking admins", username="desk")
    cases = [
        (mine, {}, 401, "not_authenticated"),
        (mine, {"HTTP_AUTHORIZATION": "Bearer nonsense"}, 401, "authentication_failed"),
        (mine, client_token("eve@example.com"), 404, "not_found"),
        (mine, bearer(desk), 401, "authentication_failed"),  # not a client token
        (staff, bearer(desk), 403, "permission_denied"),  # not in the session
        (staff, bearer(other), 404, "not_found"),  # not their booking
        (staff, client_token(), 401, "authentication_failed"),
    ]
    for url, headers, status, code in cases:
        response = api.post(url, **headers)
        assert response.status_code == status, (url, code, response.json())
        body = response.json()
        assert body["code"] == code and body["message"], body
    assert not livekit.calls and not VideoRoom.objects.exists() and not joins()


@pytest.mark.parametrize(
    ("minutes", "says"), [(11, "opens 10 minutes before"), (-50, "has ended")]
)
def test_the_join_window_holds_for_the_api_too(api, livekit, session, minutes, says):
    starting_in(session, minutes)
    response = api.post(
        f"/api/v1/bookings/{session.reference}/video/", **client_token()
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "not_joinable" and says in body["message"]
    assert not livekit.calls and not joins()


def test_livekit_down_is_a_503_with_the_error_body(api, livekit, session):
    livekit.fail_with = (400, "invalid_argument")
    response = api.post(
        f"/api/v1/bookings/{session.reference}/video/", **client_token()
    )
    assert response.status_code == 503
    assert response.json()["code"] == "video_unavailable" and not joins()


def test_without_livekit_the_api_gives_the_meeting_link(api, settings, consultant):
    settings.LIVEKIT_URL = ""
    consultant.meeting_url = "https://video.example.com/dr-lee"
    consultant.save()
    booking = confirmed_booking(
        service=free_service(consultant), client_email="ada@example.com"
    )
    response = api.post(
        f"/api/v1/bookings/{booking.reference}/video/", **client_token()
    )
    body = response.json()
    assert response.status_code == 200, body
    assert body["provider"] == "consultant" and body["token"] == ""
    assert body["meeting_url"] == "https://video.example.com/dr-lee"
    assert joins()[0][1].endswith("joined as the client, through the API")


def test_the_schema_documents_both_joins(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/bookings/{reference}/video/",
        "/api/v1/staff/bookings/{reference}/video/",
    ):
        operation = schema["paths"][path]["post"]
        ok = operation["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].endswith("/Join")
        assert {"401", "403", "404", "409", "503"} <= set(operation["responses"])
    join = schema["components"]["schemas"]["Join"]["properties"]
    assert {"server_url", "token", "meeting_url", "opens_at"} <= set(join)


def test_page_joins_are_logged_and_shown_on_the_admin_booking_page(
    client, livekit, session, consultant
):
    client.post(manage_join_url(session))
    client.force_login(consultant.user)
    client.post(f"/video/{session.reference}/")
    prefix = f"video room of booking {session.reference}: joined as the "
    assert joins() == [
        ("the client themself", prefix + "client, through the manage link"),
        ("dr-lee", prefix + "consultant, through the admin sign-in"),
    ]
    client.get(f"/video/{session.reference}/")  # looking is not joining
    assert len(joins()) == 2

    client.force_login(member("Booking admins", username="desk"))
    page = client.get(f"/admin/bookings/inspect/{session.pk}/").text
    assert "Joined the video" in page
    assert "the client themself" in page and "through the manage link" in page
    assert "dr-lee" in page and "through the admin sign-in" in page
