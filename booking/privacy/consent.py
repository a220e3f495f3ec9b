"""Consent: `create_draft` stores when the client accepted the privacy policy and
which version, the live revision of the policy page. `booking` does not know
pages, so `cms` tells it where the policy is (`set_policy_source`, called from
its AppConfig). With no policy page set up, consent keeps its time only."""

from collections.abc import Callable

from django.utils import timezone
from wagtail.models import Revision

_policy_source: Callable[[], Revision | None] | None = None


def set_policy_source(source: Callable[[], Revision | None]) -> None:
    """`source()` returns the privacy policy's current (live) revision, or None
    when there is no policy page. `cms` registers it when the apps load."""
    global _policy_source
    _policy_source = source


def current_policy() -> Revision | None:
    return _policy_source() if _policy_source else None


def consent_fields() -> dict:
    """What a booking records when the client accepts the privacy policy."""
    return {"consent_at": timezone.now(), "consent_policy": current_policy()}
