"""Booking panels on the Wagtail dashboard: requests waiting for approval (and how
long they have waited), today's and tomorrow's sessions, and approved bookings
whose payment window is about to close. Failed emails and jobs have their own
panel (`booking.admin.outbox`). Each panel shows only bookings the user may see
and costs one or two queries."""

from datetime import time, timedelta

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.timesince import timesince, timeuntil
from wagtail import hooks
from wagtail.admin.ui.components import Component

from booking.admin.permissions import local_text, own_consultant, visible_bookings
from booking.core.models import payment_due_before
from booking.core.states import HELD, SLOT_HOLDING, BookingStatus
from booking.scheduling import hours

S = BookingStatus
LIMIT = 10
# Unpaid approvals are shown this long before the expiry job cancels them.
EXPIRY_WARNING = timedelta(hours=24)


class BookingsPanel(Component):
    """A dashboard panel listing bookings, each with a note (its age, its time)."""

    template_name = "booking/admin/dashboard/bookings_panel.html"

    def __init__(self, *, name, heading, rows, total, more_url, empty, order):
        self.name, self.heading, self.order = name, heading, order
        self.rows, self.total, self.more_url, self.empty = rows, total, more_url, empty

    def get_context_data(self, parent_context=None):
        return {
            "panel_id": self.name.replace("_", "-"),
            "heading": self.heading,
            "rows": self.rows,
            "total": self.total,
            "more_url": self.more_url,
            "empty": self.empty,
        }


def _row(booking, note: str, when: str = "") -> dict:
    return {
        "booking": booking,
        "url": reverse("bookings:inspect", args=(quote(booking.pk),)),
        "when": when or local_text(booking.start, booking.consultant.zone),
        "note": note,
    }


def _list_url(**filters) -> str:
    return f"{reverse('bookings:index')}?{urlencode(filters, doseq=True)}"


def pending_panel(user, now) -> BookingsPanel:
    pending = visible_bookings(user).filter(status=S.PENDING)
    oldest = pending.select_related("consultant", "service").order_by(
        "verified_at", "created_at", "pk"
    )[:LIMIT]
    return BookingsPanel(
        name="pending_approvals",
        heading="Waiting for approval",
        rows=[
            _row(b, f"waiting {timesince(b.verified_at or b.created_at, now)}")
            for b in oldest
        ],
        total=pending.count(),
        more_url=_list_url(status=S.PENDING, ordering="start"),
        empty="No booking is waiting for approval.",
        order=40,
    )


def sessions_panel(user, now) -> BookingsPanel:
    """Today's and tomorrow's sessions, in the consultant's own days for a
    consultant, in the admin's time zone otherwise."""
    consultant = own_consultant(user)
    zone = consultant.zone if consultant else timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    start = hours.local_moment(today, time(0), zone)
    end = hours.local_moment(today + timedelta(days=2), time(0), zone)
    sessions = (
        visible_bookings(user)
        .filter(status__in=(*SLOT_HOLDING, *HELD), start__gte=start, start__lt=end)
        .select_related("consultant", "service")
        .order_by("start", "pk")
    )
    rows = []
    for booking in sessions[: LIMIT * 3]:
        local = booking.start.astimezone(zone)
        day = "Today" if local.date() == today else "Tomorrow"
        rows.append(
            _row(
                booking,
                f"{booking.service} with {booking.consultant}",
                when=f"{day} {local:%H:%M} {local:%Z}",
            )
        )
    return BookingsPanel(
        name="upcoming_sessions",
        heading="Today and tomorrow",
        rows=rows,
        total=len(rows),
        more_url=reverse("booking_calendar") + "?view=day",
        empty="No sessions today or tomorrow.",
        order=45,
    )


def expiring_panel(user, now) -> BookingsPanel:
    """Approved, unpaid bookings the expiry job will cancel within a day."""
    expiring = visible_bookings(user).filter(payment_due_before(now + EXPIRY_WARNING))
    soonest = sorted(
        expiring.select_related("consultant", "service")[: LIMIT * 4],
        key=lambda booking: (booking.payment_due_by, booking.pk),
    )[:LIMIT]
    return BookingsPanel(
        name="expiring_approvals",
        heading="Unpaid approvals about to expire",
        rows=[_row(b, _expiry_note(b.payment_due_by, now)) for b in soonest],
        total=expiring.count(),
        more_url=_list_url(status=S.APPROVED),
        empty="No approved booking is about to expire unpaid.",
        order=50,
    )


def _expiry_note(expires_at, now) -> str:
    if expires_at <= now:
        return "expires at the next check"
    return f"expires in {timeuntil(expires_at, now)}"


@hooks.register("construct_homepage_panels")
def add_booking_panels(request, panels):
    user, now = request.user, timezone.now()
    if user.has_perm("booking.approve_booking"):
        panels.append(pending_panel(user, now))
    if visible_bookings(user).query.is_empty():
        return
    panels.append(sessions_panel(user, now))
    if user.has_perm("booking.record_offline_payment") or user.has_perm(
        "booking.cancel_booking"
    ):
        panels.append(expiring_panel(user, now))
