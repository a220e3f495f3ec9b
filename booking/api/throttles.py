"""Request limits for the API, counted in Django's cache (shared through Redis when
REDIS_URL is set). Rates are the REST_FRAMEWORK setting's DEFAULT_THROTTLE_RATES,
read on each request so that they can be changed per environment and in tests.
Clients are told apart as the booking pages' own limits tell them apart
(`booking.ratelimit.client_ip`): DRF's default would trust any X-Forwarded-For a
client sends."""

import hashlib

from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from booking.accounts import api_tokens
from booking.api.authentication import WagtailTokenAuthentication
from booking.api.client_auth import ClientUser, bearer
from booking.core import ratelimit


class LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return ratelimit.client_ip(request)


class AnonThrottle(LiveRates, throttling.AnonRateThrottle):
    pass


class UserThrottle(LiveRates, throttling.UserRateThrottle):
    pass


class ScopedThrottle(LiveRates, throttling.SimpleRateThrottle):
    """Per client address, for one kind of request (`scope`): creating drafts,
    verifying, looking bookings up, using a manage link."""

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class EmailThrottle(ScopedThrottle):
    """Per email address in the request body as well, so that one address cannot
    be flooded from many networks. The address is hashed before it is a key.

    The body is DRF's `request.data`: parsed once, by the API's parser (which
    refuses what it cannot parse with a 400), and kept for the view. The address
    is not validated yet, so it is hashed as whatever text it is, even a lone
    surrogate that UTF-8 cannot encode (the edge, `config.input_guard`, refuses
    such bodies before any view; this key must not depend on it)."""

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        email = data.get("email") or data.get("client_email")
        if not isinstance(email, str) or not email.strip():
            return None
        text = email.strip().lower().encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(text).hexdigest()[:32]
        return self.cache_format % {"scope": f"{self.scope}-email", "ident": digest}


class CreateThrottle(ScopedThrottle):
    scope = "booking_create"


class CreateEmailThrottle(EmailThrottle):
    scope = "booking_create"


class VerifyThrottle(ScopedThrottle):
    scope = "verify"


class LookupThrottle(ScopedThrottle):
    scope = "lookup"


class LookupEmailThrottle(EmailThrottle):
    scope = "lookup"


class ManageThrottle(ScopedThrottle):
    scope = "manage"


class RoleThrottle(LiveRates, throttling.SimpleRateThrottle):
    """Requests per role over the whole API (issue 21), on top of each
    endpoint's own limits: anonymous callers per address (`role_anon`),
    signed-in clients per account (`role_client`), consultants and staff per
    user (`role_staff`). A client's access token is recognised on every
    endpoint, the public ones (which authenticate nobody) too, so a signed-in
    client is counted as one wherever they call."""

    def allow_request(self, request, view):
        self.scope, self.ident = role_of(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def role_of(request) -> tuple[str, str]:
    """(scope, identity) of the caller. Public views authenticate nobody, so a
    bearer token there is read here: a client's access token by its signature
    alone, a staff API token as the staff API reads it."""
    user = request.user
    if isinstance(user, ClientUser):
        return "role_client", f"account-{user.account.pk}"
    if user is not None and user.is_authenticated:
        return "role_staff", f"user-{user.pk}"
    raw = bearer(request)
    if raw:
        if (account_id := api_tokens.peek_account_id(raw)) is not None:
            return "role_client", f"account-{account_id}"
        try:
            found = WagtailTokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed:
            found = None
        if found is not None:
            return "role_staff", f"user-{found[0].pk}"
    return "role_anon", ratelimit.client_ip(request)
