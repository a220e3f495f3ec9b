"""The API's views. Each reads its input with a serializer, calls the same service,
availability or permission function as the booking pages and the Wagtail admin,
and answers with a serializer; refusals are `BookingError`s and DRF exceptions,
which `booking.api.errors` turns into the one error body."""

from dataclasses import asdict
from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import django_fsm as fsm
from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import availability, payments, selectors, services, tokens
from booking.admin_views import (
    ACTIONS,
    available_actions,
    can_see_intake_notes,
    visible_bookings,
)
from booking.api import serializers as s
from booking.api import throttles
from booking.api.filters import BookingFilter, ServiceFilter
from booking.api.permissions import CreatesBookingsOnPost, SeesBookings
from booking.audit import record_access
from booking.errors import InvalidTransition, NotPermitted
from booking.models import Booking, BookingToken, Consultant, Service
from booking.states import BookingSource, BookingStatus
from booking.viewsets import CappedPaginator

S = BookingStatus
MANAGE_HEADER = "X-Manage-Token"
MANAGE_TOKEN = OpenApiParameter(
    MANAGE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The token of the emailed manage link (the last part of "
    "/book/manage/<token>/).",
)


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class StaffPagination(Pagination):
    """Counts at most 10,000 bookings, as the admin list does."""

    django_paginator_class = CappedPaginator


class Personal:
    """Answers with personal data: never stored by a browser or proxy cache."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class NoNullCharacters:
    """Refuse NUL in the path and the query string, as serializers refuse it in
    bodies: PostgreSQL cannot compare text with it."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any("\x00" in str(value) for value in kwargs.values()):
            raise exceptions.NotFound()
        bad = [
            name
            for name, values in request.query_params.lists()
            if any("\x00" in value for value in values)
        ]
        if bad:
            raise exceptions.ValidationError(
                {name: ["Null characters are not allowed."] for name in bad}
            )


class PublicView(NoNullCharacters, APIView):
    """Anyone may call it; no session or token is read, so a logged-in browser
    needs no CSRF token and gets no more than anyone else."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes = [throttles.AnonThrottle]


# --- consultants, services, slots ---------------------------------------------------


def active_consultants():
    return Consultant.objects.filter(is_active=True).prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(is_active=True))
    )


class ConsultantList(PublicView, generics.ListAPIView):
    """Active consultants and the slugs of the services they offer."""

    serializer_class = s.ConsultantSerializer
    pagination_class = Pagination
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return active_consultants()


class ConsultantDetail(PublicView, generics.RetrieveAPIView):
    serializer_class = s.ConsultantSerializer

    def get_queryset(self):
        return active_consultants()


def active_services():
    return Service.objects.filter(is_active=True).prefetch_related(
        Prefetch("consultants", queryset=Consultant.objects.filter(is_active=True))
    )


class ServiceList(PublicView, generics.ListAPIView):
    """Active services: duration, price, mode and who offers them."""

    serializer_class = s.ServiceSerializer
    pagination_class = Pagination
    filter_backends = [
        DjangoFilterBackend,
        filters.SearchFilter,
        filters.OrderingFilter,
    ]
    filterset_class = ServiceFilter
    search_fields = ["title", "description"]
    ordering_fields = ["title", "price", "duration_minutes"]
    ordering = ["title"]

    def get_queryset(self):
        return active_services().distinct()


class ServiceDetail(PublicView, generics.RetrieveAPIView):
    serializer_class = s.ServiceSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return active_services()


class Slots(PublicView):
    @extend_schema(
        parameters=[s.SlotQuerySerializer],
        responses=s.SlotsSerializer,
        summary="Free slots of a consultant for a service",
        description="Free starts over at most 31 days, in the client's time zone.",
    )
    def get(self, request, pk):
        consultant = get_object_or_404(Consultant, pk=pk, is_active=True)
        query = s.SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        service = consultant.services.filter(
            slug=data["service"], is_active=True
        ).first()
        if service is None:
            raise exceptions.NotFound("This consultant does not offer that session.")
        zone = ZoneInfo(data.get("tz") or consultant.time_zone)
        first = data.get("date_from") or timezone.localdate(timezone=zone)
        last = data.get("date_to") or first + timedelta(days=6)
        if last < first:
            raise exceptions.ValidationError(
                {"date_to": "date_to must not be before date_from."}
            )
        if (last - first).days >= s.MAX_SLOT_DAYS:
            raise exceptions.ValidationError(
                {"date_to": f"Ask for at most {s.MAX_SLOT_DAYS} days at a time."}
            )
        slots = availability.free_slots(
            consultant=consultant,
            service=service,
            start=availability.local_moment(first, time(0), zone),
            end=availability.local_moment(last + timedelta(days=1), time(0), zone),
        )
        with timezone.override(zone):
            body = s.SlotsSerializer(
                {
                    "consultant": consultant.pk,
                    "service": service.slug,
                    "tz": zone.key,
                    "date_from": first,
                    "date_to": last,
                    "slots": slots,
                }
            ).data
        return Response(body)


# --- a client's booking -------------------------------------------------------------


def offered(consultant_id: int, service_slug: str) -> tuple[Consultant, Service]:
    """The consultant and service a request names; whether one offers the other
    is the services' rule."""
    consultant = Consultant.objects.filter(pk=consultant_id).first()
    service = Service.objects.filter(slug=service_slug).first()
    problems = {}
    if consultant is None:
        problems["consultant"] = "No consultant has this id."
    if service is None:
        problems["service"] = "No service has this slug."
    if problems:
        raise exceptions.ValidationError(problems)
    return consultant, service


class CreateDraft(PublicView):
    throttle_classes = [
        throttles.AnonThrottle,
        throttles.CreateThrottle,
        throttles.CreateEmailThrottle,
    ]

    @extend_schema(
        request=s.DraftSerializer,
        responses={201: s.BookingStateSerializer},
        summary="Request a booking",
        description="Creates a draft and emails the client a verification link; "
        "the slot is held once they verify.",
    )
    def post(self, request):
        form = s.DraftSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        consultant, service = offered(data.pop("consultant"), data.pop("service"))
        booking, _ = services.create_draft(
            consultant=consultant, service=service, source=BookingSource.API, **data
        )
        return Response(
            s.BookingStateSerializer(booking).data, status=status.HTTP_201_CREATED
        )


class Verify(PublicView):
    throttle_classes = [throttles.AnonThrottle, throttles.VerifyThrottle]

    @extend_schema(
        request=s.TokenSerializer,
        responses=s.BookingStateSerializer,
        summary="Verify the client's email",
    )
    def post(self, request):
        form = s.TokenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        booking = services.verify_email(token=form.validated_data["token"])
        return Response(s.BookingStateSerializer(booking).data)


class Status(PublicView):
    throttle_classes = [throttles.AnonThrottle, throttles.LookupThrottle]

    @extend_schema(
        responses=s.BookingStateSerializer,
        summary="A booking's state by reference",
        description="The state only: nothing personal.",
    )
    def get(self, request, reference):
        booking = Booking.objects.filter(reference=reference.strip().upper()).first()
        if booking is None:
            raise exceptions.NotFound(
                "No booking has that reference. Check it and try again."
            )
        return Response(s.BookingStateSerializer(booking).data)


class Find(PublicView):
    throttle_classes = [
        throttles.AnonThrottle,
        throttles.LookupThrottle,
        throttles.LookupEmailThrottle,
    ]

    @extend_schema(
        request=s.LookupSerializer,
        responses={202: s.MessageSerializer},
        summary="Email manage links",
        description="Emails a manage link for each open or recent booking of the "
        "address. The answer is the same whether or not there are any.",
    )
    def post(self, request):
        form = s.LookupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.send_manage_links(email=form.validated_data["email"])
        return Response(
            {
                "message": "If that address has bookings with us, we have emailed "
                "a link to manage them. Check your inbox."
            },
            status=status.HTTP_202_ACCEPTED,
        )


# --- behind the emailed manage link --------------------------------------------------


class ManageView(Personal, PublicView):
    """Views behind a manage link, sent as the X-Manage-Token header (so that it
    does not land in access logs as a query string would). The link is checked as
    the manage page checks it (`booking.tokens`)."""

    throttle_classes = [throttles.AnonThrottle, throttles.ManageThrottle]

    def managed(self, request) -> tuple[Booking, str]:
        token = request.headers.get(MANAGE_HEADER, "").strip()
        if "\x00" in token:
            token = ""  # never a token; PostgreSQL could not even look it up
        found = tokens.check_token(token, purpose=BookingToken.Purpose.MANAGE)
        booking = Booking.objects.select_related("consultant", "service").get(
            pk=found.booking_id
        )
        return booking, token

    def details(self, booking: Booking) -> Response:
        booking.refresh_from_db()
        for name, value in asdict(selectors.client_options(booking)).items():
            setattr(booking, name, value)
        return Response(s.ManagedBookingSerializer(booking).data)


class ManageDetails(ManageView):
    @extend_schema(
        parameters=[MANAGE_TOKEN],
        responses=s.ManagedBookingSerializer,
        summary="The booking behind a manage link",
    )
    def get(self, request):
        booking, _ = self.managed(request)
        return self.details(booking)


class ManagePay(ManageView):
    extra_error_codes = ["503"]

    @extend_schema(
        parameters=[MANAGE_TOKEN],
        request=None,
        responses=s.PaymentStartSerializer,
        summary="Start paying",
        description="With Stripe: the Checkout URL to send the client to (the "
        "same one while it is open). Offline: the practice's instructions.",
    )
    def post(self, request):
        booking, token = self.managed(request)
        if not payments.stripe_enabled():
            if not selectors.owes_payment(booking):
                raise InvalidTransition(
                    f"Booking {booking.reference} is {booking.status_label.lower()}: "
                    "there is nothing to pay now."
                )
            body = {
                "mode": "offline",
                "instructions": settings.BOOKING_PAYMENT_INSTRUCTIONS,
            }
        else:
            url = payments.checkout_url(booking=booking, token=token)
            body = {"mode": "stripe", "checkout_url": url}
        booking.refresh_from_db()
        body.update(
            status=booking.status,
            amount_due=booking.amount - booking.amount_paid,
            currency=booking.currency,
        )
        return Response(s.PaymentStartSerializer(body).data)


class ManageCancel(ManageView):
    @extend_schema(
        parameters=[MANAGE_TOKEN],
        responses=s.CancellationQuoteSerializer,
        summary="What cancelling would do",
        description="The refund cancelling now would give, by the cancellation "
        "policy. Nothing changes; POST to cancel.",
    )
    def get(self, request):
        booking, _ = self.managed(request)
        if not fsm.can_proceed(booking.cancel):
            raise InvalidTransition(
                f"Cannot cancel booking {booking.reference}: it is "
                f"{booking.status_label.lower()}."
            )
        return Response(
            s.CancellationQuoteSerializer(
                {
                    "reference": booking.reference,
                    "status": booking.status,
                    "amount_paid": booking.amount_paid,
                    "refund_amount": refund_quote(booking),
                    "currency": booking.currency,
                }
            ).data
        )

    @extend_schema(
        parameters=[MANAGE_TOKEN],
        request=s.ReasonSerializer,
        responses=s.ManagedBookingSerializer,
        summary="Cancel the booking",
        description="Cancels and refunds by policy (see GET).",
    )
    def post(self, request):
        booking, _ = self.managed(request)
        form = s.ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        reason = form.validated_data["reason"].strip() or "Cancelled by the client."
        services.cancel(booking=booking, reason=reason)
        return self.details(booking)


def refund_quote(booking: Booking) -> Decimal:
    refunds = payments.cancellation_refunds(booking, by_client=True)
    return sum((amount for _, amount in refunds), Decimal("0.00"))


class ManageReschedule(ManageView):
    @extend_schema(
        parameters=[MANAGE_TOKEN],
        request=s.RescheduleSerializer,
        responses=s.ManagedBookingSerializer,
        summary="Move the booking to another free slot",
    )
    def post(self, request):
        booking, _ = self.managed(request)
        form = s.RescheduleSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.reschedule(booking=booking, start=form.validated_data["start"])
        return self.details(booking)


class ManageReview(ManageView):
    @extend_schema(
        parameters=[MANAGE_TOKEN],
        request=s.ReviewSerializer,
        responses={201: s.ReviewCreatedSerializer},
        summary="Review the completed session",
        description="Held for moderation before it is published.",
    )
    def post(self, request):
        booking, _ = self.managed(request)
        form = s.ReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        review = services.submit_review(booking=booking, **form.validated_data)
        return Response(
            s.ReviewCreatedSerializer(review).data, status=status.HTTP_201_CREATED
        )


# --- staff ------------------------------------------------------------------------


class StaffView(Personal, NoNullCharacters):
    """Staff authenticate with a Wagtail API token (or an admin session) and see
    and do exactly what the Wagtail admin lets them."""

    permission_classes = [IsAuthenticated, SeesBookings]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return visible_bookings(self.request.user).select_related(
            "consultant", "service"
        )

    def get_serializer_context(self):
        user = self.request.user
        return {
            **super().get_serializer_context(),
            "notes": lambda booking: can_see_intake_notes(user, booking),
            "actions": lambda booking: [
                action.name for action in available_actions(booking, user)
            ],
        }

    def staff_booking(self, booking: Booking, **kwargs) -> Response:
        booking = self.get_queryset().get(pk=booking.pk)
        context = self.get_serializer_context()
        return Response(
            s.StaffBookingSerializer(booking, context=context).data, **kwargs
        )


class StaffBookingList(StaffView, generics.ListAPIView):
    """Bookings this user may see, newest session first."""

    permission_classes = [*StaffView.permission_classes, CreatesBookingsOnPost]
    serializer_class = s.StaffBookingSerializer
    pagination_class = StaffPagination
    filter_backends = [
        DjangoFilterBackend,
        filters.SearchFilter,
        filters.OrderingFilter,
    ]
    filterset_class = BookingFilter
    search_fields = ["reference", "client_name", "client_email"]
    ordering_fields = ["start", "created_at", "reference", "status"]
    ordering = ["-start"]

    @extend_schema(
        request=s.StaffCreateSerializer,
        responses={201: s.StaffBookingSerializer},
        summary="Create a booking (as by phone)",
        description="No email verification; it starts approved when you may "
        "approve, else pending. `override_reason` books outside availability.",
    )
    def post(self, request):
        form = s.StaffCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        consultant, service = offered(data.pop("consultant"), data.pop("service"))
        booking = services.create_admin_booking(
            actor=request.user, consultant=consultant, service=service, **data
        )
        return self.staff_booking(booking, status=status.HTTP_201_CREATED)


class StaffBookingDetail(StaffView, generics.RetrieveAPIView):
    serializer_class = s.StaffBookingSerializer
    lookup_field = "reference"

    def retrieve(self, request, *args, **kwargs):
        booking = self.get_object()
        # Like opening the booking's page in the admin, this is in the access log.
        record_access(
            user=request.user, action="viewed", target=booking, request=request
        )
        return Response(self.get_serializer(booking).data)


class StaffTransition(StaffView, generics.GenericAPIView):
    serializer_class = s.TransitionSerializer
    lookup_field = "reference"

    @extend_schema(
        request=s.TransitionSerializer,
        responses=s.StaffBookingSerializer,
        summary="Run an action on a booking",
        description="The actions of the admin's booking page (the booking's "
        "`actions` lists those you may run now), with what each needs: a reason "
        "to reject or cancel, a start to approve_at or reschedule, an amount and "
        "method to record an offline payment.",
    )
    def post(self, request, reference):
        booking = self.get_object()
        form = s.TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        action = ACTIONS[form.validated_data["action"]]
        if not action.permitted(booking, request.user):
            raise NotPermitted(f"You do not have permission to {action.verb} bookings.")
        if problem := action.problem(booking):
            raise InvalidTransition(problem)
        booking = action.run(booking, request.user, form.action_data())
        return self.staff_booking(booking)
