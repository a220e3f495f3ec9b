"""Joining a LiveKit room: the checks that do not depend on how the person
proved who they are (booking/web/video.py does that), and the short-lived
access token for this room, this person and LIVEKIT_TOKEN_MINUTES."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.messaging.video import join_token
from booking.video import rooms

CLIENT = "client"
CONSULTANT = "consultant"


class NotJoinable(BookingError):
    code = "not_joinable"


@dataclass(frozen=True)
class JoinPass:
    server_url: str
    token: str
    room: str
    identity: str
    meet_url: str


def check_joinable(booking: Booking, now: datetime | None = None) -> None:
    """Raise NotJoinable unless this booking's room may be joined now."""
    now = now or timezone.now()
    if not rooms.uses_livekit(booking):
        raise NotJoinable("This session does not use Haven's video rooms.")
    if booking.status != S.CONFIRMED:
        raise NotJoinable("Only a confirmed session can be joined.")
    opens, closes = rooms.join_window(booking)
    if now < opens:
        minutes = settings.BOOKING_VIDEO_JOIN_EARLY_MINUTES
        raise NotJoinable(
            f"The room opens {minutes} minutes before the session starts."
        )
    if now >= closes:
        raise NotJoinable("This session has ended; its room is closed.")


def join(booking: Booking, *, role: str, now: datetime | None = None) -> JoinPass:
    """Create the room if need be and give `role` a token for it. The identity
    names the role and the booking (or consultant), never an email address."""
    check_joinable(booking, now)
    room = rooms.ensure_room(booking)
    if role == CONSULTANT:
        identity = f"consultant-{booking.consultant_id}"
        name = str(booking.consultant)
    else:
        identity = f"client-{booking.reference}"
        name = booking.client_name or "Client"
    token = join_token(booking=booking, identity=identity, name=name)
    return JoinPass(
        server_url=settings.LIVEKIT_URL,
        token=token,
        room=room.name,
        identity=identity,
        meet_url=meet_link(token),
    )


def meet_link(token: str) -> str:
    """The practice's LiveKit meet app opened on this room, if one is set."""
    base = settings.LIVEKIT_MEET_URL
    if not base:
        return ""
    query = urlencode({"liveKitUrl": settings.LIVEKIT_URL, "token": token})
    return f"{base.rstrip('/')}/custom?{query}"
