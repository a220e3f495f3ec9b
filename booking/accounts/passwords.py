"""A client account's optional password (issue 21): added, changed or removed
from the account's page, checked with Django's hashers and validators. Setting
or removing one signs the account out everywhere (the caller signs the current
browser back in). Signing in with it answers the same, in about the same time,
for an unknown address, an account without a password and a wrong password."""

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.accounts.services import AccountError, normalize_email

WRONG = "That email address and password do not match an account with a password."


def _check_current(account: ClientAccount, current: str) -> None:
    if account.has_password and not check_password(current or "", account.password):
        raise AccountError("Your current password is not right.")


@transaction.atomic
def set_password(*, account: ClientAccount, password: str, current: str = ""):
    """Add a password, or change it (the current one is asked for). Every other
    browser signed in to the account is signed out."""
    account = ClientAccount.objects.select_for_update().get(pk=account.pk)
    _check_current(account, current)
    try:
        validate_password(password, user=account)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    account.password = make_password(password)
    account.save(update_fields=["password"])
    return _sign_out_elsewhere(account)


@transaction.atomic
def remove_password(*, account: ClientAccount, current: str):
    """Back to emailed links only; the current password is asked for."""
    account = ClientAccount.objects.select_for_update().get(pk=account.pk)
    if not account.has_password:
        raise AccountError("Your account has no password to remove.")
    _check_current(account, current)
    account.password = ""
    account.save(update_fields=["password"])
    return _sign_out_elsewhere(account)


def _sign_out_elsewhere(account: ClientAccount) -> ClientAccount:
    ClientAccount.objects.filter(pk=account.pk).update(
        session_epoch=F("session_epoch") + 1
    )
    account.refresh_from_db(fields=["session_epoch"])
    return account


def authenticate(*, email: str, password: str) -> ClientAccount:
    """The account `email` and `password` sign in to, or an AccountError that
    says the same for every reason. An address without a password still runs
    the hasher once, so the answer takes about as long."""
    try:
        email = normalize_email(email)
    except AccountError:
        email = ""
    account = ClientAccount.objects.filter(email=email).first() if email else None
    if account is None or not account.has_password:
        make_password(password)  # the same work as checking one
        raise AccountError(WRONG)

    def upgrade(raw):
        account.password = make_password(raw)
        account.save(update_fields=["password"])

    if not check_password(password, account.password, setter=upgrade):
        raise AccountError(WRONG)
    account.last_signed_in_at = timezone.now()
    account.save(update_fields=["last_signed_in_at"])
    return account
