"""What anyone may read: active consultants and services, service categories, and
free slots."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, filters, generics
from rest_framework.response import Response

from booking.api import catalogue_serializers as s
from booking.api.base import Pagination, PublicView
from booking.api.filters import ConsultantFilter, SearchFilter, ServiceFilter
from booking.core.models import Consultant, Service, ServiceCategory
from booking.intake.models import ServiceQuestion
from booking.scheduling import hours
from booking.scheduling.slots import free_slots


def active_consultants():
    return Consultant.objects.filter(is_active=True).prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(is_active=True))
    )


class ConsultantList(PublicView, generics.ListAPIView):
    """Active consultants and the slugs of the services they offer."""

    serializer_class = s.ConsultantSerializer
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend, SearchFilter, filters.OrderingFilter]
    filterset_class = ConsultantFilter
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
    return (
        Service.objects.filter(is_active=True)
        .select_related("category")
        .prefetch_related(
            Prefetch("consultants", queryset=Consultant.objects.filter(is_active=True)),
            Prefetch(
                "questions",
                queryset=ServiceQuestion.objects.order_by("sort_order", "pk"),
            ),
        )
    )


class ServiceList(PublicView, generics.ListAPIView):
    """Active services: duration, price, mode and who offers them."""

    serializer_class = s.ServiceSerializer
    pagination_class = Pagination
    filter_backends = [
        DjangoFilterBackend,
        SearchFilter,
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


class CategoryList(PublicView, generics.ListAPIView):
    """The service categories, to filter services and consultants by
    (`?category=<slug>`)."""

    serializer_class = s.CategorySerializer
    pagination_class = Pagination
    queryset = ServiceCategory.objects.all()


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
        slots = free_slots(
            consultant=consultant,
            service=service,
            start=hours.local_moment(first, time(0), zone),
            end=hours.local_moment(last + timedelta(days=1), time(0), zone),
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


class Index(PublicView):
    """GET /api/v1/: what the API offers, for a client finding its way."""

    @extend_schema(
        responses={200: dict},
        summary="The API's resources",
        description="The API's resources and where its documentation is.",
    )
    def get(self, request):
        return Response(
            {
                "name": "Haven booking API",
                "version": "v1",
                "docs": reverse("api:docs"),
                "schema": reverse("api:schema"),
                "resources": {
                    "consultants": reverse("api:consultants"),
                    "services": reverse("api:services"),
                    "categories": reverse("api:categories"),
                    "slots": "/api/v1/consultants/{id}/slots/",
                    "bookings": reverse("api:create"),
                    "find my booking": reverse("api:find"),
                    "manage (X-Manage-Token)": reverse("api:manage"),
                    "waitlist": reverse("api:waitlist_join"),
                    "client sign-in (JWT)": reverse("api:auth_sign_in"),
                    "staff bookings (token)": reverse("api:staff_bookings"),
                },
            }
        )
