"""Joining a LiveKit room: the checks that do not depend on how the person
proved who they are (booking/web/video.py and booking/api/video_views.py do
that), the short-lived access token for this room, this person and
LIVEKIT_TOKEN_MINUTES, and the access-log line each join writes."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.messaging.video import join_token
from booking.privacy.audit import CLIENT_THEMSELF, record_access
from booking.privacy.models import AccessLogEntry
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
    expires_at: datetime


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


def join(
    booking: Booking,
    *,
    role: str,
    through: str,
    user=None,
    request=None,
    now: datetime | None = None,
) -> JoinPass:
    """Create the room if need be and give `role` a token for it, writing the
    join to the access log (`through`: how they came; `user`: the consultant's
    login). The identity names the role and the booking (or consultant), never
    an email address."""
    check_joinable(booking, now)
    room = rooms.ensure_room(booking)
    if role == CONSULTANT:
        identity = f"consultant-{booking.consultant_id}"
        name = str(booking.consultant)
    else:
        identity = f"client-{booking.reference}"
        name = booking.client_name or "Client"
    expires_at = timezone.now() + timedelta(minutes=settings.LIVEKIT_TOKEN_MINUTES)
    token = join_token(booking=booking, identity=identity, name=name)
    record_join(booking, role=role, through=through, user=user, request=request)
    return JoinPass(
        server_url=settings.LIVEKIT_URL,
        token=token,
        room=room.name,
        identity=identity,
        meet_url=meet_link(token),
        expires_at=expires_at,
    )


def log_target(booking: Booking) -> str:
    return f"video room of booking {booking.reference}: joined"


def record_join(booking: Booking, *, role: str, through: str, user=None, request=None):
    """One access-log line: who (the consultant's login, or "the client
    themself") joined which booking's room, and how; never a name or address."""
    consultant = role == CONSULTANT
    return record_access(
        user=user if consultant else None,
        by="" if consultant else CLIENT_THEMSELF,
        action=AccessLogEntry.Action.VIEWED,
        target=f"{log_target(booking)} as the {role}, through {through}",
        request=request,
    )


def joins_of(booking: Booking):
    """The access log's lines for this booking's room, oldest first."""
    return AccessLogEntry.objects.filter(
        target__startswith=log_target(booking) + " "
    ).order_by("timestamp", "pk")


def meet_link(token: str) -> str:
    """The practice's LiveKit meet app opened on this room, if one is set."""
    base = settings.LIVEKIT_MEET_URL
    if not base:
        return ""
    query = urlencode({"liveKitUrl": settings.LIVEKIT_URL, "token": token})
    return f"{base.rstrip('/')}/custom?{query}"
