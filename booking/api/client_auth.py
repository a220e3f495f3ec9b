"""A signed-in client authenticates with the access token of a JWT pair
(booking.accounts.api_tokens): `Authorization: Bearer <access token>`. A client
is not a Django user: `request.user` is a ClientUser carrying the account, and
nothing that needs a user (the staff API, Wagtail) accepts one."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from booking.accounts import api_tokens
from booking.accounts.models import ClientAccount
from booking.core.errors import TokenError


class ClientUser:
    """The signed-in client as `request.user`: authenticated, never staff, and
    with no user id that could be mistaken for a staff user's."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, account: ClientAccount):
        self.account = account

    def __str__(self):
        return self.account.email


def bearer(request) -> str | None:
    parts = authentication.get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != b"bearer":
        return None
    try:
        return parts[1].decode("ascii")
    except UnicodeError:
        return ""


class ClientJWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = bearer(request)
        if raw is None:
            if authentication.get_authorization_header(request):
                raise exceptions.AuthenticationFailed(
                    "Send the access token as “Authorization: Bearer <token>”."
                )
            return None
        try:
            account = api_tokens.account_for_access(raw)
        except TokenError as error:
            raise exceptions.AuthenticationFailed(error.message) from error
        return ClientUser(account), raw

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class IsClient(BasePermission):
    message = "Sign in first: send a client access token."

    def has_permission(self, request, view):
        return isinstance(request.user, ClientUser)


class ClientJWTScheme(OpenApiAuthenticationExtension):
    target_class = "booking.api.client_auth.ClientJWTAuthentication"
    name = "clientJWT"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A signed-in client's access token "
            "(POST /api/v1/auth/token/).",
        }
