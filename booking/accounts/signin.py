"""A signed-in client's browser session. Kept apart from Django's own login
(staff sign in to the admin with it), under keys of its own, with an expiry of
its own: the Django session is shared with a staff member signed in to the admin
in the same browser, so its expiry is never touched here."""

import time

from django.conf import settings

from booking.accounts.models import ClientAccount

ACCOUNT = "client_account"
EPOCH = "client_account_epoch"
EXPIRES = "client_account_expires"
KEYS = (ACCOUNT, EPOCH, EXPIRES)


def session_seconds() -> int:
    return settings.CLIENT_SESSION_HOURS * 3600


def sign_in(request, account: ClientAccount) -> None:
    """A new session key (so one planted before cannot ride along), bound to the
    account and its current epoch, expiring on its own (a Unix time kept with
    the client's keys; the session's own expiry stays the staff login's)."""
    request.session.cycle_key()
    request.session[ACCOUNT] = account.pk
    request.session[EPOCH] = account.session_epoch
    request.session[EXPIRES] = int(time.time()) + session_seconds()
    # The booking pages' time picker shows the clock the client chose.
    request.session["clock"] = account.clock


def signed_in_account(request) -> ClientAccount | None:
    """The account this browser is signed in to, or None. Cached on the request.
    A browser that never had a session cookie is answered without opening the
    session, so public pages stay cacheable for it."""
    if hasattr(request, "_client_account"):
        return request._client_account
    account = None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        pk = request.session.get(ACCOUNT)
        expires = request.session.get(EXPIRES)
        if pk is not None and not (isinstance(expires, int) and expires > time.time()):
            sign_out(request)
        elif pk is not None:
            account = ClientAccount.objects.filter(
                pk=pk, session_epoch=request.session.get(EPOCH)
            ).first()
            if account is None:
                sign_out(request)
    request._client_account = account
    return account


def sign_out(request) -> None:
    for key in KEYS:
        request.session.pop(key, None)
    request._client_account = None
