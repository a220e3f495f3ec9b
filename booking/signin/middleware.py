"""Holds a signed-in user at the second step (after django-otp's OTPMiddleware,
which tells whether this session passed it).

In the admin (/admin/, /django-admin/) a user with an authenticator app who has
not entered a code this session is sent to enter one; a user who must use two
factors and has none is sent to set one up. Anywhere else such a session counts
as signed out, so the JSON API's session authentication and the public pages
give it nothing the password alone should not. Bearer tokens are not sessions
and pass as before."""

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject

from booking.signin import devices

ADMIN_PATHS = ("/admin/", "/django-admin/")

# Pages a user at the second step may open: signing in and out, the second step
# itself, and what every admin page loads (its icons and translations).
OPEN_URL_NAMES = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "signin_verify",
    "signin_enrol",
}


def next_step(user) -> str | None:
    """The URL name of the step this user still has to pass, if any."""
    if not user.is_authenticated or user.is_verified():
        return None
    if devices.has_second_factor(user):
        return "signin_verify"
    if devices.required_for(user):
        return "signin_enrol"
    return None


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(ADMIN_PATHS):
            step = next_step(request.user)
            if step and not self.is_open(request.path_info):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse(step)}?{query}")
        else:
            user = request.user
            request.user = SimpleLazyObject(
                lambda: AnonymousUser() if next_step(user) else user
            )
        return self.get_response(request)

    @staticmethod
    def is_open(path: str) -> bool:
        try:
            return resolve(path).url_name in OPEN_URL_NAMES
        except Resolver404:
            return False
