"""A consultant's own corner of the Wagtail admin, "My practice": their sessions
of today and the next 14 days in their own time zone (and ended ones still to be
marked), with "Completed" and "No-show" buttons once a session has ended, who
came and a link to mark attendance once a meeting has begun, and
links to their availability, calendar, profile page, earnings and payouts.

Only a login linked to a consultant gets the menu item and the page, and the page
only ever reads that consultant's own bookings. The buttons post to the booking
actions' own view (`booking.admin.actions.TransitionView`), which runs the
lifecycle services and shows their refusals; it returns here."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.actions import ACTIONS, action_url
from booking.admin.attendance import attendance_url, summary
from booking.admin.availability import zone_label
from booking.admin.permissions import forbidden, own_consultant
from booking.core import profiles
from booking.core.models import Booking
from booking.core.states import BookingStatus
from booking.lifecycle import attendance
from booking.payments import earnings
from booking.scheduling import hours

S = BookingStatus

UPCOMING_DAYS = 14
# Ended sessions still confirmed (neither completed nor a no-show) are listed
# from this far back, so a forgotten one does not stay forgotten.
TO_MARK_DAYS = 30
# The buttons a row offers once its session has ended (the actions' own rules).
MARK_ACTIONS = ("complete", "no_show")
NOT_SHOWN = (S.DRAFT, S.REJECTED)


@dataclass(frozen=True)
class Session:
    """One row: a booking as the consultant reads it, and what they may do."""

    booking: Booking
    when: str
    first_name: str
    buttons: list
    attendance: str = ""
    attendance_url: str = ""


def first_name(booking: Booking) -> str:
    words = booking.client_name.split()
    return words[0] if words else "—"


class MyPracticeView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/my_practice.html"
    page_title = "My practice"
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        self.consultant = own_consultant(request.user)
        if self.consultant is None:
            return forbidden(
                request,
                "My practice is for consultants. Ask a booking admin to link your "
                "login to your consultant profile.",
            )
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "My practice"}]

    @cached_property
    def zone(self):
        return self.consultant.zone

    @cached_property
    def today(self):
        return timezone.now().astimezone(self.zone).date()

    def midnight(self, days: int) -> datetime:
        """The start of the consultant's local day `days` after today."""
        return hours.local_moment(self.today + timedelta(days=days), time(0), self.zone)

    def own_bookings(self):
        """This consultant's bookings only, whatever else the user may see."""
        return (
            Booking.objects.filter(consultant=self.consultant)
            .exclude(status__in=NOT_SHOWN)
            .select_related("consultant", "service")
            .prefetch_related("participants")
            .order_by("start", "pk")
        )

    def sessions(self, bookings, *, with_day: bool) -> list[Session]:
        rows = []
        for booking in bookings:
            start = booking.start.astimezone(self.zone)
            end = booking.end.astimezone(self.zone)
            day = f"{start:%a} {start.day} {start:%b}, " if with_day else ""
            rows.append(
                Session(
                    booking=booking,
                    when=f"{day}{start:%H:%M}–{end:%H:%M}",
                    first_name=first_name(booking),
                    buttons=self.buttons(booking),
                    **self.attendance(booking),
                )
            )
        return rows

    def buttons(self, booking: Booking) -> list[tuple]:
        """(action, URL) of "Completed" and "No-show" when they may run now: the
        session has ended and is still confirmed."""
        user = self.request.user
        return [
            (ACTIONS[name], action_url(booking, ACTIONS[name]))
            for name in MARK_ACTIONS
            if ACTIONS[name].allowed(booking, user)
        ]

    def attendance(self, booking: Booking) -> dict:
        """Who came, and the link to mark it once the meeting has begun."""
        if not attendance.can_mark(booking, self.request.user):
            return {}
        return {
            "attendance": summary(booking),
            "attendance_url": attendance_url(booking, reverse("booking_my_practice")),
        }

    def profile_links(self) -> dict:
        page = profiles.profile_page(self.consultant)
        if page is None:
            return {}
        return {
            "edit": reverse("wagtailadmin_pages:edit", args=[page.pk]),
            "live": page.full_url if page.live else "",
            "title": page.title,
        }

    def get_context_data(self, **kwargs):
        bookings = self.own_bookings()
        tomorrow, horizon = self.midnight(1), self.midnight(UPCOMING_DAYS + 1)
        to_mark = bookings.filter(
            status=S.CONFIRMED,
            end__lte=timezone.now(),
            start__lt=self.midnight(0),
            start__gte=self.midnight(-TO_MARK_DAYS),
        )
        today = bookings.filter(start__gte=self.midnight(0), start__lt=tomorrow)
        upcoming = bookings.filter(start__gte=tomorrow, start__lt=horizon)
        consultant = self.consultant
        return super().get_context_data(
            consultant=consultant,
            zone_label=zone_label(consultant),
            today_label=f"{self.today:%A} {self.today.day} {self.today:%B}",
            upcoming_days=UPCOMING_DAYS,
            to_mark_days=TO_MARK_DAYS,
            to_mark=self.sessions(to_mark, with_day=True),
            today=self.sessions(today, with_day=False),
            upcoming=self.sessions(upcoming, with_day=True),
            next_url=reverse("booking_my_practice"),
            availability_url=reverse(
                "booking_availability:consultant", args=[consultant.pk]
            ),
            calendar_url=reverse("booking_calendar")
            + "?"
            + urlencode({"view": "week", "consultant": consultant.pk}),
            earnings_url=reverse("booking_earnings"),
            profile=self.profile_links(),
            balances=earnings.balances(consultant),
            payouts=consultant.payouts.all()[:5],
            **kwargs,
        )


class MyPracticeMenuItem(MenuItem):
    def is_shown(self, request):
        return own_consultant(request.user) is not None


@hooks.register("register_admin_urls")
def register_my_practice_url():
    return [path("my-practice/", MyPracticeView.as_view(), name="booking_my_practice")]


@hooks.register("register_admin_menu_item")
def register_my_practice_menu_item():
    return MyPracticeMenuItem(
        "My practice", reverse("booking_my_practice"), icon_name="user", order=190
    )
