"""The team's emails: an invitation's link, and a declined application's reason.

Like the meeting-link notice (booking/notifications/consultants.py) they are
django-q2 tasks taking a row's id, not `OutboxEmail` rows, whose `booking` is not
null. Each is sent at most once: the task records `sent_at` (or
`decline_sent_at`) under the row's lock, in the transaction that sends, so a
second run of the same task finds it sent and sends nothing, while a send that
fails rolls back and django-q2's retry tries again. An invitation's secret is
made here, at sending, so it is in the email and nowhere else."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from booking.core import tokens
from booking.notifications.emails import send_now
from booking.team.models import Application, Invitation

INVITATION = "team_invitation"
DECLINED = "team_application_declined"


def enqueue_invitation(invitation_id: int) -> None:
    async_task(
        "booking.tasks.send_invitation",
        invitation_id,
        task_name=f"invitation {invitation_id}",
        group="team-emails",
    )


def enqueue_decline(application_id: int) -> None:
    async_task(
        "booking.tasks.send_application_declined",
        application_id,
        task_name=f"application declined {application_id}",
        group="team-emails",
    )


def invitation_url(raw: str) -> str:
    return settings.SITE_URL + reverse("booking:team_invitation", args=[raw])


def send_invitation(invitation_id: int) -> str:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("consultant")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or not invitation.is_open:
            return "nothing to send"
        if invitation.sent_at is not None:
            return "sent already"
        key, secret = tokens.new_key_and_secret()
        invitation.key = key
        invitation.secret_hash = tokens.digest(secret)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["key", "secret_hash", "sent_at"])
        context = {
            "consultant": invitation.consultant,
            "link": invitation_url(f"{key}.{secret}"),
            "expires_at": invitation.expires_at,
            **_site(),
        }
        _send(INVITATION, context, invitation.email)
    return "sent"


def send_application_declined(application_id: int) -> str:
    with transaction.atomic():
        application = (
            Application.objects.select_for_update().filter(pk=application_id).first()
        )
        if application is None or application.status != Application.Status.DECLINED:
            return "nothing to send"
        if application.decline_sent_at is not None:
            return "sent already"
        application.decline_sent_at = timezone.now()
        application.save(update_fields=["decline_sent_at"])
        _send(DECLINED, {"application": application, **_site()}, application.email)
    return "sent"


def _site() -> dict:
    site = settings.SITE_URL
    return {
        "zone": ZoneInfo(settings.TIME_ZONE),
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }


def _send(template: str, context: dict, to: str) -> None:
    send_now(template, context, [to])
