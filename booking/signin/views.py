"""The admin's pages for two-factor sign-in, under /admin/two-factor/: the second
step after the password, setting up an authenticator app, the recovery codes
shown once, and the account's "Two-factor sign-in" page (turn off, new recovery
codes). Every code entered here counts against `admin_second_factor`."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.core.ratelimit import client_ip
from booking.signin import devices
from booking.signin.qr import qr_svg

CODES_SESSION_KEY = "signin_recovery_codes"


def after(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        error_messages={"required": "Enter the code."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = help_text


class SignInStepView(WagtailAdminTemplateMixin, TemplateView):
    """A page of the flow: a code form, the attempt limit, and where to go next."""

    header_icon = "key"
    code_help = ""
    form: CodeForm | None = None

    def code_form(self, data=None) -> CodeForm:
        return CodeForm(data, help_text=self.code_help)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def next_url(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return target
        return reverse("wagtailadmin_home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form or self.code_form()
        context["next"] = self.next_url()
        return context

    def refuse(self, message: str, status: int = 400):
        self.form = self.code_form(self.request.POST)
        self.form.is_valid()
        self.form.add_error("code", message)
        response = self.render_to_response(self.get_context_data())
        response.status_code = status
        return response

    def posted_code(self):
        """The code posted, or a response refusing it (over the limit: a 429)."""
        if not devices.within_attempt_limit(self.request.user, client_ip(self.request)):
            minutes = devices.retry_after_seconds() // 60
            response = self.refuse(
                f"Too many codes tried. Wait {minutes} minutes, then try again.",
                status=429,
            )
            response["Retry-After"] = str(devices.retry_after_seconds())
            return None, response
        form = self.code_form(self.request.POST)
        if not form.is_valid():
            self.form = form
            response = self.render_to_response(self.get_context_data())
            response.status_code = 400
            return None, response
        return form.cleaned_data["code"], None


class VerifyView(SignInStepView):
    """The second step: a code from the app, or a recovery code."""

    template_name = "booking/signin/verify.html"
    page_title = "Enter your sign-in code"
    code_help = "Or a recovery code: each works once."

    def get(self, request, *args, **kwargs):
        if request.user.is_verified() or not devices.has_second_factor(request.user):
            return redirect(self.next_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        code, refusal = self.posted_code()
        if refusal:
            return refusal
        try:
            device = devices.check_code(request.user, code)
        except devices.Refused as exc:
            return self.refuse(exc.message)
        otp_login(request, device)
        if device.name == devices.RECOVERY_DEVICE_NAME:
            left = devices.recovery_codes_left(request.user)
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. Make new ones "
                "under Account → Two-factor sign-in.",
            )
        return redirect(self.next_url())


class EnrolView(SignInStepView):
    """Set up an authenticator app: scan the QR code (or type the key), confirm
    with a code, then see the recovery codes."""

    template_name = "booking/signin/enrol.html"
    page_title = "Set up two-factor sign-in"
    code_help = "The 6 digits Haven's entry in the app shows now."

    def dispatch(self, request, *args, **kwargs):
        # Replacing an app needs the current one: else the password alone would do.
        if devices.has_second_factor(request.user) and not request.user.is_verified():
            return redirect(after("signin_verify", request.path))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = devices.pending_app_device(self.request.user)
        context["qr_code"] = mark_safe(qr_svg(device.config_url))
        context["secret"] = devices.secret_for_manual_entry(device)
        context["required"] = devices.required_for(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        code, refusal = self.posted_code()
        if refusal:
            return refusal
        device = devices.pending_app_device(request.user)
        codes = devices.confirm_enrolment(request.user, device, code)
        if codes is None:
            return self.refuse(
                "That code does not match. Check the app shows Haven's entry, "
                "then enter the 6 digits it shows now."
            )
        device.refresh_from_db()
        otp_login(request, device)
        request.session[CODES_SESSION_KEY] = codes
        messages.success(request, "Two-factor sign-in is on.")
        return redirect(after("signin_recovery_codes", self.next_url()))


class RecoveryCodesView(SignInStepView):
    """The new recovery codes, shown until the user says they saved them."""

    template_name = "booking/signin/recovery_codes.html"
    page_title = "Your recovery codes"

    def get(self, request, *args, **kwargs):
        codes = request.session.get(CODES_SESSION_KEY)
        if not codes:
            return redirect("signin_two_factor")
        if request.GET.get("download"):
            response = HttpResponse(
                "Haven recovery codes for "
                f"{request.user.get_username()}\n"
                "Each works once, in place of a code from your app.\n\n"
                + "\n".join(codes)
                + "\n",
                content_type="text/plain; charset=utf-8",
            )
            response["Content-Disposition"] = (
                'attachment; filename="haven-recovery-codes.txt"'
            )
            response["Cache-Control"] = "no-store"
            return response
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["codes"] = self.request.session.get(CODES_SESSION_KEY, [])
        return context

    def post(self, request, *args, **kwargs):
        request.session.pop(CODES_SESSION_KEY, None)
        return redirect(self.next_url())


class TwoFactorView(SignInStepView):
    """The account's page: whether two-factor sign-in is on, and its actions."""

    template_name = "booking/signin/two_factor.html"
    page_title = "Two-factor sign-in"
    helps = {
        "new_codes": "A code from your app, to show it is you.",
        "turn_off": "A code from your app or a recovery code.",
    }

    def code_form(self, data=None, action=None) -> CodeForm:
        # Two forms on one page: each needs its own field id.
        action = action or self.request.POST.get("action", "new_codes")
        action = action if action in self.helps else "new_codes"
        return CodeForm(data, help_text=self.helps[action], auto_id=f"{action}_%s")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posted = self.request.POST.get("action")
        for action in self.helps:
            context[f"{action}_form"] = (
                self.form
                if self.form and posted == action
                else self.code_form(action=action)
            )
        user = self.request.user
        context["enabled"] = devices.has_second_factor(user)
        context["required"] = devices.required_for(user)
        context["codes_left"] = devices.recovery_codes_left(user)
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in {"new_codes", "turn_off"}:
            return self.refuse("Choose what to do.")
        if action == "turn_off" and devices.required_for(request.user):
            return self.refuse(
                "Your role must use two-factor sign-in, so it cannot be turned off.",
                status=403,
            )
        code, refusal = self.posted_code()
        if refusal:
            return refusal
        try:
            devices.check_code(request.user, code)
        except devices.Refused as exc:
            return self.refuse(exc.message)
        if action == "new_codes":
            request.session[CODES_SESSION_KEY] = devices.new_recovery_codes(
                request.user
            )
            return redirect(after("signin_recovery_codes", request.path))
        devices.turn_off(request.user)
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("signin_two_factor")


@hooks.register("register_admin_urls")
def register_signin_urls():
    return [
        path("two-factor/", TwoFactorView.as_view(), name="signin_two_factor"),
        path("two-factor/verify/", VerifyView.as_view(), name="signin_verify"),
        path("two-factor/set-up/", EnrolView.as_view(), name="signin_enrol"),
        path(
            "two-factor/recovery-codes/",
            RecoveryCodesView.as_view(),
            name="signin_recovery_codes",
        ),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("signin_two_factor"),
        "label": "Two-factor sign-in",
        "help_text": "A code from an authenticator app after your password.",
    }
