"""Where a consultant's public profile page is, for the admin's "My practice" link
to it. Pages belong to `cms`, which `booking` never imports: `cms` registers how
to find a consultant's page (`set_profile_finder`, called from its AppConfig)."""

from collections.abc import Callable

# The consultant's profile page (a Wagtail page), or None without one.
_finder: Callable[[object], object | None] | None = None


def set_profile_finder(finder: Callable[[object], object | None]) -> None:
    global _finder
    _finder = finder


def profile_page(consultant):
    """The consultant's profile page, or None (no page yet, or no `cms`)."""
    return _finder(consultant) if _finder else None
