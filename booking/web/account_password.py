"""A client account's optional password (issue 21): add, change or remove it
from the account's page, and "Sign in with a password", a page of its own beside
the emailed link. The rules are booking.accounts.passwords'."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from booking.accounts import passwords, signin
from booking.core import ratelimit
from booking.core.errors import BookingError
from booking.web.account import sessions_page, signed_in, too_many
from booking.web.account_forms import (
    PasswordSignInForm,
    RemovePasswordForm,
    SetPasswordForm,
)


@never_cache
@sensitive_post_parameters("email", "password")
def sign_in_with_password(request):
    """The same answer for an unknown address, an account without a password
    and a wrong password; rate limited per IP and per address."""
    if signin.signed_in_account(request) is not None:
        return redirect("booking:account")
    form = PasswordSignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.allow(
            "account_password", ratelimit.client_ip(request), email.lower()
        ):
            return too_many(request, "account_password")
        try:
            account = passwords.authenticate(
                email=email, password=form.cleaned_data["password"]
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            signin.sign_in(request, account)
            messages.success(request, "You are signed in.")
            return redirect("booking:account")
    return TemplateResponse(
        request,
        "booking/account/password_sign_in.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@sensitive_post_parameters("current", "password", "again")
@signed_in
def set_password(request, account):
    form = SetPasswordForm(request.POST, has_password=account.has_password)
    if form.is_valid():
        try:
            account = passwords.set_password(
                account=account,
                password=form.cleaned_data["password"],
                current=form.cleaned_data.get("current", ""),
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            signin.sign_in(request, account)  # this browser stays signed in
            messages.success(
                request,
                "Your password is saved. Other devices signed in to your account "
                "are signed out.",
            )
            return redirect("booking:account")
    return sessions_page(request, account, status=400, password_form=form)


@require_POST
@sensitive_post_parameters("current")
@signed_in
def remove_password(request, account):
    form = RemovePasswordForm(request.POST)
    if form.is_valid():
        try:
            account = passwords.remove_password(
                account=account, current=form.cleaned_data["current"]
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            signin.sign_in(request, account)
            messages.success(
                request,
                "Your password is removed: sign in with an emailed link from now "
                "on. Other devices are signed out.",
            )
            return redirect("booking:account")
    return sessions_page(request, account, status=400, remove_password_form=form)
