"""/api/v1/ (Haven's booking API), /api/schema/ and /api/docs/ (its OpenAPI schema
and browsable docs, served from local files)."""

from django.urls import include, path

from booking.api import (
    account_views,
    catalogue_views,
    client_views,
    membership_views,
    product_views,
    staff_views,
    stream_views,
    video_views,
    waitlist_views,
)
from booking.api.schema_views import RedocView, SchemaView, SwaggerView

v1 = [
    path("", catalogue_views.Index.as_view(), name="index"),
    path("consultants/", catalogue_views.ConsultantList.as_view(), name="consultants"),
    path(
        "consultants/<int:pk>/",
        catalogue_views.ConsultantDetail.as_view(),
        name="consultant",
    ),
    path("consultants/<int:pk>/slots/", catalogue_views.Slots.as_view(), name="slots"),
    path("services/", catalogue_views.ServiceList.as_view(), name="services"),
    path(
        "services/<slug:slug>/", catalogue_views.ServiceDetail.as_view(), name="service"
    ),
    path("categories/", catalogue_views.CategoryList.as_view(), name="categories"),
    path("packages/", product_views.PackageList.as_view(), name="packages"),
    path(
        "memberships/",
        membership_views.MembershipPlanList.as_view(),
        name="membership_plans",
    ),
    path("streams/", stream_views.StreamList.as_view(), name="streams"),
    path("bookings/", client_views.CreateDraft.as_view(), name="create"),
    path("bookings/verify/", client_views.Verify.as_view(), name="verify"),
    path("bookings/find/", client_views.Find.as_view(), name="find"),
    path(
        "bookings/<str:reference>/status/", client_views.Status.as_view(), name="status"
    ),
    path("manage/", client_views.ManageDetails.as_view(), name="manage"),
    path("manage/pay/", client_views.ManagePay.as_view(), name="manage_pay"),
    path("manage/cancel/", client_views.ManageCancel.as_view(), name="manage_cancel"),
    path(
        "manage/reschedule/",
        client_views.ManageReschedule.as_view(),
        name="manage_reschedule",
    ),
    path("manage/review/", client_views.ManageReview.as_view(), name="manage_review"),
    # A signed-in client (issue 21): JWT sign-in, the account, my bookings.
    path("auth/sign-in/", account_views.SignIn.as_view(), name="auth_sign_in"),
    path("auth/token/", account_views.Token.as_view(), name="auth_token"),
    path("auth/refresh/", account_views.Refresh.as_view(), name="auth_refresh"),
    path("auth/sign-out/", account_views.SignOut.as_view(), name="auth_sign_out"),
    path("auth/user/", account_views.User.as_view(), name="auth_user"),
    path("bookings/upcoming/", account_views.Upcoming.as_view(), name="my_upcoming"),
    path("bookings/history/", account_views.History.as_view(), name="my_history"),
    path(
        "bookings/<str:reference>/",
        account_views.Detail.as_view(),
        name="my_booking",
    ),
    path("bookings/<str:reference>/pay/", account_views.Pay.as_view(), name="my_pay"),
    path(
        "bookings/<str:reference>/cancel/",
        account_views.Cancel.as_view(),
        name="my_cancel",
    ),
    path(
        "bookings/<str:reference>/reschedule/",
        account_views.Reschedule.as_view(),
        name="my_reschedule",
    ),
    path(
        "bookings/<str:reference>/review/",
        account_views.Review.as_view(),
        name="my_review",
    ),
    # The waitlist of a full time (issue 23).
    path("waitlist/", waitlist_views.Join.as_view(), name="waitlist_join"),
    path("waitlist/entry/", waitlist_views.Entry.as_view(), name="waitlist_entry"),
    path(
        "waitlist/entry/confirm/",
        waitlist_views.Confirm.as_view(),
        name="waitlist_confirm",
    ),
    path(
        "waitlist/entry/leave/", waitlist_views.Leave.as_view(), name="waitlist_leave"
    ),
    path(
        "waitlist/entry/accept/",
        waitlist_views.Accept.as_view(),
        name="waitlist_accept",
    ),
    path("waitlist/mine/", waitlist_views.MineList.as_view(), name="waitlist_mine"),
    path(
        "waitlist/mine/<int:pk>/leave/",
        waitlist_views.MineLeave.as_view(),
        name="waitlist_mine_leave",
    ),
    path(
        "bookings/<str:reference>/video/",
        video_views.MyVideo.as_view(),
        name="my_video",
    ),
    path(
        "staff/bookings/", staff_views.StaffBookingList.as_view(), name="staff_bookings"
    ),
    path(
        "staff/bookings/<str:reference>/",
        staff_views.StaffBookingDetail.as_view(),
        name="staff_booking",
    ),
    path(
        "staff/bookings/<str:reference>/transitions/",
        staff_views.StaffTransition.as_view(),
        name="staff_transition",
    ),
    path(
        "staff/bookings/<str:reference>/video/",
        video_views.StaffVideo.as_view(),
        name="staff_video",
    ),
]

app_name = "api"

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
