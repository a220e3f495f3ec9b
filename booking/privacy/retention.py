"""Retention: `apply_retention` (a django-q2 schedule) anonymises finished bookings
older than BOOKING_RETENTION_MONTHS and deletes drafts whose email was never
verified after BOOKING_UNVERIFIED_RETENTION_HOURS, and deletes conversations
with no message for BOOKING_RETENTION_MONTHS."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from wagtail.log_actions import log

from booking.core.models import Booking, BookingToken
from booking.core.states import FINAL, BookingStatus
from booking.messaging import privacy as messaging
from booking.payments.models import Payment
from booking.privacy.erasure import anonymise, scrub_audit_log

S = BookingStatus

# At most this many bookings are anonymised or deleted per retention run.
BATCH = 500


def apply_retention(*, now: datetime | None = None) -> str:
    """Run by the "Apply the data retention period" schedule. Safe to run again:
    what is done already is not touched."""
    now = now or timezone.now()
    anonymised = anonymise_expired(now=now)
    deleted = delete_unverified(now=now)
    conversations = messaging.delete_quiet(before=retention_cutoff(now))
    return (
        f"{anonymised} booking(s) anonymised, {deleted} unverified draft(s) "
        f"deleted, {conversations} quiet conversation(s) deleted"
    )


def retention_cutoff(now: datetime) -> datetime:
    months = settings.BOOKING_RETENTION_MONTHS
    return now - timedelta(days=round(months * 365.25 / 12))


def anonymise_expired(*, now: datetime) -> int:
    """Finished bookings whose session ended before the retention period."""
    expired = Booking.objects.filter(
        status__in=FINAL, anonymised_at__isnull=True, end__lt=retention_cutoff(now)
    )
    done = 0
    for pk in expired.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            booking = expired.select_for_update().filter(pk=pk).first()
            if booking is not None:
                anonymise(
                    booking, actor=None, action="booking.anonymise", with_review=False
                )
                done += 1
    return done


def unverified_drafts(now: datetime):
    """Bookings asked for on the public site or API whose email was never
    verified (drafts, or drafts the expiry job cancelled), older than
    BOOKING_UNVERIFIED_RETENTION_HOURS. Being sent a verification link is what
    marks them: imported or phone bookings never are."""
    cutoff = now - timedelta(hours=settings.BOOKING_UNVERIFIED_RETENTION_HOURS)
    verification = BookingToken.objects.filter(
        booking=OuterRef("pk"), purpose=BookingToken.Purpose.VERIFY
    )
    return Booking.objects.filter(
        Exists(verification),
        status__in=(S.DRAFT, S.CANCELLED),
        verified_at__isnull=True,
        created_at__lt=cutoff,
    ).exclude(Exists(Payment.objects.filter(booking=OuterRef("pk"))))


def delete_unverified(*, now: datetime) -> int:
    """Delete unverified drafts with their links and emails. Their audit log
    stays (its free text scrubbed) and says they were deleted."""
    stale = unverified_drafts(now)
    done = 0
    for pk in stale.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            booking = stale.select_for_update().filter(pk=pk).first()
            if booking is not None:
                scrub_audit_log(booking)
                log(instance=booking, action="booking.delete_unverified", data={})
                booking.delete()
                done += 1
    return done
