"""A client's waitlist entries in their data bundle, and their erasure: an entry
holds nothing the accounts need, so it is deleted whole."""

from booking.waitlist.models import WaitlistEntry

FIELDS = (
    "service",
    "consultant",
    "start",
    "client_name",
    "client_email",
    "client_time_zone",
    "status",
    "position",
    "offered_at",
    "offer_expires_at",
    "booking",
    "created_at",
)


def entries_of(email: str):
    return WaitlistEntry.objects.filter(client_email__iexact=email)


def bundle_rows(email: str) -> dict[str, list[dict]]:
    entries = entries_of(email).select_related("service", "consultant", "booking")
    return {
        "waitlist": [
            {
                "service": str(e.service),
                "consultant": str(e.consultant),
                "start": e.start,
                "client_name": e.client_name,
                "client_email": e.client_email,
                "client_time_zone": e.client_time_zone,
                "status": e.get_status_display(),
                "position": e.position,
                "offered_at": e.offered_at,
                "offer_expires_at": e.offer_expires_at,
                "booking": e.booking.reference if e.booking else "",
                "created_at": e.created_at,
            }
            for e in entries.order_by("pk")
        ]
    }


def held(email: str) -> bool:
    return entries_of(email).exists()


def forget(email: str) -> int:
    return entries_of(email).delete()[0]
