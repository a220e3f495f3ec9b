"""Staff's API (token or session): bookings they may see, and the transitions
they may run on them."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from booking.admin.actions import ACTIONS, available_actions
from booking.admin.permissions import can_see_intake_notes, visible_bookings
from booking.api import serializers as s
from booking.api.base import Personal, StaffPagination
from booking.api.client_views import offered
from booking.api.filters import BookingFilter, SearchFilter
from booking.api.parsers import JSONParser
from booking.api.permissions import CreatesBookingsOnPost, SeesBookings
from booking.core.errors import InvalidTransition, NotPermitted
from booking.core.models import Booking
from booking.lifecycle import services
from booking.privacy.audit import record_access


class StaffView(Personal):
    """Staff authenticate with a Wagtail API token (or an admin session) and see
    and do exactly what the Wagtail admin lets them."""

    permission_classes = [IsAuthenticated, SeesBookings]
    parser_classes = [JSONParser]

    def get_queryset(self):
        return (
            visible_bookings(self.request.user)
            .select_related("consultant", "service")
            .prefetch_related("participants")
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
        SearchFilter,
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
