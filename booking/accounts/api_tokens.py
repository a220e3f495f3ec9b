"""JWTs for a separate frontend (issue 21): a signed-in client's access and
refresh tokens, made with djangorestframework-simplejwt's token classes.

A ClientAccount is not a Django user, so the tokens carry their own claims and
their own types, and no token of simplejwt's (or of anything else signed with
the same key) can pass for one:

    token_type      "client_access" / "client_refresh"
    client_account  the account's id (not simplejwt's `user_id`, which its
                    blacklist would look up among staff users)
    epoch           the account's session_epoch when it signed in: "sign out
                    everywhere" (and deleting the account) moves it on, and
                    every token of an older epoch stops working, as the
                    browser sessions do

Refresh tokens are single use and revocable: each refresh's id (`jti`) is a
ClientRefreshToken row, never the token itself (simplejwt's blacklist app
keeps whole tokens, which would make a copy of the table a set of working
credentials, and ties rows to staff users). Exchanging a refresh token revokes
it and gives a new pair (rotation: a refresh token lives 7 days from its last
use); signing out revokes it. Access tokens live 60 minutes and are not stored:
each request checks the account and its epoch."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import ExpiredTokenError
from rest_framework_simplejwt.exceptions import TokenError as JWTError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from booking.accounts import services
from booking.accounts.models import ClientAccount, ClientRefreshToken
from booking.core.errors import TokenError, TokenExpired, TokenUsed

ACCOUNT = "client_account"
EPOCH = "epoch"


class ClientAccess(AccessToken):
    token_type = "client_access"

    @property
    def lifetime(self) -> timedelta:
        return settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]


class ClientRefresh(RefreshToken):
    token_type = "client_refresh"
    access_token_class = ClientAccess

    @property
    def lifetime(self) -> timedelta:
        return settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]


def issue_pair(account: ClientAccount) -> dict:
    """A new access and refresh token for `account`; the refresh token's id is
    recorded. Refresh rows long expired are cleared on the way."""
    now = timezone.now()
    ClientRefreshToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    refresh = ClientRefresh()
    refresh[ACCOUNT] = account.pk
    refresh[EPOCH] = account.session_epoch
    ClientRefreshToken.objects.create(
        account=account,
        jti=refresh["jti"],
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    access = refresh.access_token
    return {
        "access": str(access),
        "refresh": str(refresh),
        "token_type": "Bearer",
        "access_expires_at": datetime_from_epoch(access["exp"]),
        "refresh_expires_at": datetime_from_epoch(refresh["exp"]),
    }


def _decoded(kind, raw, what: str):
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        raise TokenError(f"Send the {what} token you were given.")
    try:
        return kind(raw)
    except ExpiredTokenError as exc:
        raise TokenExpired(f"This {what} token has expired. Sign in again.") from exc
    except JWTError as exc:
        raise TokenError(f"This {what} token is not valid. Sign in again.") from exc


def account_for_access(raw: str) -> ClientAccount:
    """The account an access token signs in, or a TokenError: bad, expired, of
    another kind, or of an epoch the account has signed out of."""
    token = _decoded(ClientAccess, raw, "access")
    account = ClientAccount.objects.filter(
        pk=token.get(ACCOUNT), session_epoch=token.get(EPOCH)
    ).first()
    if account is None:
        raise TokenError("You have been signed out. Sign in again.")
    return account


def peek_account_id(raw: str) -> int | None:
    """The account id of a genuine, unexpired access token, without asking the
    database (for counting requests per role); None for anything else."""
    try:
        return ClientAccess(raw).get(ACCOUNT) if isinstance(raw, str) else None
    except JWTError:
        return None


@transaction.atomic
def rotate(raw: str) -> dict:
    """Use up a refresh token for a new pair. Refused when it is not genuine,
    has expired, was used or signed out already, or the account signed out
    everywhere since."""
    token = _decoded(ClientRefresh, raw, "refresh")
    row = _row(token)
    if row.revoked_at is not None:
        raise TokenUsed(
            "This refresh token has been used or signed out already. Sign in again."
        )
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    return issue_pair(row.account)


@transaction.atomic
def revoke(raw: str, *, everywhere: bool = False) -> ClientAccount:
    """Sign out: the refresh token stops working (its access token lives out its
    minutes unless `everywhere`, which signs out every browser and token of the
    account at once). Signing out twice is not an error."""
    row = _row(_decoded(ClientRefresh, raw, "refresh"))
    now = timezone.now()
    ClientRefreshToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    account = row.account
    if everywhere:
        services.sign_out_everywhere(account=account)
        account.refresh_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    return account


def _row(token) -> ClientRefreshToken:
    row = (
        ClientRefreshToken.objects.select_for_update()
        .select_related("account")
        .filter(jti=token.get("jti"), account_id=token.get(ACCOUNT))
        .first()
    )
    if row is None or row.account.session_epoch != token.get(EPOCH):
        raise TokenError("You have been signed out. Sign in again.")
    return row
