"""The dashboard as a practice's desk (issue 19): first what needs someone now,
then the content counts.

- "Needs you now" (for those who may approve): requests waiting for approval,
  with client, consultant, service, time and how long they have waited; Approve
  and Reject right there.
  Both POST to the bookings' one transition view (`booking.admin.actions`), so
  the same permission, state and service checks apply; Reject asks for its reason
  in a <dialog>, or on the transition's own page without JavaScript.
- Today's sessions per consultant, with Completed / No-show once a session ended.
- Approved bookings whose payment window is about to close.
- Failed emails and jobs (`booking.admin.outbox`'s panel, moved inside the desk).

Every time is in the user's admin zone (`booking.admin.zones`). The panels are
one fragment (`desk_panels_view`) that `static/booking/admin/desk.js` fetches
again every minute. Each panel shows only the bookings the user may see and
costs one or two queries."""

from collections import defaultdict
from datetime import time, timedelta

from django.contrib.admin.utils import quote
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.timesince import timesince, timeuntil
from django.views.decorators.http import require_GET
from wagtail import hooks
from wagtail.admin.ui.components import Component

from booking.admin import outbox
from booking.admin.actions import ACTIONS, action_url
from booking.admin.permissions import visible_bookings
from booking.admin.zones import (
    admin_zone,
    format_admin_range,
    format_admin_time,
    zone_caption,
)
from booking.core.models import payment_due_before
from booking.core.states import HELD, SLOT_HOLDING, BookingStatus
from booking.scheduling import hours
from booking.scheduling.feeds import failing_feeds

S = BookingStatus
LIMIT = 10
# Unpaid approvals are shown this long before the expiry job cancels them.
EXPIRY_WARNING = timedelta(hours=24)
HOME = "/admin/"


def _inspect_url(booking) -> str:
    return reverse("bookings:inspect", args=(quote(booking.pk),))


def _list_url(**filters) -> str:
    return f"{reverse('bookings:index')}?{urlencode(filters, doseq=True)}"


def _with_next(url: str) -> str:
    return f"{url}?{urlencode({'next': HOME})}"


def _action_links(booking, user, names) -> dict:
    """{name: URL} of the named actions `user` may run on `booking` now."""
    return {
        name: action_url(booking, ACTIONS[name])
        for name in names
        if ACTIONS[name].allowed(booking, user)
    }


def needs_you_now(request, now) -> dict:
    pending = visible_bookings(request.user).filter(status=S.PENDING)
    oldest = pending.select_related("consultant", "service").order_by(
        "verified_at", "created_at", "pk"
    )[:LIMIT]
    rows = []
    for booking in oldest:
        links = _action_links(booking, request.user, ("approve", "reject"))
        rows.append(
            {
                "booking": booking,
                "url": _inspect_url(booking),
                "when": format_admin_time(booking.start, request),
                "waiting": timesince(booking.verified_at or booking.created_at, now),
                "approve_url": links.get("approve"),
                "reject_url": links.get("reject"),
                "reject_page": links.get("reject") and _with_next(links["reject"]),
            }
        )
    total = pending.count() if len(rows) == LIMIT else len(rows)
    return {
        "rows": rows,
        "total": total,
        "more_url": _list_url(status=S.PENDING, ordering="start"),
    }


def todays_sessions(request, now) -> list[dict]:
    """Today's sessions (the user's own day, in their admin zone), grouped by
    consultant, each with the actions its state allows (Completed and No-show
    once it has ended)."""
    zone = admin_zone(request)
    today = now.astimezone(zone).date()
    start = hours.local_moment(today, time(0), zone)
    end = hours.local_moment(today + timedelta(days=1), time(0), zone)
    sessions = (
        visible_bookings(request.user)
        .filter(status__in=(*SLOT_HOLDING, *HELD))
        .filter(start__gte=start, start__lt=end)
        .select_related("consultant", "service")
        .order_by("consultant__name", "start", "pk")
    )
    groups = defaultdict(list)
    for booking in sessions[: LIMIT * 5]:
        links = _action_links(booking, request.user, ("complete", "no_show"))
        groups[booking.consultant].append(
            {
                "booking": booking,
                "url": _inspect_url(booking),
                "when": format_admin_range(booking.start, booking.end, request),
                "complete_url": links.get("complete"),
                "no_show_page": links.get("no_show") and _with_next(links["no_show"]),
            }
        )
    return [
        {"consultant": consultant, "rows": rows} for consultant, rows in groups.items()
    ]


def expiring_approvals(request, now) -> list[dict]:
    """Approved, unpaid bookings the expiry job will cancel within a day."""
    expiring = visible_bookings(request.user).filter(
        payment_due_before(now + EXPIRY_WARNING)
    )
    soonest = sorted(
        expiring.select_related("consultant", "service")[: LIMIT * 4],
        key=lambda booking: (booking.payment_due_by, booking.pk),
    )[:LIMIT]
    return [
        {
            "booking": booking,
            "url": _inspect_url(booking),
            "when": format_admin_time(booking.start, request),
            "note": _expiry_note(booking.payment_due_by, now),
        }
        for booking in soonest
    ]


def _expiry_note(expires_at, now) -> str:
    if expires_at <= now:
        return "expires at the next check"
    return f"expires in {timeuntil(expires_at, now)}"


def failing_feeds_rows(request) -> list[dict]:
    """Outside calendars whose last read failed: their old busy times still hold."""
    return [
        {
            "calendar": calendar,
            "url": reverse(
                "booking_availability:consultant", args=[calendar.consultant_id]
            ),
            "last_ok": format_admin_time(calendar.last_ok_at, request)
            if calendar.last_ok_at
            else "never",
        }
        for calendar in failing_feeds(request.user)[:20]
    ]


def _failure_panels(request) -> list:
    panels = []
    outbox.add_failures_panel(request, panels)
    return panels


def desk_context(request) -> dict:
    """What the desk's panels show `request.user`, and nothing they may not see."""
    user, now = request.user, timezone.now()
    sees_bookings = not visible_bookings(user).query.is_empty()
    context = {
        "zone_caption": zone_caption(request),
        "updated": format_admin_time(now, request, date=False),
        "sees_bookings": sees_bookings,
        "failure_panels": _failure_panels(request),
        "failing_feeds": failing_feeds_rows(request),
        "home_url": HOME,
    }
    if sees_bookings and user.has_perm("booking.approve_booking"):
        context["needs"] = needs_you_now(request, now)
    if sees_bookings:
        context["today"] = todays_sessions(request, now)
        if user.has_perm("booking.record_offline_payment") or user.has_perm(
            "booking.cancel_booking"
        ):
            context["expiring"] = expiring_approvals(request, now)
    return context


class DeskPanel(Component):
    """The booking panels at the top of the dashboard, refreshed in place."""

    name = "haven_desk"
    order = 1
    template_name = "booking/admin/dashboard/desk.html"

    class Media:
        js = ["booking/admin/desk.js"]

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        return {
            **desk_context(self.request),
            "refresh_url": reverse("booking_desk_panels"),
            "request": self.request,
            "csrf_token": (parent_context or {}).get("csrf_token"),
        }


@require_GET
def desk_panels_view(request):
    """The desk's panels alone, for desk.js to swap in every minute."""
    return TemplateResponse(
        request, "booking/admin/dashboard/desk_panels.html", desk_context(request)
    )


@hooks.register("register_admin_urls")
def register_desk_urls():
    return [path("desk/panels/", desk_panels_view, name="booking_desk_panels")]


@hooks.register("construct_homepage_panels", order=100)
def add_desk(request, panels):
    """The desk first; the failed emails and jobs panel moves inside it (so it
    refreshes with the rest)."""
    panels[:] = [p for p in panels if not isinstance(p, outbox.FailuresPanel)]
    panels.append(DeskPanel(request))
