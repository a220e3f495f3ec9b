"""Bookings → Waitlist: every live waitlist, by service and time, in line order.
Whoever may see bookings sees it (each viewing is written to the access log: it
shows clients' names and addresses); whoever may change bookings moves a client
up or down the line or takes them off it. The rules are
`booking.lifecycle.waitlist`'."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.permissions import forbidden
from booking.core.errors import BookingError
from booking.lifecycle import waitlist
from booking.privacy.audit import record_access
from booking.waitlist.models import LIVE, WaitlistEntry

SEE = "booking.view_booking"
CHANGE = "booking.change_booking"


class WaitlistView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/waitlist.html"
    page_title = "Waitlist"
    header_icon = "list-ol"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(SEE):
            return forbidden(request, "You do not have permission to see bookings.")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = (
            WaitlistEntry.objects.filter(status__in=LIVE)
            .select_related("service", "consultant")
            .order_by("start", "service_id", "consultant_id", "position", "pk")
        )
        lines = {}
        for entry in entries:
            lines.setdefault((entry.service, entry.consultant, entry.start), []).append(
                entry
            )
        context["lines"] = [
            (service, consultant, start, line)
            for (service, consultant, start), line in lines.items()
        ]
        context["can_change"] = self.request.user.has_perm(CHANGE)
        record_access(
            user=self.request.user,
            action="viewed",
            target=f"waitlist ({len(entries)} entries)",
            request=self.request,
        )
        return context


def act(request, entry_id):
    if not request.user.has_perm(CHANGE):
        return forbidden(request, "You do not have permission to change bookings.")
    entry = get_object_or_404(WaitlistEntry, pk=entry_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("up", "down"):
                waitlist.move(entry=entry, actor=request.user, up=action == "up")
            elif action == "remove":
                waitlist.leave(entry=entry)
            else:
                messages.error(request, "Choose move up, move down or remove.")
                return redirect("booking_waitlist:index")
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "The waitlist is updated.")
    return redirect("booking_waitlist:index")


class WaitlistMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(SEE)


@hooks.register("register_admin_urls")
def register_waitlist_urls():
    patterns = [
        path("", WaitlistView.as_view(), name="index"),
        path("<int:entry_id>/", act, name="act"),
    ]
    return [
        path(
            "waitlist/",
            include((patterns, "booking_waitlist"), namespace="booking_waitlist"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_waitlist_menu_item():
    return WaitlistMenuItem(
        "Waitlist", reverse("booking_waitlist:index"), icon_name="list-ol", order=316
    )
