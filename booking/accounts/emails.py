"""The sign-in email. Like the team's emails it is a django-q2 task, not an
outbox row (the outbox's rows belong to a booking). The link's secret is made
here, at sending, so it is in the email and nowhere else."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from booking.accounts import services
from booking.notifications.emails import send_now

SIGN_IN = "account_sign_in"


def sign_in_url(raw: str) -> str:
    return settings.SITE_URL + reverse("booking:account_link", args=[raw])


def send_sign_in_link(email: str) -> str:
    raw = services.issue_link(email=email)
    site = settings.SITE_URL
    context = {
        "link": sign_in_url(raw),
        "minutes": int(services.link_lifetime().total_seconds() // 60),
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }
    send_now(SIGN_IN, context, [email])
    return "sent"
