"""/api/v1/ (Haven's booking API), /api/schema/ and /api/docs/ (its OpenAPI schema
and browsable docs, served from local files)."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from booking.api import views

v1 = [
    path("consultants/", views.ConsultantList.as_view(), name="consultants"),
    path("consultants/<int:pk>/", views.ConsultantDetail.as_view(), name="consultant"),
    path("consultants/<int:pk>/slots/", views.Slots.as_view(), name="slots"),
    path("services/", views.ServiceList.as_view(), name="services"),
    path("services/<slug:slug>/", views.ServiceDetail.as_view(), name="service"),
    path("bookings/", views.CreateDraft.as_view(), name="create"),
    path("bookings/verify/", views.Verify.as_view(), name="verify"),
    path("bookings/find/", views.Find.as_view(), name="find"),
    path("bookings/<str:reference>/status/", views.Status.as_view(), name="status"),
    path("manage/", views.ManageDetails.as_view(), name="manage"),
    path("manage/pay/", views.ManagePay.as_view(), name="manage_pay"),
    path("manage/cancel/", views.ManageCancel.as_view(), name="manage_cancel"),
    path(
        "manage/reschedule/",
        views.ManageReschedule.as_view(),
        name="manage_reschedule",
    ),
    path("manage/review/", views.ManageReview.as_view(), name="manage_review"),
    path("staff/bookings/", views.StaffBookingList.as_view(), name="staff_bookings"),
    path(
        "staff/bookings/<str:reference>/",
        views.StaffBookingDetail.as_view(),
        name="staff_booking",
    ),
    path(
        "staff/bookings/<str:reference>/transitions/",
        views.StaffTransition.as_view(),
        name="staff_transition",
    ),
]

app_name = "api"

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
