"""A client's account, seen from one of their bookings (issue 21): a booking
admin opens it from the booking's page (its "More" menu) and sees the account's
details and preferences, every booking made with the address, its payments and
refunds with totals per currency, and the consent each booking recorded. Every
view is written to the access log. The admin can send the client a new sign-in
link (a queued job, like the client's own request: the link's secret is made
when the email leaves, never stored). The address never appears in a URL: the
page is reached by the booking's id."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from wagtail import hooks

from booking.accounts import selectors, services
from booking.accounts.models import preferences_for
from booking.admin.booking_list import money
from booking.admin.permissions import forbidden, visible_bookings
from booking.admin.zones import format_admin_time
from booking.privacy.audit import record_access

HANDLE_REQUESTS = "booking.handle_data_requests"
TEMPLATE = "booking/admin/client_account.html"


def may_see_client_accounts(user) -> bool:
    return user.has_perm(HANDLE_REQUESTS)


def client_account_url(booking) -> str:
    return reverse("booking_client_account", args=[booking.pk])


@never_cache
def client_account_view(request, pk):
    """GET shows the account of booking `pk`'s client (logged); POST
    `action=send_link` queues a sign-in link to the address."""
    if not may_see_client_accounts(request.user):
        return forbidden(request, "Only booking admins may see clients' accounts.")
    booking = get_object_or_404(visible_bookings(request.user), pk=pk)
    email = booking.client_email.strip().lower()
    inspect_url = reverse("bookings:inspect", args=[pk])
    if request.method == "POST" and request.POST.get("action") == "send_link":
        if booking.anonymised_at:
            messages.error(request, "This booking's client data has been erased.")
        else:
            services.request_sign_in(email=email)
            messages.success(
                request,
                f"A sign-in link is on its way to the client of {booking.reference}.",
            )
        return redirect(client_account_url(booking))
    account = preferences_for(email)
    sessions = selectors.sessions_of(email)
    bookings = [*sessions.upcoming, *sessions.past]
    record_access(
        user=request.user,
        action="viewed",
        target=(
            f"client account #{account.pk}" if account else "client without account"
        )
        + f" of booking {booking.reference}: {len(bookings)} booking(s)",
        request=request,
    )
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            "page_title": f"Client of {booking.reference}",
            "header_title": f"Client of booking {booking.reference}",
            "header_icon": "user",
            "booking": booking,
            "inspect_url": inspect_url,
            "account": account,
            "signed_in_at": account
            and format_admin_time(account.last_signed_in_at, request),
            "created_at": account and format_admin_time(account.created_at, request),
            "bookings": [
                {
                    "booking": b,
                    "when": format_admin_time(b.start, request),
                    "amount": money(b.amount, b.currency),
                    "paid": money(b.amount_paid, b.currency),
                    "consent": format_admin_time(b.consent_at, request)
                    if b.consent_at
                    else "",
                    "url": reverse("bookings:inspect", args=[b.pk]),
                }
                for b in bookings
            ],
            "receipts": [
                {**line, "when": format_admin_time(line["date"], request)}
                for line in sessions.receipts
            ],
            "totals": sessions.totals,
            "erased": bool(booking.anonymised_at),
        },
    )


@hooks.register("register_admin_urls")
def client_account_urls():
    return [
        path(
            "client-accounts/<int:pk>/",
            client_account_view,
            name="booking_client_account",
        )
    ]
