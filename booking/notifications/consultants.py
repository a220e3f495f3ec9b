"""What a consultant is told about changes to their own details rather than to a
booking: a new meeting link (issue 27). A meeting link is where clients go for
their sessions, so a changed one is a phishing risk: every change is written to
the consultant's History, and the consultant is emailed, at the address they had
before the change and at the new one if that changed too.

Whoever changes a consultant's `meeting_url` calls `meeting_link_changed` in the
same transaction (today the consultants import is the only writer).

Why not an `OutboxEmail` row: the outbox's rows belong to a booking (`booking` is
not null) and its kinds are fixed in its migrations, and this email is about no
booking. Until the outbox can hold emails about a consultant (a migration: a
nullable `booking`, a `consultant` key and this kind), the email is a django-q2
task that takes the History entry's id and is handed over only after commit, so a
change that is rolled back emails nobody; django-q2 retries a failed send."""

from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from booking.core.models import Consultant
from booking.notifications.emails import send_now

MEETING_LINK_CHANGED = "booking.consultant.meeting_link"
TEMPLATE = "consultant_meeting_link"


def meeting_link_changed(
    *, consultant: Consultant, old: str, new: str, actor, source: str, old_email: str
) -> ModelLogEntry:
    """Write the change to the consultant's History and email them once the
    caller's transaction commits. `old_email` is their address before the change
    (the same as now unless it changed with the link)."""
    recipients = _addresses(old_email, consultant.email)
    entry = log(
        instance=consultant,
        action=MEETING_LINK_CHANGED,
        user=actor,
        data={"from": old, "to": new, "source": source, "notified": recipients},
    )
    transaction.on_commit(partial(enqueue_notice, entry.pk), robust=True)
    return entry


def _addresses(*addresses: str) -> list[str]:
    """Each address once, whatever its capitals, in the order given."""
    found = {}
    for address in addresses:
        if address:
            found.setdefault(address.lower(), address)
    return list(found.values())


def enqueue_notice(entry_id: int) -> None:
    async_task(
        "booking.tasks.send_meeting_link_notice",
        entry_id,
        task_name=f"meeting link notice {entry_id}",
        group="consultant-notices",
    )


def send_meeting_link_notice(entry_id: int) -> str:
    """Email the consultant what the History entry `entry_id` says changed."""
    entry = ModelLogEntry.objects.filter(
        pk=entry_id, action=MEETING_LINK_CHANGED
    ).first()
    consultant = entry and Consultant.objects.filter(pk=entry.object_id).first()
    if consultant is None:
        return "nothing to send"
    send_now(TEMPLATE, notice_context(entry, consultant), entry.data["notified"])
    return "sent"


def notice_context(entry: ModelLogEntry, consultant: Consultant) -> dict:
    site = settings.SITE_URL
    return {
        "consultant": consultant,
        "old_link": entry.data["from"],
        "new_link": entry.data["to"],
        "changed_by": entry.user_display_name,
        "changed_at": entry.timestamp,
        "zone": consultant.zone,
        "practice": settings.BOOKING_PRACTICE_NAME,
        "accent": settings.BOOKING_EMAIL_ACCENT,
        "site_url": site,
        "site_host": urlsplit(site).netloc,
    }
