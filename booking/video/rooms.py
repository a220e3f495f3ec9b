"""Which video service a session uses, and the LiveKit room's life: created at
LiveKit the first time someone joins (once, however often join is pressed),
closed by a django-q2 job after the session ends (once). LiveKit is reached
through livekit-api's RoomService (Twirp over HTTP)."""

import asyncio
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from livekit import api

from booking.core.errors import BookingError
from booking.core.models import Booking
from booking.messaging.video import livekit_configured, room_name
from booking.video.models import VideoRoom

PROVIDERS = ("auto", "consultant", "jitsi", "livekit")


class VideoUnavailable(BookingError):
    code = "video_unavailable"


def provider() -> str:
    """ "livekit", "consultant" or "jitsi": what BOOKING_VIDEO_PROVIDER asks for,
    LiveKit only once its three settings are set."""
    chosen = settings.BOOKING_VIDEO_PROVIDER.lower()
    if chosen in ("auto", "livekit") and livekit_configured():
        return "livekit"
    return "jitsi" if chosen == "jitsi" else "consultant"


def uses_livekit(booking: Booking) -> bool:
    return booking.service.online and provider() == "livekit"


def _call(method: str, request):
    async def run():
        async with api.LiveKitAPI(
            settings.LIVEKIT_URL,
            settings.LIVEKIT_API_KEY,
            settings.LIVEKIT_API_SECRET,
        ) as client:
            return await getattr(client.room, method)(request)

    try:
        return asyncio.run(run())
    except Exception as error:  # transport or LiveKit's own error
        raise VideoUnavailable(
            "The video service did not answer; please try again in a minute."
        ) from error


def ensure_room(booking: Booking) -> VideoRoom:
    """The session's room, created at LiveKit if no one has joined yet. The row
    is locked while LiveKit is asked, so two joins at once create it once."""
    VideoRoom.objects.get_or_create(
        slot_key=booking.slot_key,
        defaults={"name": room_name(booking), "ends_at": booking.end},
    )
    with transaction.atomic():
        room = VideoRoom.objects.select_for_update().get(slot_key=booking.slot_key)
        if room.closed_at is not None:
            raise VideoUnavailable("This session's video room is closed.")
        if room.created_at is None:
            _call(
                "create_room",
                api.CreateRoomRequest(
                    name=room.name,
                    empty_timeout=300,
                    max_participants=room_size(booking.service),
                ),
            )
            room.created_at = timezone.now()
            room.save(update_fields=["created_at"])
    return room


def close_finished_rooms(now=None) -> int:
    """Close at LiveKit every created room whose session has ended, each once:
    a room is locked (others skip it) until it is marked closed."""
    now = now or timezone.now()
    closed = 0
    due = VideoRoom.objects.filter(
        created_at__isnull=False, closed_at__isnull=True, ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due[:200]):
        with transaction.atomic():
            room = (
                VideoRoom.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, closed_at__isnull=True)
                .first()
            )
            if room is None:
                continue
            try:
                _call("delete_room", api.DeleteRoomRequest(room=room.name))
            except VideoUnavailable as error:
                gone = getattr(error.__cause__, "code", "") == "not_found"
                if not gone:
                    continue  # the next run tries again
            room.closed_at = timezone.now()
            room.save(update_fields=["closed_at"])
            closed += 1
    return closed


def join_window(booking: Booking) -> tuple:
    early = timedelta(minutes=settings.BOOKING_VIDEO_JOIN_EARLY_MINUTES)
    return booking.start - early, booking.end


def room_size(service) -> int:
    """The seats (or the client and the people they may bring), and the
    consultant."""
    return max(service.capacity, 1 + service.extra_participants) + 1
