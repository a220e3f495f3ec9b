"""Whole-response caching of public content pages for anonymous visitors.

Only Wagtail pages are stored, and only when nothing personal can be in them: the
visitor is anonymous and has no session, and the response sets no cookie, did not
use the CSRF token, and is not marked private. Booking pages (manage links, status,
forms) are Django views that never pass through Wagtail's page serving, so they
are never stored.

Every stored page carries a generation number; publishing, unpublishing, moving
or deleting a page, and any booking or review change (consultant pages show free
slots and reviews), start a new generation, so visitors never see a page older
than the change (`cms/signals.py`). `PAGE_CACHE_SECONDS` bounds the rest (the
passage of time itself moves the next free slot). The cache is Django's default
one: Redis when `REDIS_URL` is set, shared by every app server (a Redis that is
down is a miss, not an error: config/cache.py), or local memory.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

GENERATION_KEY = "pagecache:generation"
MARK = "_haven_page_cacheable"


def mark_cacheable(request, page) -> None:
    """Called as Wagtail serves a page (`before_serve_page`). Pages behind a
    password or a login need no check here: only a visitor with a session can
    see them, and requests with a session are never stored or answered from the
    cache (without one, Wagtail answers with its password form or a redirect)."""
    setattr(request, MARK, True)


def new_generation() -> None:
    """Forget every stored page at once, on every app server."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def cache_key(request) -> str:
    address = hashlib.sha256(
        f"{request.get_host()}{request.get_full_path()}".encode()
    ).hexdigest()
    return f"pagecache:{generation()}:{address}"


def is_candidate(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        # A message waiting in a cookie is shown on the next page rendered.
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def is_storable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        getattr(request, MARK, False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_candidate(request):
            return self.get_response(request)
        key = cache_key(request)
        response = cache.get(key)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if is_storable(request, response):
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
