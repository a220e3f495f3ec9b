"""LiveKit access tokens carry the booking's room, the participant's identity
and a short expiry: checked by decoding the signed JWT."""

import time

import jwt
import pytest

from booking.messaging import video

pytestmark = pytest.mark.django_db


@pytest.fixture
def livekit(settings):
    settings.LIVEKIT_URL = "wss://video.example.test"
    settings.LIVEKIT_API_KEY = "haven-key"
    settings.LIVEKIT_API_SECRET = "a-secret-long-enough-for-hs256-signing"
    settings.LIVEKIT_TOKEN_MINUTES = 15
    return settings


def test_a_token_is_for_this_booking_s_room_this_person_and_a_short_time(
    livekit, booking
):
    raw = video.join_token(booking=booking, identity="client:ada", name="Ada")
    claims = jwt.decode(
        raw, livekit.LIVEKIT_API_SECRET, algorithms=["HS256"], issuer="haven-key"
    )
    assert claims["sub"] == "client:ada"
    assert claims["video"]["room"] == video.room_name(booking)
    assert claims["video"]["roomJoin"] is True
    assert not claims["video"].get("roomAdmin")
    assert abs(claims["exp"] - (time.time() + 15 * 60)) < 5
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(raw, "another-secret-of-enough-length-here", algorithms=["HS256"])


def test_without_livekit_settings_no_token_is_issued(booking, settings):
    settings.LIVEKIT_URL = ""
    with pytest.raises(video.VideoNotSetUp, match="LIVEKIT_URL"):
        video.join_token(booking=booking, identity="x", name="x")
