"""The calendar in the Wagtail admin: a month, week or day of bookings, for one
consultant or everyone, over their working hours and time off. Bookings are
coloured by status and link to the booking.

Booking admins and staff (who see every booking) choose whose calendar; a
consultant sees only their own, and asking for anyone else's is refused. Times are
always the signed-in user's own time zone (Wagtail's account preference), for one
consultant and for everyone alike. Week and day run from the earliest to the
latest working hour shown (or a booking outside them), unless "Full day" is asked
for; cancelled and rejected bookings show only when asked for. Each booking shows
the lines that fit, all of them on hover or focus, and a popover with what this
user may do with it; those who may reschedule drag it to another time
(`booking.admin.moving`). A page costs the same few queries however many
consultants, days or bookings it shows.

The calendar is one view (what is asked, the bookings and hours it shows, the
time grid, the page), which reads best in one module, so this one runs
past 400 lines.

Keyboard: every booking and control is a link in reading order; ← and → move to
the previous and next period, T to today, M, W and D switch view (Wagtail's own
`w-kbd` controller, not a script of ours)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView
from schedule.models import Event
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.actions import action_url, available_actions
from booking.admin.calendar_layout import (
    STATUS_MARKS,
    DayColumn,
    Item,
    assign_lanes,
    lines_that_fit,
    meeting_item,
    minutes_of_day,
    split_meetings,
    union,
)
from booking.admin.permissions import (
    forbidden,
    own_consultant,
    sees_everyone,
    visible_bookings,
)
from booking.admin.zones import admin_zone
from booking.core import dates
from booking.core.models import Booking, Consultant
from booking.core.states import MOVABLE, BookingStatus
from booking.scheduling import hours, slots

VIEWS = ("month", "week", "day")


# Week and day views without any working hours or bookings show these hours.
DEFAULT_HOURS = (8, 18)

# Shown only when "Show cancelled" is on.
HIDDEN = (BookingStatus.CANCELLED, BookingStatus.REJECTED)

RESCHEDULE = "booking.reschedule_booking"


def may_move(user) -> bool:
    return user.has_perm(RESCHEDULE)


# After a move, its undo is offered for this long (the session remembers it).
UNDO_SECONDS = 10
UNDO_KEY = "booking_calendar_undo"


def pending_undo(request) -> dict | None:
    """The move this user made in the last UNDO_SECONDS, with the seconds left
    to undo it, or None (an older one is forgotten)."""
    undo = request.session.get(UNDO_KEY)
    if not undo:
        return None
    left = UNDO_SECONDS - (timezone.now().timestamp() - undo["moved"])
    if left <= 0:
        del request.session[UNDO_KEY]
        return None
    return {
        **undo,
        "seconds": max(1, round(left)),
        "url": reverse("booking_calendar_undo", args=(undo["booking"],)),
    }


class CalendarView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/calendar/calendar.html"
    header_icon = "date"
    page_title = "Calendar"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.consultant = self.chosen_consultant()
        except PermissionDenied:
            return forbidden(
                request,
                "You may only see your own calendar. Booking admins and staff can "
                "see everyone's.",
            )
        return super().dispatch(request, *args, **kwargs)

    # --- what is asked for ------------------------------------------------------

    def chosen_consultant(self) -> Consultant | None:
        """The consultant whose calendar is shown; None means everyone's."""
        user, asked = self.request.user, self.request.GET.get("consultant", "")
        if sees_everyone(user):
            if not asked.isdigit():
                return None
            return Consultant.objects.filter(pk=asked).first()
        own = own_consultant(user)
        if own is None or (asked and asked != str(own.pk)):
            raise PermissionDenied
        return own

    @cached_property
    def mode(self) -> str:
        mode = self.request.GET.get("view", "week")
        return mode if mode in VIEWS else "week"

    @cached_property
    def zone(self) -> ZoneInfo:
        return admin_zone(self.request)

    @cached_property
    def show_cancelled(self) -> bool:
        return self.request.GET.get("cancelled") == "1"

    @cached_property
    def full_day(self) -> bool:
        return self.request.GET.get("full") == "1"

    @cached_property
    def can_move(self) -> bool:
        return may_move(self.request.user)

    @cached_property
    def today(self) -> date:
        return timezone.now().astimezone(self.zone).date()

    @cached_property
    def anchor(self) -> date:
        try:
            asked = date.fromisoformat(self.request.GET.get("date", ""))
        except ValueError:
            return self.today
        return asked if dates.in_range(asked) else self.today

    @cached_property
    def days(self) -> list[date]:
        """The days shown: one, a week from Monday, or the whole weeks of a
        month."""
        if self.mode == "day":
            return [self.anchor]
        if self.mode == "week":
            first = self.anchor - timedelta(days=self.anchor.weekday())
            return [first + timedelta(days=n) for n in range(7)]
        first_of_month = self.anchor.replace(day=1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        last_of_month = (first_of_month + timedelta(days=32)).replace(
            day=1
        ) - timedelta(days=1)
        last = last_of_month + timedelta(days=6 - last_of_month.weekday())
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def moment(self, day: date) -> datetime:
        return hours.local_moment(day, time(0), self.zone)

    @cached_property
    def window(self) -> tuple[datetime, datetime]:
        return self.moment(self.days[0]), self.moment(self.days[-1] + timedelta(days=1))

    @cached_property
    def consultants(self) -> list[Consultant]:
        """Whose hours and time off are shown: the chosen consultant, or every
        active one and anyone else with a booking in the window."""
        if self.consultant:
            return [self.consultant]
        consultants = {c.pk: c for c in Consultant.objects.filter(is_active=True)}
        for booking in self.bookings:
            consultants.setdefault(booking.consultant_id, booking.consultant)
        return sorted(consultants.values(), key=lambda c: (c.name, c.pk))

    # --- what is shown ------------------------------------------------------------

    @cached_property
    def bookings(self) -> list[Booking]:
        start, end = self.window
        bookings = (
            visible_bookings(self.request.user)
            .filter(start__lt=end, end__gt=start)
            .exclude(status=BookingStatus.DRAFT)
            .exclude(status__in=() if self.show_cancelled else HIDDEN)
            .select_related("consultant", "service")
            .order_by("start", "pk")
        )
        if self.consultant:
            bookings = bookings.filter(consultant=self.consultant)
        return list(bookings)

    def open_hours(self) -> dict[int, list]:
        start, end = self.window
        return slots.open_hours(consultants=self.consultants, start=start, end=end)

    def time_off(self) -> dict[int, list[tuple[datetime, datetime]]]:
        """Time off between the window's ends, per consultant id: one query."""
        start, end = self.window
        by_calendar = {c.calendar_id: c.pk for c in self.consultants if c.calendar_id}
        spans = {consultant.pk: [] for consultant in self.consultants}
        events = Event.objects.filter(
            calendar_id__in=by_calendar,
            eventrelation__distinction=hours.Kind.TIME_OFF,
            start__lt=end,
            end__gt=start,
        ).values_list("calendar_id", "start", "end", "description")
        for calendar_id, begin, finish, note in events:
            spans[by_calendar[calendar_id]].append((begin, finish, note))
        return spans

    def booking_item(self, booking: Booking, *, named: bool) -> Item:
        who = f" · {booking.consultant.name}" if named else ""
        start = booking.start.astimezone(self.zone)
        end = booking.end.astimezone(self.zone)
        lines = (
            f"{start:%H:%M}–{end:%H:%M}",
            booking.client_name,
            str(booking.service),
            *((booking.consultant.name,) if named else ()),
            f"{booking.status_label} · {booking.reference}",
        )
        movable = self.can_move and booking.status in MOVABLE
        return Item(
            start=start,
            end=end,
            kind="booking",
            label=f"{start:%H:%M} {booking.client_name}{who}",
            title=(
                f"{booking.reference}: {booking.service}, {booking.status_label}{who}"
            ),
            url=reverse("bookings:inspect", args=(quote(booking.pk),)),
            status=booking.status,
            lines=lines,
            pk=booking.pk,
            reference=booking.reference,
            consultant_id=booking.consultant_id,
            move_url=reverse("booking_calendar_move", args=(booking.pk,))
            if movable
            else "",
            actions=self.actions_for(booking),
        )

    def actions_for(self, booking: Booking) -> list[tuple[str, str, bool]]:
        """(label, url, serious) of what this user may do now, each returning
        here; moving is the calendar's own "Move…" (no query per booking)."""
        back = urlencode({"next": self.url()})
        return [
            (action.label, f"{action_url(booking, action)}?{back}", action.serious)
            for action in available_actions(booking, self.request.user)
            if action.name != "reschedule"
        ]

    def columns(self) -> list[DayColumn]:
        """One column per day, or per consultant in the day view for everyone;
        each with its bookings, open hours and time off."""
        hours, time_off = self.open_hours(), self.time_off()
        per_consultant = self.mode == "day" and self.consultant is None
        # Several consultants in one column: their hours shade it together, and
        # one person's time off is named rather than hatched over everyone.
        shared = not (self.consultant or per_consultant)
        names = {consultant.pk: consultant.name for consultant in self.consultants}
        keys = self.consultants if per_consultant else self.days
        columns = {}
        for key in keys:
            day = self.anchor if per_consultant else key
            columns[key.pk if per_consultant else key] = DayColumn(
                day=day,
                heading=key.name if per_consultant else f"{key:%a} {key.day}",
                url=self.url(
                    view="day",
                    date=day.isoformat(),
                    **({"consultant": key.pk} if per_consultant else {}),
                ),
                in_month=day.month == self.anchor.month,
                is_today=day == self.today,
                consultant_id=key.pk if per_consultant else None,
            )

        def column_for(consultant_id, moment):
            if per_consultant:
                return columns.get(consultant_id)
            return columns.get(moment.astimezone(self.zone).date())

        singles, meetings = split_meetings(self.bookings)
        items = [self.booking_item(booking, named=shared) for booking in singles]
        items += [
            meeting_item(seats, zone=self.zone, named=shared) for seats in meetings
        ]
        for item in sorted(items, key=lambda item: (item.start, item.pk)):
            if column := column_for(item.consultant_id, item.start):
                column.items.append(item)
        for consultant_id, spans in hours.items():
            for span in spans:
                for piece in self.by_day(span.start, span.end, "hours"):
                    if column := column_for(consultant_id, piece.start):
                        column.hours.append(piece)
        for consultant_id, spans in time_off.items():
            for begin, finish, note in spans:
                label = note or "Time off"
                if shared:
                    label = f"{names[consultant_id]}: {label}"
                for piece in self.by_day(begin, finish, "time-off", label):
                    if column := column_for(consultant_id, piece.start):
                        column.time_off.append(piece)
        if shared:
            for column in columns.values():
                column.hours = union(column.hours)
        return list(columns.values())

    def by_day(self, start, end, kind, label="") -> list[Item]:
        """A span cut at local midnights, within the window."""
        lo, hi = self.window
        start, end = max(start, lo), min(end, hi)
        pieces = []
        while start < end:
            local = start.astimezone(self.zone)
            midnight = self.moment(local.date() + timedelta(days=1))
            piece_end = min(end, midnight)
            pieces.append(
                Item(
                    start=local,
                    end=piece_end.astimezone(self.zone),
                    kind=kind,
                    label=label,
                )
            )
            start = piece_end
        return pieces

    # --- the time grid (week and day) ---------------------------------------------

    def hour_range(self, columns: list[DayColumn]) -> tuple[int, int]:
        """From the earliest to the latest working hour shown, widened for any
        booking outside them (so none is cut off); the whole day when asked."""
        if self.full_day:
            return 0, 24
        first, last = 24, 0
        for column in columns:
            for item in (*column.items, *column.hours):
                first = min(first, item.start.hour)
                end = item.end
                end_hour = end.hour + (1 if end.minute or end.second else 0)
                last = max(last, end_hour if end.date() == item.start.date() else 24)
        if first >= last:
            return DEFAULT_HOURS
        return first, min(last, 24)

    def place(self, columns: list[DayColumn], first: int, last: int) -> None:
        """Give every item its top and height (percent of the day's grid), and
        bookings that overlap side-by-side lanes."""
        total = (last - first) * 60
        for column in columns:
            for item in (*column.items, *column.hours, *column.time_off):
                begin = minutes_of_day(item.start) - first * 60
                finish = begin + (item.end - item.start).total_seconds() / 60
                begin, finish = max(begin, 0), min(finish, total)
                item.top = round(100 * begin / total, 3)
                item.height = round(100 * max(finish - begin, 15) / total, 3)
                item.fit = lines_that_fit(max(finish - begin, 15))
            assign_lanes(column.items)

    # --- page -------------------------------------------------------------------

    def url(self, **params) -> str:
        query = {
            "view": self.mode,
            "date": self.anchor.isoformat(),
            "consultant": self.consultant.pk if self.consultant else "",
            "cancelled": "1" if self.show_cancelled else "",
            "full": "1" if self.full_day else "",
            **params,
        }
        query = {key: value for key, value in query.items() if value != ""}
        return f"{reverse('booking_calendar')}?{urlencode(query)}"

    def step(self, direction: int) -> str:
        if self.mode == "day":
            day = self.anchor + timedelta(days=direction)
        elif self.mode == "week":
            day = self.days[0] + timedelta(weeks=direction)
        elif direction > 0:
            day = (self.anchor.replace(day=1) + timedelta(days=32)).replace(day=1)
        else:
            day = (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        return self.url(date=day.isoformat())

    def title(self) -> str:
        first, last = self.days[0], self.days[-1]
        if self.mode == "day":
            return f"{first:%A} {first.day} {first:%B %Y}"
        if self.mode == "month":
            return f"{self.anchor:%B %Y}"
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"

    def get_page_subtitle(self):
        return self.consultant.name if self.consultant else "Everyone"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Calendar"}]

    def get_context_data(self, **kwargs):
        columns = self.columns()
        context = super().get_context_data(**kwargs)
        if self.mode != "month":
            first, last = self.hour_range(columns)
            self.place(columns, first, last)
            context["hours"] = [f"{hour:02d}:00" for hour in range(first, last)]
            context["hour_count"] = last - first
            context["first_hour"] = first
        else:
            context["weeks"] = [columns[n : n + 7] for n in range(0, len(columns), 7)]
        context.update(
            mode=self.mode,
            columns=columns,
            period=self.title(),
            zone=self.zone.key,
            consultant=self.consultant,
            choices=self.consultant_choices(),
            previous_url=self.step(-1),
            next_url=self.step(1),
            today_url=self.url(date=self.today.isoformat()),
            view_urls=[(mode, self.url(view=mode)) for mode in VIEWS],
            statuses=[
                (status, STATUS_MARKS[status])
                for status in BookingStatus
                if status != BookingStatus.DRAFT
                and (self.show_cancelled or status not in HIDDEN)
            ],
            add_url=self.add_url(),
            anchor=self.anchor,
            show_cancelled=self.show_cancelled,
            full_day=self.full_day,
            cancelled_url=self.url(cancelled="" if self.show_cancelled else "1"),
            full_url=self.url(full="" if self.full_day else "1"),
            can_move=self.can_move,
            grid_minutes=settings.BOOKING_SLOT_GRID_MINUTES,
            undo=pending_undo(self.request),
            here=self.url(),
        )
        return context

    def consultant_choices(self):
        if not sees_everyone(self.request.user):
            return []
        everyone = [("", "Everyone", self.url(consultant=""))]
        return everyone + [
            (str(c.pk), c.name, self.url(consultant=c.pk))
            for c in Consultant.objects.filter(is_active=True).order_by("name")
        ]

    def add_url(self) -> str:
        if not self.request.user.has_perm("booking.add_booking"):
            return ""
        params = {"day": self.anchor.isoformat()}
        if self.consultant:
            params["consultant"] = self.consultant.pk
        return f"{reverse('bookings:add')}?{urlencode(params)}"


class CalendarMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return sees_everyone(user) or own_consultant(user) is not None


@hooks.register("register_admin_urls")
def register_calendar_url():
    return [path("calendar/", CalendarView.as_view(), name="booking_calendar")]


@hooks.register("register_admin_menu_item")
def register_calendar_menu_item():
    return CalendarMenuItem(
        "Calendar", reverse("booking_calendar"), icon_name="date", order=205
    )
