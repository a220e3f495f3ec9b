"""Emails about a booking, sent after the change that causes them commits.

Each kind is a plain-text template `templates/booking/email/<kind>.txt` whose first
line is the subject."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

STAFF_KINDS = {"staff_new_request"}


def verify_url(token: str) -> str:
    return f"{settings.SITE_URL}/book/verify/{token}/"


def queue(booking, kind: str, *, token: str = "") -> None:
    """Send `kind` about `booking` once the current transaction commits; nothing is
    sent for a change that is rolled back."""
    transaction.on_commit(lambda: send(booking, kind, token=token))


def recipients(booking, kind: str) -> list[str]:
    if kind in STAFF_KINDS:
        return list(getattr(settings, "BOOKING_STAFF_EMAILS", []))
    return [booking.client_email]


def send(booking, kind: str, *, token: str = "") -> None:
    to = recipients(booking, kind)
    if not to:
        return
    context = {
        "booking": booking,
        "site_url": settings.SITE_URL,
        "verify_url": verify_url(token) if token else "",
        "local_start": booking.start.astimezone(
            booking.consultant.zone if kind in STAFF_KINDS else _client_zone(booking)
        ),
    }
    subject, _, body = render_to_string(f"booking/email/{kind}.txt", context).partition(
        "\n"
    )
    EmailMessage(subject=subject.strip(), body=body.lstrip(), to=to).send()


def _client_zone(booking) -> ZoneInfo:
    return ZoneInfo(booking.client_time_zone)
