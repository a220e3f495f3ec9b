"""The client's booking through the API: a draft, its verification, its status, "find
my booking", and everything behind the emailed manage link (details, pay, cancel,
reschedule, review)."""

from dataclasses import asdict

import django_fsm as fsm
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from booking.api import serializers as s
from booking.api import throttles
from booking.api.base import MANAGE_HEADER, MANAGE_TOKEN, Personal, PublicView
from booking.core import practice, tokens
from booking.core.errors import InvalidTransition
from booking.core.models import Booking, BookingToken, Consultant, Service
from booking.core.states import BookingSource
from booking.intake import answers as intake
from booking.lifecycle import credit_paying, selectors, series, services
from booking.payments import events, provider, refunds
from booking.reviews import services as review_services


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
        answers = data.pop("intake")
        # A consultant not taking bookings is refused by create_draft, with that
        # sentence, rather than with the questions nobody will be asked.
        if consultant.is_active:
            data["intake"] = intake.clean_api_answers(service, answers)
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
        services.request_manage_links(email=form.validated_data["email"])
        return Response(
            {
                "message": "If that address has bookings with us, we have emailed "
                "a link to manage them. Check your inbox."
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ManageView(Personal, PublicView):
    """Views behind a manage link, sent as the X-Manage-Token header (so that it
    does not land in access logs as a query string would). The link is checked as
    the manage page checks it (`booking.core.tokens`)."""

    throttle_classes = [throttles.AnonThrottle, throttles.ManageThrottle]

    def managed(self, request) -> tuple[Booking, str]:
        token = request.headers.get(MANAGE_HEADER, "").strip()
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
        if not provider.stripe_enabled():
            if not selectors.owes_payment(booking):
                raise InvalidTransition(
                    f"Booking {booking.reference} is {booking.status_label.lower()}: "
                    "there is nothing to pay now."
                )
            body = {
                "mode": "offline",
                "instructions": practice.policy().payment_instructions_text,
            }
        else:
            url = events.checkout_url(booking=booking, token=token)
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
        "policy, and the credit it would give back (a booking paid by credit). "
        "Nothing changes; POST to cancel.",
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
                    "refund_amount": (
                        series.refund_quote(booking)
                        if series.is_series(booking)
                        else refunds.refund_quote(booking)
                    ),
                    "credit_back": credit_paying.credit_back_quote(booking),
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
        review = review_services.submit_review(booking=booking, **form.validated_data)
        return Response(
            s.ReviewCreatedSerializer(review).data, status=status.HTTP_201_CREATED
        )
