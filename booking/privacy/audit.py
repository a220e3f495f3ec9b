"""The access audit (issue 12): who opened, exported or imported clients'
personal data, and when. Superusers read it in the admin (Settings → Access log).

Kept apart from the data requests so that everything that touches personal data
(the booking pages, exports, imports, the API) can record access without
importing the data-request machinery."""

import ipaddress

from django.db import models

from booking.core.models import Booking
from booking.core.ratelimit import client_ip
from booking.core.redaction import redact
from booking.privacy.models import AccessLogEntry

Action = AccessLogEntry.Action

# Who acted, for the access log and a booking's history, when a signed-in client
# exported or erased their own data from their account (no staff login).
CLIENT_THEMSELF = "the client themself"


def record_access(
    *, user, action: str, target, request=None, by: str = ""
) -> AccessLogEntry:
    """Write one access-log line: `user` (None for the system) did `action` (an
    `AccessLogEntry.Action`, e.g. "viewed", "exported", "imported") to `target`,
    a booking or other model instance, or a short text made of references and
    counts. Email addresses in the text are masked all the same; names must
    never be passed. `request` adds the address it came from; `by` names who
    acted when no staff login did (e.g. `CLIENT_THEMSELF`)."""
    signed_in = user is not None and user.is_authenticated
    return AccessLogEntry.objects.create(
        user=user if signed_in else None,
        username=user.get_username() if signed_in else by,
        action=Action(action),
        target=redact(describe(target))[:500],
        ip_address=_ip_address(request),
    )


def describe(target) -> str:
    if isinstance(target, Booking):
        return f"booking {target.reference}"
    if isinstance(target, models.Model):
        return f"{target._meta.verbose_name} #{target.pk}"
    return str(target)


def _ip_address(request) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None
