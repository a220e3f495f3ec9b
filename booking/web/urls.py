"""Public booking URLs (pages, feeds, webhooks), included before Wagtail's pages."""

from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from django.http import Http404
from django.urls import URLPattern, include, path

from booking.web import (
    account,
    account_password,
    calendar,
    confirmation,
    memberships,
    messages,
    payments,
    picker,
    products,
    streams,
    team,
    video,
    views,
    waitlist,
)


def set_up_only(view):
    """django-anymail routes every provider's webhooks. Those of a provider Haven
    is not set up for (Mailgun without its signing key, …) raise
    AnymailConfigurationError on every request, which was a 500: they are not
    found here instead."""

    @wraps(view)  # keeps anymail's csrf_exempt
    def webhook(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError:
            raise Http404("This email provider's webhook is not set up.") from None

    return webhook


anymail_webhooks = [
    URLPattern(
        pattern.pattern,
        set_up_only(pattern.callback),
        pattern.default_args,
        pattern.name,
    )
    for pattern in anymail_urls.urlpatterns
]

app_name = "booking"

urlpatterns = [
    path("book/<int:consultant_id>/", views.choose_service, name="choose_service"),
    path(
        "book/<int:consultant_id>/<slug:service_slug>/",
        views.choose_slot,
        name="choose_slot",
    ),
    path(
        "book/<int:consultant_id>/<slug:service_slug>/details/",
        views.details,
        name="details",
    ),
    path("book/sent/", views.sent, name="sent"),
    # --- waitlist ---
    path(
        "book/waitlist/join/<int:consultant_id>/<slug:service_slug>/",
        waitlist.join,
        name="waitlist_join",
    ),
    path("book/waitlist/<str:token>/", waitlist.entry_page, name="waitlist_entry"),
    path("book/verify/<str:token>/", confirmation.verify, name="verify"),
    path("book/status/", views.status, name="status"),
    path("book/find/", views.find, name="find"),
    path("book/manage/<str:token>/", confirmation.manage, name="manage"),
    path("book/manage/<str:token>/review/", views.manage_review, name="manage_review"),
    path(
        "book/manage/<str:token>/reschedule/",
        views.manage_reschedule,
        name="manage_reschedule",
    ),
    path("book/manage/<str:token>/pay/", payments.pay, name="pay"),
    path("book/manage/<str:token>/paid/", payments.pay_return, name="pay_return"),
    path(
        "book/manage/<str:token>/pay/cancelled/",
        payments.pay_cancel,
        name="pay_cancel",
    ),
    path("stripe/webhook/", payments.stripe_webhook, name="stripe_webhook"),
    # A consultant's private iCal subscription (revocable from the admin).
    path("calendar/<str:token>.ics", calendar.feed_view, name="calendar_feed"),
    # The ESPs' delivery webhooks, e.g. /anymail/postmark/tracking/; they refuse
    # requests without ANYMAIL_WEBHOOK_SECRET's basic auth.
    path("anymail/", include((anymail_webhooks, anymail_urls.app_name))),
]

# After the details (booking/web/confirmation.py): the booking page right after
# verifying, its calendar file, and the two-step cancel.
urlpatterns += [
    path("book/booked/<str:token>/", confirmation.booked, name="booked"),
    path(
        "book/manage/<str:token>/booking.ics",
        confirmation.calendar_file,
        name="calendar_file",
    ),
    path("book/manage/<str:token>/cancel/", confirmation.cancel, name="manage_cancel"),
    path(
        "book/manage/<str:token>/cancelled/",
        confirmation.cancelled,
        name="cancelled",
    ),
]

# The team (booking/web/team.py): applying to join, and an invitation's link.
urlpatterns += [
    path("join/", team.join, name="join"),
    path("join/thanks/", team.join_thanks, name="join_thanks"),
    path("join/invitation/<str:token>/", team.invitation, name="team_invitation"),
]

# The time picker's time-zone search and 12 / 24-hour clock (booking/web/picker.py).
urlpatterns += [
    path("book/zones/", picker.zone_search, name="zones"),
    path("book/clock/", picker.choose_clock, name="clock"),
]

# A client's account (booking/web/account.py): sign in by emailed link, My sessions.
urlpatterns += [
    path("account/", account.my_sessions, name="account"),
    path("account/sign-in/", account.sign_in, name="account_sign_in"),
    path("account/link/<str:token>/", account.follow_link, name="account_link"),
    path("account/code/", account.sign_in_with_code, name="account_code"),
    path("account/sign-out/", account.sign_out, name="account_sign_out"),
    path(
        "account/sign-out-everywhere/",
        account.sign_out_everywhere,
        name="account_sign_out_everywhere",
    ),
    path(
        "account/bookings/<str:reference>/manage/",
        account.manage,
        name="account_manage",
    ),
    path(
        "account/receipts/<str:kind>/<int:pk>/", account.receipt, name="account_receipt"
    ),
    path("account/details/", account.details, name="account_details"),
    path("account/data/", account.download_data, name="account_data"),
    path("account/delete/", account.delete, name="account_delete"),
    path(
        "account/sign-in/password/",
        account_password.sign_in_with_password,
        name="account_password_sign_in",
    ),
    path("account/password/", account_password.set_password, name="account_password"),
    path(
        "account/password/remove/",
        account_password.remove_password,
        name="account_password_remove",
    ),
]

# Packages (booking/web/products.py, issue 22): on sale, buying, the client's own,
# and paying a booking with a package session.
urlpatterns += [
    path("packages/", products.packages, name="packages"),
    path("packages/<int:package_id>/buy/", products.buy, name="package_buy"),
    path("packages/bought/<int:purchase_id>/", products.bought, name="package_bought"),
    path("account/packages/", products.my_packages, name="account_packages"),
    path(
        "book/manage/<str:token>/pay/package/",
        products.pay_with_package,
        name="pay_with_package",
    ),
    path(
        "book/manage/<str:token>/membership/cancel/",
        memberships.cancel_from_manage,
        name="manage_membership_cancel",
    ),
    path(
        "book/manage/<str:token>/pay/credit/",
        products.pay_with_credit,
        name="pay_with_credit",
    ),
    path(
        "account/packages/<int:entitlement_id>/refund/",
        products.refund_unused,
        name="account_package_refund",
    ),
]

# Memberships (booking/web/memberships.py, issue 22): plans, joining by Stripe
# Checkout in subscription mode, the client's own, cancelling at the period's end.
urlpatterns += [
    path("memberships/", memberships.plans, name="memberships"),
    path("memberships/<int:plan_id>/join/", memberships.join, name="membership_join"),
    path(
        "memberships/joined/<int:membership_id>/",
        memberships.joined,
        name="membership_joined",
    ),
    path(
        "account/memberships/", memberships.my_memberships, name="account_memberships"
    ),
    path(
        "account/memberships/<int:membership_id>/cancel/",
        memberships.cancel,
        name="membership_cancel",
    ),
]

# Secure messages (booking/web/messages.py): from a booking's emailed link or the
# account, the conversation and its attachments.
urlpatterns += [
    path(
        "book/manage/<str:token>/messages/",
        messages.from_booking,
        name="manage_messages",
    ),
    path("account/messages/", messages.my_messages, name="my_messages"),
    path(
        "account/messages/start/<str:reference>/",
        messages.start,
        name="start_conversation",
    ),
    path("messages/<int:pk>/", messages.conversation, name="conversation"),
    path(
        "messages/attachments/<int:pk>/",
        messages.attachment,
        name="message_attachment",
    ),
    # --- video rooms (booking/web/video.py) ---
    path("book/manage/<str:token>/video/", video.manage_video, name="manage_video"),
    path("video/<str:reference>/", video.video_join, name="video_join"),
]

# The stream (booking/web/streams.py): like, save, comment, report; saved list.
urlpatterns += [
    path(
        "stream/<int:page_id>/<str:kind>/toggle/",
        streams.react,
        name="stream_react",
    ),
    path("stream/<int:page_id>/comment/", streams.comment, name="stream_comment"),
    path(
        "stream/comments/<int:comment_id>/report/",
        streams.report,
        name="stream_report",
    ),
    path("account/saved/", streams.saved, name="account_saved"),
]
