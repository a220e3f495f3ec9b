"""Who sees which bookings in the Wagtail admin: booking admins and staff see every
booking, a consultant their own; the booking permission policy and the helpers
every admin screen shares."""

from datetime import datetime

from django.template.response import TemplateResponse
from wagtail.permission_policies import ModelPermissionPolicy

from booking.core.models import Booking, Consultant

# Any of these lets a user see the whole list (Wagtail's own rule for listings).
ANY_ACTION = ("add", "change", "delete", "view")


OVERRIDE = "booking.override_availability"


def own_consultant(user) -> Consultant | None:
    """The consultant this login belongs to, if any (Django caches the answer on
    the user, so asking twice costs one query)."""
    if not (user.is_authenticated and user.is_active):
        return None
    return getattr(user, "consultant", None)


class BookingPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions on bookings, plus one rule: a consultant (a user
    linked to a `Consultant`) may view their own bookings. Wagtail's generic views
    ask this policy, and every booking view here fetches through
    `visible_bookings`, so listing, inspect, history, actions, calendar and
    dashboard are scoped alike."""

    def model_permission(self, user, actions) -> bool:
        return any(user.has_perm(self._get_permission_name(a)) for a in actions)

    def user_has_permission(self, user, action):
        return self.model_permission(user, [action]) or (
            action == "view" and own_consultant(user) is not None
        )

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if self.model_permission(user, [action]):
            return True
        consultant = own_consultant(user)
        return bool(
            action == "view" and consultant and instance.consultant_id == consultant.pk
        )

    def instances_user_has_any_permission_for(self, user, actions):
        bookings = self.model._default_manager.all()
        if self.model_permission(user, actions):
            return bookings
        consultant = own_consultant(user)
        if "view" in actions and consultant is not None:
            return bookings.filter(consultant=consultant)
        return bookings.none()


booking_policy = BookingPermissionPolicy(Booking)


def visible_bookings(user):
    """The bookings `user` may see: all of them, their own as a consultant, or
    none."""
    return booking_policy.instances_user_has_any_permission_for(user, ANY_ACTION)


def can_see_intake_notes(user, booking) -> bool:
    """Intake notes are for the people who care for the client: booking admins
    and the booking's own consultant, never Staff or other consultants."""
    if user.has_perm("booking.change_booking"):
        return True
    return booking.consultant.user_id is not None and (
        booking.consultant.user_id == user.pk
    )


def intake_visible_to(user):
    """For exports: which bookings' intake answers `user` may read, as a test of
    a booking (`can_see_intake_notes` without a query a row), or None when they
    may read none, so the export has no Intake column at all."""
    if user.has_perm("booking.change_booking"):
        return lambda booking: True
    own = set(Consultant.objects.filter(user_id=user.pk).values_list("pk", flat=True))
    if not own:
        return None
    return lambda booking: booking.consultant_id in own


def sees_everyone(user) -> bool:
    return booking_policy.model_permission(user, ANY_ACTION)


def forbidden(request, message: str) -> TemplateResponse:
    """A plain 403 inside the admin, as the availability screen answers: Wagtail
    would redirect to the dashboard, but a crafted URL or POST gets a clear
    refusal and changes nothing."""
    return TemplateResponse(
        request,
        "booking/admin/bookings/forbidden.html",
        {"page_title": "Not allowed", "message": message},
        status=403,
    )


def local_text(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local:%Z}"
