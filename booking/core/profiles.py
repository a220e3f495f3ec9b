"""A consultant's public profile page, as the booking domain asks for one: `cms`
owns pages, and `booking` never imports `cms`, so `cms` registers (from its
AppConfig) how to find a consultant's page (`set_profile_finder`, for the admin's
"My practice" link) and how to make a draft one (`set_profile_page_maker`, for
invitations), as it registers the practice's policy in `booking.core.practice`."""

from collections.abc import Callable

from booking.core.models import Consultant

# The consultant's profile page (a Wagtail page), or None without one.
_finder: Callable[[object], object | None] | None = None
_maker: Callable[..., object] | None = None


def set_profile_finder(finder: Callable[[object], object | None]) -> None:
    global _finder
    _finder = finder


def profile_page(consultant):
    """The consultant's profile page, or None (no page yet, or no `cms`)."""
    return _finder(consultant) if _finder else None


def set_profile_page_maker(maker: Callable[..., object]) -> None:
    """`maker(consultant, qualifications=..., specialisations=...)` creates an
    unpublished profile page for the consultant and returns it, or None when
    there is nowhere to put one (no consultant index page)."""
    global _maker
    _maker = maker


def can_make_profile_pages() -> bool:
    return _maker is not None


def make_profile_page(
    consultant: Consultant, *, qualifications: str = "", specialisations: str = ""
):
    """The new draft page, or None when no maker is registered or it made none."""
    if _maker is None:
        return None
    return _maker(
        consultant, qualifications=qualifications, specialisations=specialisations
    )
