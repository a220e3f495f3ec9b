"""How many active bookings a client may hold (issue 22).

The database keeps one active booking per address among those that count
(`booking_one_active_per_email`). A client may hold more:

    allowed = CLIENT_ACTIVE_BOOKINGS_BASE
              + unused sessions of their live packages covering the service
              + their active bookings already paid from a package

A booking beyond the first is saved with `counts_toward_limit=False`, decided
here under the client's lock (`ledger.lock_client`), so two bookings racing for
the client's last allowance give one: the loser counts, and the index refuses it.
With the base above 1 the service, not the index, allows the extra places."""

from django.conf import settings

from booking.core.models import Booking
from booking.core.states import ACTIVE
from booking.products import ledger
from booking.products.models import CreditLine


def counts_toward_limit(booking: Booking) -> bool:
    """Whether `booking`, about to become active, takes the client's one place.
    Call inside the transaction that makes it active."""
    # A series' or course's later meetings are held under its first booking's
    # place (issue 23), so only first bookings are counted.
    active = Booking.objects.filter(
        client_email__iexact=booking.client_email.strip(),
        status__in=ACTIVE,
        parent__isnull=True,
    ).exclude(pk=booking.pk)
    if not active.filter(counts_toward_limit=True).exists():
        return True
    ledger.lock_client(booking.client_email)
    held = active.count()
    paid_from_package = (
        active.filter(credit_lines__kind=CreditLine.Kind.USE)
        .exclude(credit_lines__kind=CreditLine.Kind.RETURN)
        .distinct()
        .count()
    )
    unused = ledger.sessions_left(booking.client_email, service=booking.service)
    allowed = settings.CLIENT_ACTIVE_BOOKINGS_BASE + unused + paid_from_package
    return held >= allowed
