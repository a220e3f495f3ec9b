"""The team's public pages: "Apply to join" (/join/), and the page an invited
consultant opens from their email to choose a username and password. Every
rule lives in `booking.team.services`; these translate its errors into pages."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from booking.core import ratelimit
from booking.core.errors import BookingError, TokenError, TokenExpired, TokenUsed
from booking.team import services
from booking.team.models import Application
from booking.web.forms import HoneypotMixin, TickedBox

Field = Application._meta.get_field


class JoinForm(HoneypotMixin):
    name = forms.CharField(label="Your name", max_length=Field("name").max_length)
    email = forms.EmailField(label="Email", max_length=254)
    qualifications = forms.CharField(
        label="Qualifications and memberships",
        max_length=Field("qualifications").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, e.g. MBACP (Accred), PG Dip Counselling.",
    )
    specialisations = forms.CharField(
        label="Specialisations",
        max_length=Field("specialisations").max_length,
        help_text="Separated by commas, e.g. anxiety, grief, couples.",
    )
    statement = forms.CharField(
        label="A short statement: why this practice?",
        max_length=Field("statement").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    consent = forms.BooleanField(
        widget=TickedBox,
        label="I have read the privacy policy and agree that the practice keeps "
        "these details to consider my application.",
        error_messages={"required": "Please accept the privacy policy to apply."},
    )


@never_cache
@sensitive_post_parameters("name", "email", "qualifications", "statement")
def join(request):
    if request.method != "POST":
        return _join_page(request, JoinForm())
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _join_page(request, form, status=400)
    data = form.cleaned_data
    if not ratelimit.allow("apply", ratelimit.client_ip(request), data["email"]):
        response = TemplateResponse(request, "booking/rate_limited.html", status=429)
        response["Retry-After"] = str(ratelimit.limit_for("apply")[1])
        return response
    _, created = services.apply(
        name=data["name"],
        email=data["email"],
        qualifications=data["qualifications"],
        specialisations=data["specialisations"],
        statement=data["statement"],
    )
    request.session["team_applied"] = "new" if created else "pending"
    return redirect("booking:join_thanks")


def _join_page(request, form, status=200):
    return TemplateResponse(
        request, "booking/team/join.html", {"form": form}, status=status
    )


def join_thanks(request):
    applied = request.session.pop("team_applied", None)
    if applied is None:
        return redirect("booking:join")
    return TemplateResponse(
        request, "booking/team/join_thanks.html", {"pending": applied == "pending"}
    )


class AccountForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only. Your email address works.",
        validators=[get_user_model().username_validator],
    )
    password1 = forms.CharField(
        label="Password", max_length=128, strip=False, widget=forms.PasswordInput
    )
    password2 = forms.CharField(
        label="Password again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput,
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            user = get_user_model()(username=data.get("username", ""), email=self.email)
            try:
                validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation(request, token):
    if not ratelimit.allow("invitation", ratelimit.client_ip(request)):
        response = TemplateResponse(request, "booking/rate_limited.html", status=429)
        response["Retry-After"] = str(ratelimit.limit_for("invitation")[1])
        return response
    try:
        found = services.check_invitation(token)
    except TokenError as error:
        return _unusable(request, error)
    if request.method != "POST":
        form = AccountForm(initial={"username": found.email}, email=found.email)
        return _invitation_page(request, found, form)
    form = AccountForm(request.POST, email=found.email)
    if not form.is_valid():
        return _invitation_page(request, found, form, status=400)
    try:
        user = services.accept_invitation(
            raw=token,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
        )
    except TokenError as error:
        return _unusable(request, error)
    except BookingError as error:
        form.add_error("username", error.message)
        return _invitation_page(request, found, form, status=400)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return redirect("wagtailadmin_home")


def _invitation_page(request, found, form, status=200):
    return TemplateResponse(
        request,
        "booking/team/invitation.html",
        {"invitation": found, "form": form},
        status=status,
    )


def _unusable(request, error: TokenError):
    """410 for a link that was real but is spent (used, withdrawn, expired); 404
    for one that never was."""
    status = 410 if isinstance(error, TokenUsed | TokenExpired) else 404
    return TemplateResponse(
        request, "booking/team/invitation_problem.html", {"error": error}, status=status
    )
