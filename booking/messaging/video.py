"""LiveKit access tokens (issue 24): when LIVEKIT_URL, LIVEKIT_API_KEY and
LIVEKIT_API_SECRET are set, each online session has a room of its own and each
participant is given a short-lived access token for it alone. The join page,
creating the room at LiveKit and closing it after the session are in
booking/video/ (README "Video sessions")."""

from datetime import timedelta

from django.conf import settings
from livekit import api

from booking.core.errors import BookingError
from booking.core.models import Booking


class VideoNotSetUp(BookingError):
    code = "video_not_set_up"


def livekit_configured() -> bool:
    return bool(
        settings.LIVEKIT_URL
        and settings.LIVEKIT_API_KEY
        and settings.LIVEKIT_API_SECRET
    )


def room_name(booking: Booking) -> str:
    """One room per session: the seats of a group session share it."""
    return f"haven-{booking.slot_key}".lower()


def join_token(*, booking: Booking, identity: str, name: str) -> str:
    """A token that lets `identity` join this booking's room, and nothing else,
    for LIVEKIT_TOKEN_MINUTES."""
    if not livekit_configured():
        raise VideoNotSetUp(
            "Video rooms are not set up: set LIVEKIT_URL, LIVEKIT_API_KEY and "
            "LIVEKIT_API_SECRET."
        )
    grants = api.VideoGrants(room_join=True, room=room_name(booking))
    return (
        api.AccessToken(settings.LIVEKIT_API_KEY, settings.LIVEKIT_API_SECRET)
        .with_identity(identity)
        .with_name(name)
        .with_grants(grants)
        .with_ttl(timedelta(minutes=settings.LIVEKIT_TOKEN_MINUTES))
        .to_jwt()
    )
