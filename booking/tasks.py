"""django-q2 entry points. They are thin: they take ids (or nothing) and call the
booking domain. Migration 0004_job_schedules creates the schedules that run the
periodic ones; a task's return value shows in the admin's task lists."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booking.admin import exports as admin_exports
from booking.admin.permissions import intake_visible_to
from booking.core.models import Booking, payment_due_before
from booking.core.states import BookingStatus
from booking.lifecycle import services, waitlist
from booking.messaging import notify
from booking.notifications import consultants, outbox, reminders
from booking.payments import payouts
from booking.privacy import retention
from booking.products import credits, ledger, membership_emails
from booking.products import emails as product_emails
from booking.scheduling import feeds
from booking.scheduling.models import OutsideCalendar
from booking.spreadsheets import exports, imports
from booking.team import emails as team_emails
from booking.team import services as team
from booking.video import rooms as video_rooms
from booking.waitlist import emails as waitlist_emails

logger = logging.getLogger(__name__)

# At most this many bookings expire per run; the next run takes the rest.
BATCH = 500


def send_email(email_id: int) -> str:
    return outbox.send(email_id)


def send_meeting_link_notice(entry_id: int) -> str:
    return consultants.send_meeting_link_notice(entry_id)


def retry_emails() -> int:
    """Every minute: hand emails that are still unsent to new send tasks."""
    return outbox.retry_unsent()


def send_reminders() -> int:
    """Every 5 minutes: the 24-hour and 30-minute reminders now due."""
    return reminders.queue_due_reminders()


def notify_sessions_to_complete() -> int:
    """Every hour: ask for ended sessions to be marked completed."""
    return reminders.queue_session_ended_notices()


def apply_retention() -> str:
    """Every hour: anonymise finished bookings past the retention period and
    delete unverified drafts (booking.privacy.retention), and applications to
    join decided long enough ago (booking.team)."""
    applications = team.delete_decided_applications()
    return f"{applications} application(s) deleted, {retention.apply_retention()}"


def send_manage_links(email: str) -> str:
    """ "Find my booking", queued by the page and the API alike. The result names
    no address; a failure is logged without it and not raised, so that no failed
    job's record keeps the address either."""
    try:
        sent = services.send_manage_links(email=email)
    except Exception:
        logger.exception("Emailing manage links failed")
        return "failed"
    return f"{sent} manage link(s) emailed"


def expire_stale_bookings() -> int:
    """Every 15 minutes: cancel drafts whose email was not verified in time, and
    approved bookings left unpaid past their payment deadline (the payment window
    from approval, and never after the session starts). Returns how many."""
    now = timezone.now()
    draft_hours = settings.BOOKING_DRAFT_EXPIRY_HOURS
    # A series' later occurrences follow their first (booking.lifecycle.series).
    firsts = Booking.objects.filter(parent__isnull=True)
    drafts = firsts.filter(
        status=BookingStatus.DRAFT, created_at__lt=now - timedelta(hours=draft_hours)
    )
    unpaid = firsts.filter(payment_due_before(now))
    return _expire(
        drafts, f"The email address was not verified within {draft_hours} hours."
    ) + _expire(unpaid, "The booking was not paid by its payment deadline.")


def _expire(stale, reason: str) -> int:
    """Cancel each booking that is still stale once locked: one verified or paid
    in the meantime is left alone."""
    expired = 0
    for pk in stale.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            booking = stale.select_for_update().filter(pk=pk).first()
            if booking is not None:
                services.cancel(booking=booking, reason=reason)
                expired += 1
    return expired


def write_export(job_id: int) -> str:
    """A large booking export (booking.spreadsheets.exports), writing the rows the
    bookings list shows its owner, its progress as it goes."""
    return exports.write_export(
        job_id, bookings_for=admin_exports.bookings_for, intake_for=intake_visible_to
    )


def delete_expired_exports() -> int:
    """Every hour: expired export files and import uploads left unconfirmed."""
    return exports.delete_expired_exports() + imports.delete_stale_uploads()


def run_weekly_payouts() -> str:
    """Every PAYOUT_WEEKDAY at PAYOUT_HOUR: Stripe transfers of consultants'
    available balances (booking.payments.payouts), unfinished ones first."""
    return payouts.run_weekly_payouts()


def send_invitation(invitation_id: int) -> str:
    return team_emails.send_invitation(invitation_id)


def send_application_declined(application_id: int) -> str:
    return team_emails.send_application_declined(application_id)


def refresh_outside_calendars() -> int:
    """Every 5 minutes: one read task per consultant's outside calendar
    (booking.scheduling.feeds), so a slow calendar holds up no other."""
    return feeds.refresh_due()


def refresh_outside_calendar(calendar_id: int) -> str:
    found = OutsideCalendar.objects.select_related("consultant").filter(pk=calendar_id)
    calendar = found.first()
    if calendar is None:
        return f"Outside calendar {calendar_id} no longer exists."
    return feeds.refresh(calendar)


def expire_packages() -> int:
    """Hourly: the expiry line of each package, and of each money credit,
    past its date, once."""
    return ledger.expire_due() + credits.expire_due()


def warn_expiring_packages() -> int:
    """Daily: the expiry warning to clients whose package or credit expires
    soon."""
    return ledger.warn_expiring() + credits.warn_expiring()


def send_product_email(email_id: int) -> str:
    return product_emails.send(email_id)


def send_membership_email(email_id: int) -> str:
    return membership_emails.send(email_id)


def send_message_notices() -> int:
    """Every 5 minutes: the "new message" emails that waited for their batch
    time (booking.messaging.notify)."""
    return notify.send_batched()


def close_video_rooms() -> int:
    """Every 5 minutes: close at LiveKit the rooms of sessions that have ended
    (each room once; booking/video/rooms.py)."""
    return video_rooms.close_finished_rooms()


def send_waitlist_email(entry_id: int, kind: str) -> str:
    return waitlist_emails.send(entry_id, kind)


def expire_waitlist_offers() -> str:
    return f"{waitlist.expire_offers()} waitlist offers lapsed"
