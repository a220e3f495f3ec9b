"""A client's account on the public site (issue 21): sign in with an emailed
link, "My sessions" (upcoming and past, each with its manage link, receipts and
totals per currency), the account's details, download my data, delete my
account, sign out (here or everywhere).

`proven_email` and `after_signed_in_booking` let the booking journey skip the
verification email for a signed-in client booking with their own address."""

from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from booking.accounts import selectors, services, signin
from booking.core import ratelimit, tokens, zones
from booking.core.errors import BookingError, TokenError
from booking.core.models import Booking, BookingToken
from booking.lifecycle import selectors as booking_selectors
from booking.lifecycle import services as booking_services
from booking.privacy.audit import CLIENT_THEMSELF
from booking.privacy.lookup import export_bundle
from booking.web.account_forms import (
    AccountDetailsForm,
    DeleteAccountForm,
    RemovePasswordForm,
    SetPasswordForm,
    SignInCodeForm,
    SignInForm,
)


def proven_email(request) -> str | None:
    """The address the signed-in client has proven (lower case), or None."""
    account = signin.signed_in_account(request)
    return account.email if account else None


def create_draft(request, **fields) -> tuple[Booking, HttpResponse | None]:
    """The booking journey's `create_draft`, with `after_signed_in_booking` in
    the same transaction, so that a signed-in client's draft is verified before
    its verification email could leave. Returns the booking and the response
    `after_signed_in_booking` gave, if any."""
    with transaction.atomic():
        booking, _ = booking_services.create_draft(**fields)
        return booking, after_signed_in_booking(request, booking)


def after_signed_in_booking(request, booking: Booking):
    """Call inside the transaction that made the draft `booking`. When it was
    made with the signed-in client's own address, the address needs no proof:
    the verification email is withdrawn and the booking verified at once (it
    still waits for approval where the service needs it). Returns the response
    to send, or None when the usual "check your inbox" step applies."""
    if proven_email(request) != booking.client_email.strip().lower():
        return None
    services.skip_verification_email(booking)
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.VERIFY)
    booking = booking_services.verify_email(token=token)
    messages.success(
        request,
        f"Booking {booking.reference} is {booking.status_label.lower()}: your "
        "address is already confirmed, so there is no email to follow.",
    )
    return redirect("booking:account")


def signed_in(view):
    """For the account's pages: the signed-in account, or the sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = signin.signed_in_account(request)
        if account is None:
            return redirect("booking:account_sign_in")
        return view(request, account, *args, **kwargs)

    return wrapper


# --- signing in and out --------------------------------------------------------------


@never_cache
@sensitive_post_parameters("email")
def sign_in(request):
    """Email a sign-in link. The answer is the same for every address."""
    if signin.signed_in_account(request) is not None:
        return redirect("booking:account")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.allow("account_sign_in", ratelimit.client_ip(request), email):
            return too_many(request, "account_sign_in")
        services.request_sign_in(email=email)
        return _code_page(request, SignInCodeForm(initial={"email": email}))
    return TemplateResponse(
        request,
        "booking/account/sign_in.html",
        {"form": form, "sent": False, "minutes": _link_minutes()},
        status=400 if form.errors else 200,
    )


def _link_minutes() -> int:
    return int(services.link_lifetime().total_seconds() // 60)


def too_many(request, action: str):
    response = TemplateResponse(request, "booking/rate_limited.html", status=429)
    response["Retry-After"] = str(ratelimit.limit_for(action)[1])
    return response


@never_cache
def follow_link(request, token):
    """GET only shows a button: mail scanners open links, and opening must not
    use up a single-use link. The POST signs in."""
    if request.method != "POST":
        return TemplateResponse(request, "booking/account/link.html", {})
    if not ratelimit.allow("account_link", ratelimit.client_ip(request)):
        return too_many(request, "account_link")
    try:
        account = services.sign_in_with_link(raw=token)
    except TokenError as error:
        return TemplateResponse(
            request, "booking/account/link.html", {"error": error}, status=400
        )
    signin.sign_in(request, account)
    messages.success(request, "You are signed in.")
    return redirect("booking:account")


def _code_page(request, code_form, status=200):
    """The "check your inbox" page, with the form for the emailed code."""
    context = {"form": None, "sent": True, "minutes": _link_minutes()}
    context["code_form"] = code_form
    return TemplateResponse(
        request, "booking/account/sign_in.html", context, status=status
    )


@require_POST
@never_cache
@sensitive_post_parameters("email", "code")
def sign_in_with_code(request):
    """Sign in with the address and the 6-digit code emailed beside the link.
    Every refusal is the same sentence, whatever the address."""
    form = SignInCodeForm(request.POST)
    if not form.is_valid():
        return _code_page(request, form, status=400)
    if not ratelimit.allow("account_link", ratelimit.client_ip(request)):
        return too_many(request, "account_link")
    try:
        account = services.sign_in_with_code(**form.cleaned_data)
    except BookingError as error:
        form.add_error("code", error.message)
        return _code_page(request, form, status=400)
    signin.sign_in(request, account)
    messages.success(request, "You are signed in.")
    return redirect("booking:account")


@require_POST
def sign_out(request):
    signin.sign_out(request)
    messages.success(request, "You are signed out.")
    return redirect("booking:account_sign_in")


@require_POST
@signed_in
def sign_out_everywhere(request, account):
    services.sign_out_everywhere(account=account)
    signin.sign_out(request)
    messages.success(request, "You are signed out on every device.")
    return redirect("booking:account_sign_in")


# --- my sessions ---------------------------------------------------------------------


@never_cache
@signed_in
def my_sessions(request, account):
    return sessions_page(request, account)


def sessions_page(request, account, *, form=None, status=200, **forms):
    """The account's page; `forms` replaces the password forms (with errors)."""
    sessions = selectors.sessions_of(account.email)
    zone = ZoneInfo(account.time_zone) if account.time_zone else None
    return TemplateResponse(
        request,
        "booking/account/sessions.html",
        {
            "account": account,
            "zone": zone,
            "clock": account.clock,
            "upcoming": [_shown(b, zone, account.clock) for b in sessions.upcoming],
            "past": [_shown(b, zone, account.clock) for b in sessions.past],
            "receipts": sessions.receipts,
            "receipts_zone": zone or settings.TIME_ZONE,
            "totals": sessions.totals,
            "details_form": form or AccountDetailsForm(initial=_details_of(account)),
            "password_form": SetPasswordForm(has_password=account.has_password),
            "remove_password_form": RemovePasswordForm(),
            **forms,
        },
        status=status,
    )


def _details_of(account) -> dict:
    fields = ("name", "time_zone", "clock", "remind_24h", "remind_30m")
    return {field: getattr(account, field) for field in fields}


def _shown(booking: Booking, zone: ZoneInfo | None, clock: int = 24) -> dict:
    zone = zone or ZoneInfo(booking.client_time_zone or "UTC")
    start = booking.start.astimezone(zone)
    return {
        "booking": booking,
        "start": start,
        "time": zones.clock_time(start, clock),
        "zone": zone.key,
        "owes": booking_selectors.owes_payment(booking),
    }


@require_POST
@signed_in
def manage(request, account, reference):
    """A fresh manage link for one of the client's bookings, followed at once:
    paying, cancelling, moving and reviewing stay the booking page's."""
    booking = selectors.bookings_of(account.email).filter(reference=reference).first()
    if booking is None:
        raise Http404("You have no booking with this reference.")
    token = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    return HttpResponseRedirect(reverse("booking:manage", args=[token]))


@never_cache
@signed_in
def receipt(request, account, kind, pk):
    """A printable receipt for one payment or refund of the client's."""
    row = selectors.receipt_of(account.email, kind=kind, pk=pk)
    if row is None:
        raise Http404("You have no receipt with this number.")
    line = selectors.receipt(row, kind)
    zone = ZoneInfo(account.time_zone or row.booking.client_time_zone or "UTC")
    return TemplateResponse(
        request,
        "booking/account/receipt.html",
        {
            "line": line,
            "booking": row.booking,
            "zone": zone,
            "clock": account.clock,
            "now": timezone.now(),
        },
    )


# --- the account ---------------------------------------------------------------------


@require_POST
@signed_in
def details(request, account):
    form = AccountDetailsForm(request.POST)
    if not form.is_valid():
        return sessions_page(request, account, form=form, status=400)
    try:
        services.update_details(
            account=account,
            **form.cleaned_data,
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return sessions_page(request, account, form=form, status=400)
    # The booking pages' time picker uses the same clock from now on.
    request.session["clock"] = form.cleaned_data["clock"]
    messages.success(request, "Your details are saved.")
    return redirect("booking:account")


@require_POST
@signed_in
def download_data(request, account):
    bundle = export_bundle(
        email=account.email, user=None, request=request, by=CLIENT_THEMSELF
    )
    response = HttpResponse(bundle, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-data.zip"'
    return response


@never_cache
@signed_in
def delete(request, account):
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(account=account, request=request)
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            signin.sign_out(request)
            messages.success(
                request, "Your account and your personal details are deleted."
            )
            return redirect("booking:account_sign_in")
    return TemplateResponse(
        request,
        "booking/account/delete.html",
        {"account": account, "form": form},
        status=400 if form.errors else 200,
    )
