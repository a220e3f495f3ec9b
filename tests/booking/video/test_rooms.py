"""LiveKit video rooms: who may join (the client by manage link or account, the
consultant by their admin login, nobody else, only from shortly before the start
until the end), the token's claims (decoded for real), the room created at
LiveKit once however often Join is pressed, and closed once after the session."""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import jwt
import pytest
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.accounts.signin import ACCOUNT, EPOCH, EXPIRES
from booking.core import tokens
from booking.core.models import BookingToken
from booking.tasks import close_video_rooms
from booking.video.models import VideoRoom
from tests.booking.video.conftest import SECRET, starting_in
from tests.factories import ConsultantFactory, member

pytestmark = pytest.mark.django_db


def manage_join_url(booking):
    raw = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    return f"/book/manage/{raw}/video/"


def claims_on(page: str) -> dict:
    raw = page.split('id="access-token" readonly rows="4">')[1].split("<")[0]
    return jwt.decode(raw, SECRET, algorithms=["HS256"], issuer="haven-key")


def test_the_client_joins_through_their_manage_link_with_a_token_for_this_room(
    client, livekit, session
):
    url = manage_join_url(session)
    page = client.get(url).content.decode()
    assert "Join the session" in page and not livekit.calls  # looking changes nothing
    berlin = session.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{berlin:%H:%M}–" in page and "(Europe/Berlin)" in page
    response = client.post(url)
    assert response.status_code == 200
    claims = claims_on(response.content.decode())
    room = VideoRoom.objects.get()
    assert claims["sub"] == f"client-{session.reference}"
    assert claims["name"] == session.client_name
    assert claims["video"]["roomJoin"] is True
    assert claims["video"]["room"] == room.name
    assert not {"roomCreate", "roomAdmin", "roomList"} & set(claims["video"])
    assert 14 * 60 <= claims["exp"] - time.time() <= 15 * 60
    assert livekit.methods() == ["CreateRoom"]
    assert livekit.calls[0][1].name == room.name


def test_the_room_is_created_once_however_often_join_is_pressed(
    client, livekit, session
):
    url = manage_join_url(session)
    first = claims_on(client.post(url).content.decode())
    second = claims_on(client.post(url).content.decode())
    assert first["video"]["room"] == second["video"]["room"]
    assert livekit.methods() == ["CreateRoom"]
    assert VideoRoom.objects.get().created_at is not None


def test_the_consultant_joins_their_own_session_from_the_admin_login(
    client, livekit, session, consultant
):
    client.force_login(consultant.user)
    page = client.post(f"/video/{session.reference}/").content.decode()
    claims = claims_on(page)
    assert claims["sub"] == f"consultant-{consultant.pk}"
    assert claims["video"]["room"] == VideoRoom.objects.get().name


def test_a_signed_in_client_joins_from_their_account(client, livekit, session):
    account = ClientAccount.objects.create(email="ada@example.com")
    browser = client.session
    browser[ACCOUNT], browser[EPOCH] = account.pk, account.session_epoch
    browser[EXPIRES] = int(time.time()) + 3600
    browser.save()
    page = client.post(f"/video/{session.reference}/").content.decode()
    assert claims_on(page)["sub"] == f"client-{session.reference}"


def test_nobody_else_may_join(client, livekit, session):
    url = f"/video/{session.reference}/"
    anonymous = client.post(url)
    assert anonymous.status_code == 403
    assert "sign in to the admin" in anonymous.content.decode()
    client.force_login(ConsultantFactory(user=member("Consultants")).user)
    assert client.post(url).status_code == 403  # another consultant
    client.force_login(member("Booking admins", username="desk"))
    assert client.post(url).status_code == 403  # staff are not in the session
    client.logout()
    stranger = ClientAccount.objects.create(email="eve@example.com")
    browser = client.session
    browser[ACCOUNT], browser[EPOCH] = stranger.pk, stranger.session_epoch
    browser[EXPIRES] = int(time.time()) + 3600
    browser.save()
    assert client.post(url).status_code == 403
    assert client.post("/book/manage/not-a-token/video/").status_code == 400
    assert not livekit.calls and not VideoRoom.objects.exists()


@pytest.mark.parametrize(
    ("minutes", "says"),
    [(11, "opens 10 minutes before"), (-50, "has ended")],
)
def test_no_one_joins_too_early_or_after_the_end(
    client, livekit, session, minutes, says
):
    starting_in(session, minutes)
    response = client.post(manage_join_url(session))
    assert response.status_code == 409
    assert says in response.content.decode()
    assert not livekit.calls and not VideoRoom.objects.exists()


def test_an_ended_session_s_room_is_closed_once(client, livekit, session):
    client.post(manage_join_url(session))
    assert close_video_rooms() == 0  # not over yet
    VideoRoom.objects.update(ends_at=timezone.now() - timedelta(minutes=1))
    assert close_video_rooms() == 1
    assert close_video_rooms() == 0
    assert livekit.methods() == ["CreateRoom", "DeleteRoom"]
    room = VideoRoom.objects.get()
    assert livekit.calls[1][1].room == room.name and room.closed_at is not None


def test_a_failed_close_is_tried_again_and_a_room_livekit_forgot_counts_as_closed(
    client, livekit, session
):
    client.post(manage_join_url(session))
    VideoRoom.objects.update(ends_at=timezone.now() - timedelta(minutes=1))
    livekit.fail_with = (400, "invalid_argument")
    assert close_video_rooms() == 0
    livekit.fail_with = (404, "not_found")
    assert close_video_rooms() == 1
    assert VideoRoom.objects.get().closed_at is not None


def test_livekit_down_at_join_says_so_and_remembers_nothing(client, livekit, session):
    livekit.fail_with = (400, "invalid_argument")
    response = client.post(manage_join_url(session))
    assert response.status_code == 503
    assert "did not answer" in response.content.decode()
    assert VideoRoom.objects.get().created_at is None


def test_emails_and_the_manage_page_give_the_join_page_not_a_raw_url(
    client, livekit, session, mailoutbox
):
    from booking.notifications import emails

    context = emails.email_context(session, emails.Kind.REMINDER_24H)
    assert context["meeting_url"].endswith("/video/")
    assert "/book/manage/" in context["meeting_url"]
    consultant = emails.email_context(session, emails.Kind.CONSULTANT_REMINDER)
    assert consultant["meeting_url"].endswith(f"/video/{session.reference}/")
    raw = tokens.issue_token(booking=session, purpose=BookingToken.Purpose.MANAGE)
    page = client.get(f"/book/manage/{raw}/").content.decode()
    assert f"/book/manage/{raw}/video/" in page


def test_without_livekit_the_link_is_the_consultant_s_own_or_jitsi(
    settings, consultant
):
    from booking.notifications import emails
    from tests.booking.outbox_helpers import confirmed_booking, free_service

    settings.LIVEKIT_URL = ""
    settings.BOOKING_VIDEO_PROVIDER = "livekit"  # not set up: as "consultant"
    consultant.meeting_url = "https://video.example.com/dr-lee"
    consultant.save()
    own = confirmed_booking(service=free_service(consultant))
    assert emails.meeting_link(own) == "https://video.example.com/dr-lee"
    settings.BOOKING_VIDEO_PROVIDER = "jitsi"
    jitsi = confirmed_booking(service=free_service(consultant))
    assert emails.meeting_link(jitsi).startswith("https://meet.jit.si/")


def test_the_admin_booking_page_links_the_consultant_to_the_join_page(
    client, livekit, session, consultant
):
    client.force_login(consultant.user)
    page = client.get(f"/admin/bookings/inspect/{session.pk}/").text
    assert f'href="/video/{session.reference}/"' in page
    client.force_login(member("Booking admins", username="desk"))
    page = client.get(f"/admin/bookings/inspect/{session.pk}/").text
    assert "only the client and the consultant can join" in page
    assert f"/video/{session.reference}/" not in page
