"""Fixed-window limits on the public booking forms, kept in the cache (Redis when
REDIS_URL is set, so every app server shares the counts)."""

import hashlib
import time

from django.conf import settings
from django.core import checks
from django.core.cache import cache

# action -> (requests allowed, window in seconds), per IP and per email address.
DEFAULT_LIMITS = {
    "create": (10, 3600),
    "verify": (20, 3600),
    "lookup": (5, 3600),
    "manage": (30, 3600),
    # The admin's sign-in form (config/admin_login.py).
    "admin_login": (10, 900),
    "admin_login_address": (50, 900),
    # The second step of the admin's sign-in (booking/signin/), per account.
    "admin_second_factor": (5, 900),
    "admin_second_factor_address": (30, 900),
    # Applying to join the practice (/join/), and accepting an invitation.
    "apply": (5, 3600),
    "invitation": (20, 3600),
    # A client's sign-in link: asking for one (per IP and address), following one.
    "account_sign_in": (5, 3600),
    "account_link": (20, 3600),
    # Signing in with a client account's optional password, per IP and address.
    "account_password": (10, 900),
    # A signed-in client's comments on the stream, and reports of comments.
    "stream_comment": (10, 3600),
    "stream_report": (20, 3600),
}


def check_limits(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: BOOKING_RATE_LIMITS names only limits that exist, so a typo
    in the environment is an error at start-up, not a limit silently unchanged."""
    unknown = sorted(
        set(getattr(settings, "BOOKING_RATE_LIMITS", {})) - set(DEFAULT_LIMITS)
    )
    if not unknown:
        return []
    return [
        checks.Error(
            f"BOOKING_RATE_LIMITS names unknown limits: {', '.join(unknown)}.",
            hint="Known: " + ", ".join(sorted(DEFAULT_LIMITS)) + ".",
            id="booking.E001",
        )
    ]


def limit_for(action: str) -> tuple[int, int]:
    return (
        getattr(settings, "BOOKING_RATE_LIMITS", {}).get(action)
        or DEFAULT_LIMITS[action]
    )


def allow(action: str, *identities: str) -> bool:
    """Count one request for each identity (an IP, an email); False when any of
    them is over its limit. Identities are hashed, so no address sits in the cache."""
    allowed, window = limit_for(action)
    bucket = int(time.time() // window)
    within = True
    for identity in filter(None, identities):
        digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
        key = f"ratelimit:{action}:{bucket}:{digest}"
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        within = within and count <= allowed
    return within


def client_ip(request) -> str:
    """The client's address. Behind one trusted proxy (TRUST_X_FORWARDED_FOR on),
    the last X-Forwarded-For entry: the one that proxy appended. Earlier entries
    are whatever the client sent, so trusting them would let anyone pick a new
    address for every request."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
