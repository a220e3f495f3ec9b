"""The sign-in email. Like the team's emails it is a django-q2 task, not an
outbox row (the outbox's rows belong to a booking). The link's secret is made
here, at sending, so it is in the email and nowhere else."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from booking.accounts import codes, services
from booking.core import links
from booking.notifications.emails import send_now

SIGN_IN = "account_sign_in"


def sign_in_url(raw: str, *, frontend: bool = False) -> str:
    """Haven's own sign-in page, or the same path on the separate frontend
    (FRONTEND_URL, which is SITE_URL unless set) for a link asked for through
    the JSON API."""
    path = reverse("booking:account_link", args=[raw])
    return links.client_link(path) if frontend else settings.SITE_URL + path


def send_sign_in_link(email: str, frontend: bool = False) -> str:
    raw, code = services.issue_link_and_code(email=email)
    site = settings.SITE_URL
    context = {
        "link": sign_in_url(raw, frontend=frontend),
        "code": codes.shown(code),
        "minutes": int(services.link_lifetime().total_seconds() // 60),
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }
    send_now(SIGN_IN, context, [email])
    return "sent"
