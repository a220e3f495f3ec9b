"""A consultant's calendar feed in the admin: the secret subscription address to
put in their own calendar app, made anew or revoked here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from booking.core.models import Consultant
from booking.scheduling import calendar_files
from booking.scheduling.models import CalendarFeed


def manages_feeds(user) -> bool:
    return user.has_perm("booking.change_consultant")


def feed_consultant(request) -> Consultant | None:
    """The consultant whose feed this is: the user's own, or (for those who may
    change consultants) the one asked for; None when such a user has not chosen
    one yet."""
    asked = str(request.GET.get("consultant") or request.POST.get("consultant") or "")
    if manages_feeds(request.user):
        if asked.isdigit():
            return get_object_or_404(Consultant, pk=int(asked))
        return getattr(request.user, "consultant", None)
    consultant = getattr(request.user, "consultant", None)
    if consultant is None:
        raise PermissionDenied
    return consultant


def calendar_feed_view(request):
    """Shows whether the consultant has a private calendar link; POST makes a new
    one (shown once, replacing the old) or revokes it."""
    consultant = feed_consultant(request)
    if consultant is None:
        return TemplateResponse(
            request,
            "booking/admin/calendar_feed_choose.html",
            {
                "consultants": Consultant.objects.select_related(
                    "calendar_feed"
                ).order_by("name"),
                "header_title": "Calendar feeds",
                "page_title": "Calendar feeds",
            },
        )
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_files.revoke_feed(consultant)
            messages.success(request, "The calendar link is revoked.")
        else:
            new_url = calendar_files.feed_url(calendar_files.issue_feed(consultant))
    feed = CalendarFeed.objects.filter(consultant=consultant).first()
    return TemplateResponse(
        request,
        "booking/admin/calendar_feed.html",
        {
            "consultant": consultant,
            "feed": feed,
            "new_url": new_url,
            "header_title": "Calendar feed",
            "page_title": "Calendar feed",
        },
    )


class CalendarFeedMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return hasattr(user, "consultant") or manages_feeds(user)


@hooks.register("register_admin_urls")
def calendar_feed_urls():
    return [path("calendar-feed/", calendar_feed_view, name="booking_calendar_feed")]


@hooks.register("register_admin_menu_item")
def calendar_feed_menu_item():
    return CalendarFeedMenuItem(
        "Calendar feed",
        reverse("booking_calendar_feed"),
        icon_name="calendar",
        order=295,
    )
