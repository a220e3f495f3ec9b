"""Joining an online session through the API (issue 24), with the join page's
rules (booking/web/video.py): the signed-in client (access token) for their own
bookings, `POST bookings/{reference}/video/`; the session's own consultant
(Wagtail API token or admin session), `POST staff/bookings/{reference}/video/`;
nobody else (booking admins and staff are not in the session).

With LiveKit the answer is the room's server URL and a short-lived access token
for it, from BOOKING_VIDEO_JOIN_EARLY_MINUTES before the start until the end of
a confirmed session (the room is created at the first join); otherwise the
session's meeting link (the consultant's own room or a Jitsi room), as the
emails give it once the session is confirmed. Every join is in the access log."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.accounts import selectors
from booking.admin.permissions import own_consultant
from booking.api.account_views import MINE, ClientView
from booking.api.staff_views import StaffView
from booking.core.models import Booking
from booking.core.states import BookingStatus
from booking.notifications.emails import meeting_link
from booking.video import access, rooms

THROUGH = "the API"


class JoinSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=["livekit", "consultant", "jitsi"],
        help_text="`livekit`: connect to `server_url` with `token`; otherwise "
        "open `meeting_url`.",
    )
    server_url = serializers.CharField(
        allow_blank=True, help_text="The LiveKit server (LiveKit only)."
    )
    token = serializers.CharField(
        allow_blank=True,
        help_text="A LiveKit access token for this room and this participant "
        "alone (LiveKit only).",
    )
    token_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Join before then (LIVEKIT_TOKEN_MINUTES); the call itself "
        "may go on.",
    )
    room = serializers.CharField(allow_blank=True)
    identity = serializers.CharField(
        allow_blank=True, help_text="`client-<reference>` or `consultant-<id>`."
    )
    meet_url = serializers.CharField(
        allow_blank=True,
        help_text="The practice's LiveKit meet app opened on this room, when "
        "LIVEKIT_MEET_URL is set.",
    )
    meeting_url = serializers.CharField(
        allow_blank=True, help_text="The meeting link (not LiveKit)."
    )
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


def join_details(booking: Booking, *, role: str, request) -> dict:
    """What a participant needs to join, under the join page's rules, each
    join written to the access log."""
    if not booking.service.online:
        raise access.NotJoinable("This session is held in person; it has no video.")
    opens_at, closes_at = rooms.join_window(booking)
    user = request.user if role == access.CONSULTANT else None
    answer = {
        "server_url": "",
        "token": "",
        "token_expires_at": None,
        "room": "",
        "identity": "",
        "meet_url": "",
        "meeting_url": "",
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    if rooms.uses_livekit(booking):
        granted = access.join(
            booking, role=role, through=THROUGH, user=user, request=request
        )
        return {
            **answer,
            "provider": "livekit",
            "server_url": granted.server_url,
            "token": granted.token,
            "token_expires_at": granted.expires_at,
            "room": granted.room,
            "identity": granted.identity,
            "meet_url": granted.meet_url,
        }
    if booking.status != BookingStatus.CONFIRMED:
        raise access.NotJoinable("Only a confirmed session can be joined.")
    link = meeting_link(booking)
    access.record_join(booking, role=role, through=THROUGH, user=user, request=request)
    return {**answer, "provider": rooms.provider(), "meeting_url": link}


DESCRIPTION = (
    "With LiveKit: the server URL and an access token for this session's room "
    "alone, from BOOKING_VIDEO_JOIN_EARLY_MINUTES before the start until the end "
    "of a confirmed session (the room is created at the first join). Otherwise the "
    "meeting link, once confirmed. `not_joinable` (409) says why not; "
    "`video_unavailable` (503) when LiveKit does not answer. Each join is written "
    "to the access log."
)


class MyVideo(ClientView):
    extra_error_codes = ["503"]  # LiveKit did not answer

    @extend_schema(
        tags=MINE,
        request=None,
        responses=JoinSerializer,
        summary="Join my online session",
        description=DESCRIPTION,
    )
    def post(self, request, reference):
        booking = (
            selectors.bookings_of(self.account.email)
            .select_related("consultant", "service")
            .filter(reference=reference.strip().upper())
            .first()
        )
        if booking is None:
            raise exceptions.NotFound("You have no booking with this reference.")
        details = join_details(booking, role=access.CLIENT, request=request)
        return Response(JoinSerializer(details).data)


class StaffVideo(StaffView, APIView):
    extra_error_codes = ["503"]  # LiveKit did not answer

    @extend_schema(
        request=None,
        responses=JoinSerializer,
        summary="Join my session's video (its consultant)",
        description=DESCRIPTION + " Only the session's own consultant joins: "
        "booking admins and staff are refused (`permission_denied`).",
    )
    def post(self, request, reference):
        booking = self.get_queryset().filter(reference=reference.upper()).first()
        if booking is None:
            raise exceptions.NotFound()
        consultant = own_consultant(request.user)
        if consultant is None or consultant.pk != booking.consultant_id:
            raise exceptions.PermissionDenied(
                "Only the session's own consultant joins its video; booking "
                "admins and staff are not in the session."
            )
        details = join_details(booking, role=access.CONSULTANT, request=request)
        return Response(JoinSerializer(details).data)
