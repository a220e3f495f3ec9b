"""What a client sees once their details are in (issue 20): the verification page
that says what is being confirmed; the booking page reached right after verifying
(`booked`) and from every emailed manage link (`manage`), both with the summary,
what happens next and add-to-calendar links; the booking's calendar file; and the
two-step cancel, which shows the refund the policy gives before anything changes.

Every rule stays in `booking.lifecycle` and `booking.payments.refunds`; this
module only words their answers."""

from dataclasses import asdict, dataclass
from datetime import UTC
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from booking.core import practice, ratelimit, tokens
from booking.core.errors import BookingError, SlotTaken, TokenError
from booking.core.models import Booking, BookingToken
from booking.core.states import OPEN, SLOT_HOLDING, BookingStatus
from booking.lifecycle import credit_paying, paying, selectors, series, services
from booking.notifications import emails
from booking.payments import provider, refunds
from booking.payments.models import Payment
from booking.products import credits, ledger, memberships
from booking.scheduling import calendar_files
from booking.video import rooms
from booking.web.forms import ReasonForm, ReviewForm
from booking.web.views import manage_link_view, problem_page, rate_limited
from booking.web.watching import watch_booking

S = BookingStatus
Purpose = BookingToken.Purpose
UTC_STAMP = "%Y%m%dT%H%M%SZ"


# --- verifying ------------------------------------------------------------------


@never_cache
def verify(request, token):
    """GET shows what is being confirmed and a button: mail scanners open links,
    and opening must not use up a single-use link. The POST verifies, then opens
    the booking page with a fresh manage link (the emails carry their own)."""
    if not ratelimit.allow("verify", ratelimit.client_ip(request)):
        return rate_limited(request, "verify")
    if request.method != "POST":
        try:
            found = tokens.check_token(token, purpose=Purpose.VERIFY)
        except TokenError as error:
            return problem_page(request, error, status=400)
        return TemplateResponse(
            request,
            "booking/verify.html",
            {"token": token, **summary(found.booking)},
        )
    try:
        booking = services.verify_email(token=token)
    except BookingError as error:
        return problem_page(
            request, error, status=409 if isinstance(error, SlotTaken) else 400
        )
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)
    return redirect("booking:booked", token=manage)


# --- the booking page -------------------------------------------------------------


@never_cache
@manage_link_view
def booked(request, token, booking):
    """The page right after verifying: the booking, what happens next, add to
    calendar, and where the emailed link leads."""
    return TemplateResponse(
        request, "booking/booked.html", booking_page(booking, token=token)
    )


@never_cache
@manage_link_view
def manage(request, token, booking):
    """The page behind every emailed link: the booking page plus what the client
    may do now (pay, move, cancel, review)."""
    watch_booking(request, booking)
    return TemplateResponse(
        request, "booking/manage.html", booking_page(booking, token=token)
    )


def booking_page(booking: Booking, *, token: str) -> dict:
    options = selectors.client_options(booking)
    return {
        **summary(booking),
        **asdict(options),
        "token": token,
        "video_room": booking.status == BookingStatus.CONFIRMED
        and rooms.uses_livekit(booking),
        "next_steps": next_steps(booking),
        "calendar": calendar_links(booking) if booking.status in SLOT_HOLDING else None,
        "link_days": tokens.lifetime(Purpose.MANAGE).days,
        "cutoff_hours": settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS,
        "pay_online": provider.stripe_enabled(),
        "package_session_back": (
            paying.package_session_back(booking) if options.can_cancel else None
        ),
        "package_sessions": (
            ledger.sessions_left(booking.client_email, service=booking.service)
            if options.needs_payment
            else 0
        ),
        "credit": (
            credits.balance(booking.client_email, booking.currency)
            if options.needs_payment
            else 0
        ),
        "credit_back": (
            credit_paying.credit_back_quote(booking) if options.can_cancel else None
        ),
        "membership": memberships.paid_for(booking),
        "refunds": booking.refunds.all(),
        "refund_quote": (
            (
                series.refund_quote
                if series.is_series(booking)
                else refunds.refund_quote
            )(booking)
            if options.can_cancel and booking.amount_paid
            else None
        ),
        "occurrences": _occurrences(booking),
        "review_form": ReviewForm() if options.can_review else None,
    }


def _occurrences(booking: Booking) -> list:
    """A series' or course's meetings, in the client's zone, with their state."""
    if not series.is_series(booking):
        return []
    zone = ZoneInfo(booking.client_time_zone)
    return [
        (o.start.astimezone(zone), o.end.astimezone(zone), o.status_label)
        for o in series.occurrences(booking.parent or booking)
    ]


def summary(booking: Booking) -> dict:
    """What `_booking_summary.html` shows: the session in the client's own zone."""
    zone = ZoneInfo(booking.client_time_zone)
    return {
        "booking": booking,
        "zone": zone.key,
        "zone_label": zone_label(zone),
        "local_start": booking.start.astimezone(zone),
        "local_end": booking.end.astimezone(zone),
        "where": where(booking),
    }


def zone_label(zone: ZoneInfo) -> str:
    return zone.key.replace("_", " ")


def where(booking: Booking) -> str:
    service = booking.service
    address = emails.session_address(booking) if service.in_person else ""
    if service.online and service.in_person:
        return f"Online or in person{': ' + address if address else ''}"
    if service.online:
        return "Online video call (the link comes with your confirmation)"
    return f"In person{': ' + address if address else ''}"


def next_steps(booking: Booking) -> list[str]:
    """What happens next, in the order it happens, for the booking's state."""
    zone = ZoneInfo(booking.client_time_zone)
    price = f"{booking.amount} {booking.currency}"
    if booking.status == S.DRAFT:
        return ["Open the link in the email we sent you to confirm your address."]
    if booking.status == S.PENDING:
        steps = [
            "The practice reviews your request and emails you when it is approved; "
            "until then the time is held for you."
        ]
        if booking.amount:
            steps.append(
                f"Once approved, you pay {price} within "
                f"{settings.BOOKING_PAYMENT_WINDOW_HOURS} hours (and before the "
                "session) to confirm it."
            )
        else:
            steps.append("The session is free: once approved, it is confirmed.")
        return steps
    if selectors.owes_payment(booking):
        due = booking.payment_due_by.astimezone(zone)
        return [
            f"Pay {price} by {due:%A %-d %B, %H:%M} ({zone_label(zone)}) to "
            "confirm the session; after that the time is released.",
            "We email your confirmation as soon as the payment arrives.",
        ]
    if booking.status == S.CONFIRMED:
        return [
            "Your session is confirmed. We email you a reminder 24 hours and 30 "
            "minutes before it starts.",
        ]
    return []


# --- add to calendar -------------------------------------------------------------


def event_text(booking: Booking) -> tuple[str, str, str]:
    """The calendar entry's title, description and place. The description names
    the reference, never the manage link: calendars are shared and synced."""
    link = meeting_url(booking)
    title = f"{booking.service} with {booking.consultant}"
    details = f"Booking reference {booking.reference}."
    if link:
        details += f"\nJoin the session: {link}"
    return title, details, calendar_files.location(booking, link)


def meeting_url(booking: Booking) -> str:
    """The video link, once the session is confirmed (as the emails give it)."""
    return emails.meeting_link(booking) if booking.status == S.CONFIRMED else ""


def calendar_links(booking: Booking) -> dict:
    """Deep links that open a filled-in new event in Google Calendar, Outlook.com
    and Office 365, in UTC so each calendar shows its owner's own time."""
    title, details, place = event_text(booking)
    start, end = booking.start.astimezone(UTC), booking.end.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:{UTC_STAMP}}/{end:{UTC_STAMP}}",
        "details": details,
        "location": place,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": details,
        "location": place,
    }
    compose = "/calendar/0/deeplink/compose?"
    return {
        "google": "https://calendar.google.com/calendar/render?" + urlencode(google),
        "outlook": "https://outlook.live.com" + compose + urlencode(outlook),
        "office365": "https://outlook.office.com" + compose + urlencode(outlook),
    }


@never_cache
@manage_link_view
def calendar_file(request, token, booking):
    """The booking as an .ics file (Apple Calendar and any other): times in UTC,
    and the UID the emailed files use, so importing both makes one entry."""
    body = calendar_files.booking_ics(
        booking,
        zone=ZoneInfo("UTC"),
        meeting_url=meeting_url(booking),
        cancelled=booking.status not in SLOT_HOLDING,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{booking.reference}.ics"'
    return response


# --- cancelling --------------------------------------------------------------------


@dataclass(frozen=True)
class CancelQuote:
    """What cancelling now gives back, per currency, and why."""

    paid: dict[str, Decimal]
    back: dict[str, Decimal]
    full_refund_until_hours: int
    late_refund_percent: int

    @property
    def nothing_paid(self) -> bool:
        return not any(self.paid.values())

    @property
    def in_full(self) -> bool:
        return not self.nothing_paid and self.back == self.paid

    @property
    def nothing_back(self) -> bool:
        return not any(self.back.values())


def cancel_quote(booking: Booking) -> CancelQuote:
    """The refund `services.cancel` would make now, from the payments module's own
    per-payment answer, summed per currency."""
    paid, back = {}, {}
    if series.is_series(booking):
        back[booking.currency] = series.refund_quote(booking)
        booking = booking.parent or booking
    for payment, amount in _refunds(booking):
        back[payment.currency] = back.get(payment.currency, Decimal("0")) + amount
    for payment in booking.payments.filter(status=Payment.Status.PAID):
        left = payment.paid_amount - payment.refunded_amount
        if left > 0:
            paid[payment.currency] = paid.get(payment.currency, Decimal("0")) + left
            back.setdefault(payment.currency, Decimal("0.00"))
    terms = practice.policy()
    return CancelQuote(
        paid, back, terms.full_refund_until_hours, terms.late_refund_percent
    )


def _refunds(booking: Booking):
    if series.is_series(booking):
        return []
    return refunds.cancellation_refunds(booking, by_client=True)


@never_cache
@manage_link_view
def cancel(request, token, booking):
    """Step one shows the refund and asks for an optional reason; the POST
    cancels. A reason the form refuses (too long) cancels nothing."""
    if request.method != "POST" and booking.status not in OPEN:
        return redirect("booking:cancelled", token=token)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].strip()
        try:
            services.cancel(
                booking=booking, reason=reason or "Cancelled by the client."
            )
        except BookingError as error:
            return problem_page(request, error, status=409)
        return redirect("booking:cancelled", token=token)
    return TemplateResponse(
        request,
        "booking/cancel.html",
        {
            **summary(booking),
            "token": token,
            "form": form,
            "quote": cancel_quote(booking),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@manage_link_view
def cancelled(request, token, booking):
    """The result: what was cancelled, the refunds it started, what now."""
    if booking.status != S.CANCELLED:
        return redirect("booking:manage", token=token)
    return TemplateResponse(
        request,
        "booking/cancelled.html",
        {
            **summary(booking),
            "token": token,
            "refunds": booking.refunds.all(),
            "terms": practice.policy(),
        },
    )
