"""What each email says: who receives which kind, its context, its subject, text
and HTML, and its calendar attachment.

Templates: `templates/booking/email/<kind>.txt`, whose first line is the subject,
and `<kind>.html`, which extends `booking/email/base.html`."""

import copy
import secrets
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify

from booking.accounts.models import preferences_for
from booking.core import links, practice, tokens
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus
from booking.notifications.models import OutboxEmail
from booking.scheduling import calendar_files
from booking.scheduling.models import MeetingLink
from booking.video import rooms

Kind = OutboxEmail.Kind


Status = OutboxEmail.Status


S = BookingStatus


CONSULTANT_KINDS = {
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_CANCELLED,
    Kind.CONSULTANT_REMINDER,
    Kind.SESSION_ENDED,
}


STAFF_KINDS = {Kind.STAFF_NEW_REQUEST}


# What a change named by `booking.lifecycle.services` tells the consultant as well.
CONSULTANT_COPY = {
    Kind.CONFIRMED: Kind.CONSULTANT_CONFIRMED,
    Kind.RESCHEDULED: Kind.CONSULTANT_RESCHEDULED,
    Kind.CANCELLED: Kind.CONSULTANT_CANCELLED,
}


# Emails with the client's personal link to see, pay, cancel, move or review.
WITH_MANAGE_LINK = {
    Kind.RECEIVED,
    Kind.APPROVED,
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.REMINDER_24H,
    Kind.REMINDER_30M,
    Kind.COMPLETED,
}


# Emails about a confirmed session: they carry its meeting link and calendar file.
ABOUT_CONFIRMED_SESSION = {
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.REMINDER_24H,
    Kind.REMINDER_30M,
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_REMINDER,
}


WITH_ICS = {
    Kind.CONFIRMED,
    Kind.RESCHEDULED,
    Kind.CANCELLED,
    Kind.CONSULTANT_CONFIRMED,
    Kind.CONSULTANT_RESCHEDULED,
    Kind.CONSULTANT_CANCELLED,
}


def meeting_link(booking: Booking) -> str:
    """The session's video-call link. With LiveKit (booking/video/), Haven's join
    page, which asks who you are; else fixed the first time it is asked for: the
    consultant's own room, or a new unguessable Jitsi Meet room."""
    if not booking.service.online:
        return ""
    if rooms.uses_livekit(booking):
        return f"{settings.SITE_URL}/video/{booking.reference}/"
    link, _ = MeetingLink.objects.get_or_create(
        slot_key=booking.slot_key, defaults={"url": _new_room_url(booking)}
    )
    return link.url


def _new_room_url(booking: Booking) -> str:
    if booking.consultant.meeting_url and rooms.provider() != "jitsi":
        return booking.consultant.meeting_url
    base = settings.BOOKING_MEETING_BASE_URL.rstrip("/")
    prefix = slugify(settings.BOOKING_PRACTICE_NAME) or "session"
    return f"{base}/{prefix}-{secrets.token_hex(16)}"


def session_address(booking: Booking) -> str:
    """Where an in-person session is held: the location the booking was made
    for, else the practice's address."""
    if booking.location is not None:
        return booking.location.full_address
    return settings.BOOKING_PRACTICE_ADDRESS


def recipients(booking: Booking, kind: str) -> list[str]:
    if kind in STAFF_KINDS:
        return staff_recipients()
    if kind in CONSULTANT_KINDS:
        return [booking.consultant.email]
    return [booking.client_email]


def staff_recipients() -> list[str]:
    """BOOKING_STAFF_EMAILS, or else every active user who may approve bookings."""
    if settings.BOOKING_STAFF_EMAILS:
        return list(settings.BOOKING_STAFF_EMAILS)
    users = (
        get_user_model()
        .objects.with_perm("booking.approve_booking")
        .exclude(email="")
        .order_by("pk")
    )
    return list(dict.fromkeys(user.email for user in users))


def zone_for(booking: Booking, kind: str) -> ZoneInfo:
    if kind in CONSULTANT_KINDS or kind in STAFF_KINDS:
        return booking.consultant.zone
    return ZoneInfo(booking.client_time_zone)


def client_preferences(booking: Booking, kind: str) -> tuple[ZoneInfo, int]:
    """The zone and clock (12 or 24) of an email's times: for the client, those
    their account chose (issue 21), else the booking's zone on a 24-hour clock;
    consultants and staff read their own zone."""
    zone = zone_for(booking, kind)
    if kind in CONSULTANT_KINDS or kind in STAFF_KINDS:
        return zone, 24
    account = preferences_for(booking.client_email)
    if account is None:
        return zone, 24
    return (ZoneInfo(account.time_zone) if account.time_zone else zone), account.clock


def email_context(booking: Booking, kind: str, *, token: str = "", **extra) -> dict:
    zone, clock = client_preferences(booking, kind)
    site = settings.SITE_URL
    context = {
        "booking": booking,
        "kind": kind,
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
        "admin_url": f"{site}/admin/",
        "zone": zone,
        "clock": clock,
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "online": booking.service.online,
        "in_person": booking.service.in_person,
        "address": session_address(booking),
        "pay_by": booking.payment_due_by,
        # Read (one query) only by the emails that show it, once.
        "payment_instructions": SimpleLazyObject(
            lambda: practice.policy().payment_instructions_text
        ),
        "pay_online": bool(settings.STRIPE_SECRET_KEY),
        "verify_url": links.verify_link(token) if kind == Kind.VERIFY_EMAIL else "",
        "manage_url": links.manage_link(token) if kind == Kind.MANAGE_LINK else "",
        "meeting_url": "",
        "sequence": 0,
        **extra,
    }
    if kind in (Kind.CANCELLED, Kind.NO_SHOW):
        context.update(refund_context(booking))
    raw = ""
    if kind in WITH_MANAGE_LINK:
        raw = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
        context["manage_url"] = links.manage_link(raw)
    if kind in ABOUT_CONFIRMED_SESSION and booking.status == S.CONFIRMED:
        context["meeting_url"] = context["calendar_meeting_url"] = meeting_link(booking)
        if raw and rooms.uses_livekit(booking):
            # The client's own join link opens without signing in; calendar
            # files (shared, synced) keep the one that asks.
            context["meeting_url"] = f"{settings.SITE_URL}/book/manage/{raw}/video/"
    return context


def refund_context(booking: Booking) -> dict:
    """What the cancellation email says about money: the refunds the cancellation
    just wrote (in the same transaction), or the policy that gave nothing back."""
    refunds = list(booking.refunds.all())
    manual = booking.refunds.model.Status.MANUAL
    return {
        "refunded": sum((refund.amount for refund in refunds), Decimal("0.00")),
        "refunded_by_hand": any(refund.status == manual for refund in refunds),
        "cancellation_terms": practice.policy().cancellation_terms,
        "no_show_terms": practice.policy().no_show_terms,
    }


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one email. Dates show in the reader's zone."""
    with timezone.override(context["zone"]):
        first_line, _, text = render_to_string(
            f"booking/email/{kind}.txt", context
        ).partition("\n")
        subject = " ".join(first_line.split())
        html = render_to_string(
            f"booking/email/{kind}.html", {**context, "subject": subject}
        )
    return subject, text.strip() + "\n", html


def send_now(kind: str, context: dict, to: list[str]) -> None:
    """Render the `kind` email and send it at once, outside the outbox: for mail
    that belongs to no booking (sign-in links, invitations, consultant notices),
    sent from a django-q2 task that retries it."""
    subject, text, html = render(kind, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=to,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    message.tags = [kind]
    message.send()


def preview(booking: Booking, kind: str, **changes) -> tuple[str, str]:
    """(subject, plain text) of the `kind` email the client would get once
    `changes` are made to the booking: the outbox's own context and templates,
    on a copy of the booking, with anything rendering writes (a manage link's
    token) rolled back. Shown to staff before they act."""
    draft = copy.copy(booking)
    # Straight into the copy's fields: the state machine's protected status
    # refuses an assignment, and the copy is never saved.
    draft.__dict__.update(changes)
    with transaction.atomic():
        subject, text, _ = render(kind, email_context(draft, kind))
        transaction.set_rollback(True)
    return subject, text


def ics_for(booking: Booking, kind: str, context: dict) -> str:
    if kind not in WITH_ICS:
        return ""
    cancelled = kind in (Kind.CANCELLED, Kind.CONSULTANT_CANCELLED)
    if cancelled and booking.confirmed_at is None:
        return ""
    if not cancelled and booking.status != S.CONFIRMED:
        return ""
    return calendar_files.booking_ics(
        booking,
        zone=context["zone"],
        sequence=context["sequence"],
        meeting_url=context.get("calendar_meeting_url", ""),
        for_consultant=kind in CONSULTANT_KINDS,
        cancelled=cancelled,
    )
