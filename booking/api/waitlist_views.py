"""The waitlist through the API (issue 23): join a full time's waitlist, see
one's place, leave, and take an offered seat. The rules are
`booking.lifecycle.waitlist`'s, as on the web pages (`booking.web.waitlist`).

A client who is not signed in confirms their address by the emailed link; every
waitlist email carries a link whose last part is the token these endpoints take
as the X-Waitlist-Token header (only the latest email's works). A signed-in
client (an access token) joins without confirming and sees and leaves their
places by id under /waitlist/mine/."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from booking.api import throttles
from booking.api import waitlist_serializers as w
from booking.api.base import Personal, PublicView
from booking.api.client_auth import ClientJWTAuthentication, ClientUser, IsClient
from booking.api.client_views import offered
from booking.api.serializers import BookingStateSerializer
from booking.lifecycle import waitlist
from booking.waitlist.models import LIVE, WaitlistEntry

TAGS = ["Waitlist"]
HEADER = "X-Waitlist-Token"
TOKEN = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The token of the latest waitlist email's link (the last part "
    "of /book/waitlist/<token>/).",
)
W = WaitlistEntry.Status


def answer(entry: WaitlistEntry, code: int = status.HTTP_200_OK) -> Response:
    entry.refresh_from_db()
    entry.place = (
        waitlist.position(entry) if entry.status in (W.WAITING, W.OFFERED) else None
    )
    return Response(w.EntrySerializer(entry).data, status=code)


class Join(Personal, PublicView):
    authentication_classes = [ClientJWTAuthentication]
    permission_classes = [AllowAny]
    extra_error_codes = ["401"]  # an access token that is not valid
    throttle_classes = [
        throttles.AnonThrottle,
        throttles.CreateThrottle,
        throttles.CreateEmailThrottle,
    ]

    @extend_schema(
        tags=TAGS,
        request=w.JoinSerializer,
        responses={201: w.EntrySerializer},
        summary="Join the waitlist of a full time",
        description="Refused while the time still has a free place (book it "
        "instead). Without an access token the client's details are required "
        "and a confirmation link is emailed: the place in line counts from when "
        "it is followed (POST /waitlist/entry/confirm/). With one, the account "
        "joins at once.",
    )
    def post(self, request):
        form = w.JoinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        consultant, service = offered(data.pop("consultant"), data.pop("service"))
        account = None
        if isinstance(request.user, ClientUser):
            account = request.user.account
            data = {
                **data,
                "client_name": data["client_name"] or account.name or account.email,
                "client_email": account.email,
                "client_time_zone": data["client_time_zone"]
                or account.time_zone
                or consultant.time_zone,
            }
        else:
            missing = {
                name: ["This field is required."]
                for name in ("client_name", "client_email", "client_time_zone")
                if not data[name]
            }
            if missing:
                raise exceptions.ValidationError(missing)
        entry = waitlist.join(
            service=service, consultant=consultant, account=account, **data
        )
        return answer(entry, status.HTTP_201_CREATED)


class EntryView(Personal, PublicView):
    """Behind a waitlist email's link, sent as the X-Waitlist-Token header."""

    throttle_classes = [throttles.AnonThrottle, throttles.VerifyThrottle]

    def token(self, request) -> str:
        return request.headers.get(HEADER, "").strip()

    def entry(self, request) -> WaitlistEntry:
        return waitlist.entry_for(self.token(request))


class Entry(EntryView):
    @extend_schema(
        tags=TAGS,
        parameters=[TOKEN],
        responses=w.EntrySerializer,
        summary="A place in a waitlist and its position",
    )
    def get(self, request):
        return answer(self.entry(request))


class Confirm(EntryView):
    @extend_schema(
        tags=TAGS,
        parameters=[TOKEN],
        request=None,
        responses=w.EntrySerializer,
        summary="Confirm the address: the place in line counts from now",
    )
    def post(self, request):
        return answer(waitlist.confirm(token=self.token(request)))


class Leave(EntryView):
    @extend_schema(
        tags=TAGS,
        parameters=[TOKEN],
        request=None,
        responses=w.EntrySerializer,
        summary="Leave the waitlist",
        description="A seat offered to the client is offered to the next in line.",
    )
    def post(self, request):
        return answer(waitlist.leave(entry=self.entry(request)))


class Accept(EntryView):
    @extend_schema(
        tags=TAGS,
        parameters=[TOKEN],
        request=w.AcceptSerializer,
        responses={201: BookingStateSerializer},
        summary="Take the offered seat",
        description="Books the seat while the offer's hold lasts "
        "(`offer_expires_at`), by the normal booking rules; the address counts "
        "as verified. Pay or manage it by the emailed manage link.",
    )
    def post(self, request):
        form = w.AcceptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        booking = waitlist.accept(
            token=self.token(request), consent=form.validated_data["consent"]
        )
        return Response(
            BookingStateSerializer(booking).data, status=status.HTTP_201_CREATED
        )


class Mine(Personal, PublicView):
    authentication_classes = [ClientJWTAuthentication]
    permission_classes = [IsClient]

    def entries(self):
        return (
            WaitlistEntry.objects.filter(
                client_email__iexact=self.request.user.account.email, status__in=LIVE
            )
            .select_related("service", "consultant", "booking")
            .order_by("start", "pk")
        )


class MineList(Mine):
    @extend_schema(
        tags=TAGS,
        responses=w.EntrySerializer(many=True),
        summary="My places in waitlists",
        description="The signed-in client's live places, soonest time first.",
    )
    def get(self, request):
        entries = list(self.entries())
        for entry in entries:
            entry.place = (
                waitlist.position(entry)
                if entry.status in (W.WAITING, W.OFFERED)
                else None
            )
        return Response(w.EntrySerializer(entries, many=True).data)


class MineLeave(Mine):
    @extend_schema(
        tags=TAGS,
        request=None,
        responses=w.EntrySerializer,
        summary="Leave one of my waitlists",
    )
    def post(self, request, pk):
        entry = self.entries().filter(pk=pk).first()
        if entry is None:
            raise exceptions.NotFound(
                "You have no live place in a waitlist by this id."
            )
        return answer(waitlist.leave(entry=entry))
