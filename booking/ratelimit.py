"""Fixed-window limits on the public booking forms, kept in the cache (Redis when
REDIS_URL is set, so every app server shares the counts)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

# action -> (requests allowed, window in seconds), per IP and per email address.
DEFAULT_LIMITS = {
    "create": (10, 3600),
    "verify": (20, 3600),
    "lookup": (5, 3600),
    "manage": (30, 3600),
}


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
    """The client's address; behind a proxy, the first X-Forwarded-For hop when
    TRUST_X_FORWARDED_FOR is on (only there can it not be forged)."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")
