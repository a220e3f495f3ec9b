"""The admin's login, throttled: guessing passwords costs an attacker the same as
anyone else trying too often from one address or for one account."""

from django.contrib import messages
from wagtail.admin.views.account import LoginView

from booking.core.ratelimit import allow, client_ip, limit_for


class ThrottledLoginView(LoginView):
    """Wagtail's login view, counting each attempt per address and account and per
    address alone (`admin_login` and `admin_login_address` in
    `BOOKING_RATE_LIMITS`); over either limit it answers 429 without checking the
    password."""

    def post(self, request, *args, **kwargs):
        address = client_ip(request)
        username = request.POST.get("username", "").strip().lower()
        within = allow("admin_login_address", address)
        within = allow("admin_login", f"{address}|{username}") and within
        if within:
            return super().post(request, *args, **kwargs)
        minutes = limit_for("admin_login")[1] // 60
        messages.error(
            request,
            f"Too many sign-in attempts. Wait {minutes} minutes, then try again.",
        )
        # An unbound form: validating the posted one would check the password.
        form = self.get_form_class()(request=request)
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(limit_for("admin_login")[1])
        return response
