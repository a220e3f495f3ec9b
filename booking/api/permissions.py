"""The staff API's permissions are the Wagtail admin's (`booking.admin.actions`):
who may see bookings at all, and who may create them."""

from rest_framework.permissions import BasePermission

from booking.admin.permissions import booking_policy, own_consultant, sees_everyone


class SeesBookings(BasePermission):
    """Booking admins and Staff see every booking, a consultant their own."""

    message = "You do not have permission to see bookings."

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user.is_authenticated
            and (sees_everyone(user) or own_consultant(user) is not None)
        )


class CreatesBookingsOnPost(BasePermission):
    message = "You do not have permission to create bookings."

    def has_permission(self, request, view):
        if request.method != "POST":
            return True
        return booking_policy.user_has_permission(request.user, "add")
