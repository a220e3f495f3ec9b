"""The waitlist's emails: "confirm your place" and "a seat is yours if you want
it". Like the sign-in email they are django-q2 tasks, not outbox rows (those
belong to a booking). Each email's link secret is made here, when it is sent,
so it is in the email and nowhere else; a new email makes the older link void."""

from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booking.core import links, tokens
from booking.notifications.emails import send_now
from booking.waitlist.models import WaitlistEntry

W = WaitlistEntry.Status
KINDS = {"waitlist_verify": W.UNVERIFIED, "waitlist_offer": W.OFFERED}


def link(raw: str) -> str:
    return links.client_link(f"/book/waitlist/{raw}/")


def send(entry_id: int, kind: str) -> str:
    entry = WaitlistEntry.objects.select_related("service", "consultant").get(
        pk=entry_id
    )
    if entry.status != KINDS[kind]:
        return f"not sent: the entry is {entry.status}"
    key, secret = tokens.new_key_and_secret()
    expires = (
        entry.offer_expires_at
        if kind == "waitlist_offer"
        else timezone.now() + timedelta(hours=settings.WAITLIST_LINK_HOURS)
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        key=key, secret_hash=tokens.digest(secret), link_expires_at=expires
    )
    site = settings.SITE_URL
    context = {
        "entry": entry,
        "link": link(f"{key}.{secret}"),
        "zone": ZoneInfo(entry.client_time_zone),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }
    send_now(kind, context, [entry.client_email])
    return "sent"
