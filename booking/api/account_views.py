"""The client-account API for a separate frontend (issue 21): sign in with an
emailed link or code for a JWT pair, refresh it, sign out; the account's
details; the client's upcoming and past bookings; and the manage actions by
booking reference, with the access token in place of a manage link's token.

The manage actions are client_views' own views (same rules, same answers),
finding the booking among the signed-in client's instead: any other reference,
another client's included, is a 404."""

from dataclasses import asdict

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from booking.accounts import api_tokens, selectors, services
from booking.api import account_serializers as a
from booking.api import client_views
from booking.api import serializers as s
from booking.api.base import Pagination, Personal, PublicView
from booking.api.client_auth import ClientJWTAuthentication, IsClient
from booking.core import ratelimit, tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import SLOT_HOLDING
from booking.lifecycle import selectors as booking_selectors
from booking.payments import provider
from booking.payments.models import Refund

AUTH = ["Client sign-in"]
MINE = ["Client's bookings"]


def limited(request, action: str, *identities) -> None:
    """The booking pages' own limit (shared with the web sign-in, so neither
    gives more tries than the other), answered as the API's 429."""
    if not ratelimit.allow(action, ratelimit.client_ip(request), *identities):
        raise exceptions.Throttled(wait=ratelimit.limit_for(action)[1])


class SignIn(PublicView):
    @extend_schema(
        tags=AUTH,
        request=a.SignInRequestSerializer,
        responses={202: s.MessageSerializer},
        summary="Email a sign-in link and code",
        description="Emails a one-time link (to FRONTEND_URL's /account/link/"
        "<token>/) and a 6-digit code. The answer is the same for every address.",
    )
    def post(self, request):
        form = a.SignInRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        email = form.validated_data["email"]
        limited(request, "account_sign_in", email)
        services.request_sign_in(email=email, frontend=True)
        return Response(
            {
                "message": "Check your inbox: we have emailed a sign-in link and "
                "a 6-digit code to that address."
            },
            status=status.HTTP_202_ACCEPTED,
        )


class Token(Personal, PublicView):
    @extend_schema(
        tags=AUTH,
        request=a.TokenExchangeSerializer,
        responses=a.TokenPairSerializer,
        summary="Exchange a sign-in link or code for a JWT pair",
        description="The link and its code work once, within their minutes. A "
        "wrong code counts against the address's links; a few burn them.",
    )
    def post(self, request):
        form = a.TokenExchangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        limited(request, "account_link")
        if "token" in data:
            account = services.sign_in_with_link(raw=data["token"])
        else:
            account = services.sign_in_with_code(email=data["email"], code=data["code"])
        return Response(a.TokenPairSerializer(api_tokens.issue_pair(account)).data)


class Refresh(Personal, PublicView):
    @extend_schema(
        tags=AUTH,
        request=a.RefreshSerializer,
        responses=a.TokenPairSerializer,
        summary="A new JWT pair for a refresh token",
        description="The refresh token is used up (rotation): keep the new one.",
    )
    def post(self, request):
        form = a.RefreshSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        pair = api_tokens.rotate(form.validated_data["refresh"])
        return Response(a.TokenPairSerializer(pair).data)


class SignOut(PublicView):
    @extend_schema(
        tags=AUTH,
        request=a.SignOutSerializer,
        responses=s.MessageSerializer,
        summary="Sign out",
        description="The refresh token stops working. With `everywhere`, every "
        "token and browser session of the account stops working at once.",
    )
    def post(self, request):
        form = a.SignOutSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        api_tokens.revoke(
            form.validated_data["refresh"],
            everywhere=form.validated_data["everywhere"],
        )
        return Response({"message": "You are signed out."})


class ClientView(Personal, PublicView):
    """Views for the signed-in client: the access token is required."""

    authentication_classes = [ClientJWTAuthentication]
    permission_classes = [IsClient]

    @property
    def account(self):
        return self.request.user.account


class User(ClientView):
    @extend_schema(tags=AUTH, responses=a.AccountSerializer, summary="My account")
    def get(self, request):
        return Response(a.AccountSerializer(self.account).data)

    @extend_schema(
        tags=AUTH,
        request=a.AccountSerializer,
        responses=a.AccountSerializer,
        summary="Change my name or time zone",
    )
    def put(self, request):
        account = self.account
        form = a.AccountSerializer(account, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.update_details(
            account=account,
            name=data.get("name", account.name),
            time_zone=data.get("time_zone", account.time_zone),
        )
        return Response(a.AccountSerializer(account).data)


class BookingList(ClientView, generics.ListAPIView):
    serializer_class = s.ManagedBookingSerializer
    pagination_class = Pagination
    upcoming = True

    def get_queryset(self):
        now = timezone.now()
        bookings = selectors.bookings_of(self.account.email).prefetch_related(
            Prefetch("refunds", queryset=Refund.objects.order_by("created_at"))
        )
        if self.upcoming:
            return bookings.filter(status__in=SLOT_HOLDING, end__gte=now).order_by(
                "start", "pk"
            )
        return bookings.exclude(status__in=SLOT_HOLDING, end__gte=now).order_by(
            "-start", "-pk"
        )

    def paginate_queryset(self, queryset):
        """What each booking's state allows, as the manage views tell it."""
        page = super().paginate_queryset(queryset)
        for booking in page:
            for name, value in asdict(
                booking_selectors.client_options(booking)
            ).items():
                setattr(booking, name, value)
        return page


class Upcoming(BookingList):
    @extend_schema(
        tags=MINE,
        summary="My upcoming sessions",
        description="Held and confirmed sessions not yet over, soonest first.",
    )
    def get(self, request):
        return super().get(request)


class History(BookingList):
    upcoming = False

    @extend_schema(
        tags=MINE,
        summary="My past and cancelled sessions",
        description="Everything else made with my address, latest first.",
    )
    def get(self, request):
        return super().get(request)


class MyBooking(ClientView):
    """The manage views' `managed`, for the signed-in client's own booking."""

    def managed(self, request) -> tuple[Booking, str]:
        reference = self.kwargs["reference"].strip().upper()
        booking = (
            selectors.bookings_of(self.account.email)
            .filter(reference=reference)
            .first()
        )
        if booking is None:
            raise exceptions.NotFound("You have no booking with this reference.")
        return booking, self.manage_token(booking)

    def manage_token(self, booking: Booking) -> str:
        return ""


class Detail(MyBooking, client_views.ManageDetails):
    @extend_schema(
        tags=MINE, responses=s.ManagedBookingSerializer, summary="One of my bookings"
    )
    def get(self, request, reference):
        return super().get(request)


class Pay(MyBooking, client_views.ManagePay):
    def manage_token(self, booking: Booking) -> str:
        """Stripe's Checkout returns the client to a manage link: a new one, made
        only when there is a Checkout to start (a refusal changes nothing)."""
        if not (provider.stripe_enabled() and booking_selectors.owes_payment(booking)):
            return ""
        return tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    @extend_schema(
        tags=MINE,
        request=None,
        responses=s.PaymentStartSerializer,
        summary="Start paying for my booking",
    )
    def post(self, request, reference):
        return super().post(request)


class Cancel(MyBooking, client_views.ManageCancel):
    @extend_schema(
        tags=MINE,
        responses=s.CancellationQuoteSerializer,
        summary="What cancelling my booking would do",
    )
    def get(self, request, reference):
        return super().get(request)

    @extend_schema(
        tags=MINE,
        request=s.ReasonSerializer,
        responses=s.ManagedBookingSerializer,
        summary="Cancel my booking",
        description="Cancels and refunds by policy (see GET).",
    )
    def post(self, request, reference):
        return super().post(request)


class Reschedule(MyBooking, client_views.ManageReschedule):
    @extend_schema(
        tags=MINE,
        request=s.RescheduleSerializer,
        responses=s.ManagedBookingSerializer,
        summary="Move my booking to another free slot",
    )
    def post(self, request, reference):
        return super().post(request)


class Review(MyBooking, client_views.ManageReview):
    @extend_schema(
        tags=MINE,
        request=s.ReviewSerializer,
        responses={201: s.ReviewCreatedSerializer},
        summary="Review my completed session",
    )
    def post(self, request, reference):
        return super().post(request)
