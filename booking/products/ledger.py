"""The sessions ledger: balances are sums of lines, changed only here, each
change under the client's lock (`lock_client`), so two bookings racing for a
client's last session give one. Locks are taken consultant, booking, client."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from booking.core.errors import BookingError, InvalidBookingData, NotPermitted
from booking.core.models import Booking, Service
from booking.products import emails
from booking.products.catalogue import shares
from booking.products.models import (
    ClientLock,
    CreditLine,
    Entitlement,
    Package,
    Purchase,
)

Kind = CreditLine.Kind


class NoSessionsLeft(BookingError):
    code = "no_sessions_left"


def lock_client(email: str) -> None:
    """Serialise every change to one client's sessions and active bookings."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            ClientLock.objects.get_or_create(email=email)
    except IntegrityError:
        pass  # made meanwhile by another transaction: lock that one
    ClientLock.objects.select_for_update().filter(email=email).exists()


def entitlements_of(email: str):
    return Entitlement.objects.filter(client_email__iexact=email.strip())


def live(email: str, *, service: Service | None = None, now=None):
    """The client's unexpired entitlements (covering `service`), soonest first."""
    found = entitlements_of(email).filter(expires_at__gt=now or timezone.now())
    if service is not None:
        found = found.filter(package__services=service).filter(
            Q(service=None) | Q(service=service)
        )
    return found.order_by("expires_at", "pk")


def with_balances(entitlements) -> list[Entitlement]:
    """The entitlements, each with `left` (its balance) read in one query."""
    rows = list(entitlements.annotate(left=Sum("lines__sessions")))
    for row in rows:
        row.left = row.left or 0
    return rows


def sessions_left(email: str, *, service: Service | None = None, now=None) -> int:
    return sum(row.left for row in with_balances(live(email, service=service, now=now)))


def write_line(entitlement, kind, sessions, *, key, reason, booking=None, actor=None):
    """One ledger line, once per `key`; None when the key was written before."""
    line, created = CreditLine.objects.get_or_create(
        key=key,
        defaults={
            "entitlement": entitlement,
            "kind": kind,
            "sessions": sessions,
            "reason": reason[:255],
            "booking": booking,
            "created_by": actor,
        },
    )
    return line if created else None


def grant_purchase(purchase: Purchase) -> Entitlement:
    """The paid purchase's entitlement and its purchase line (inside the caller's
    transaction, the purchase locked); a second call returns the first's. A
    bundle gives one entitlement of one session per service (the first is
    returned), each worth its share of the price (`catalogue.shares`)."""
    existing = Entitlement.objects.filter(purchase=purchase).order_by("pk").first()
    if existing is not None:
        return existing
    lock_client(purchase.client_email)
    package = purchase.package
    expires_at = purchase.paid_at + timedelta(days=package.validity_days)
    if package.kind == Package.Kind.BUNDLE:
        parts = [(service, 1, value) for service, value in shares(package)]
        if not parts:
            raise InvalidBookingData(f"The bundle “{package}” holds no services.")
    else:
        parts = [(None, package.sessions, purchase.amount)]
    made = []
    for service, sessions, value in parts:
        entitlement = Entitlement.objects.create(
            package=package,
            purchase=purchase,
            service=service,
            client_email=purchase.client_email,
            sessions_total=sessions,
            value=value,
            expires_at=expires_at,
        )
        suffix = f":{service.pk}" if service else ""
        write_line(
            entitlement,
            Kind.PURCHASE,
            sessions,
            key=f"purchase:{purchase.pk}{suffix}",
            reason=f"Bought {package} ({purchase.amount} {purchase.currency})",
        )
        made.append(entitlement)
    emails.queue(made[0], "package_receipt")
    return made[0]


@transaction.atomic
def grant_promotion(
    *, actor, email: str, package: Package, sessions: int, reason: str
) -> Entitlement:
    """A booking admin gives a client sessions of a package, with a reason."""
    if not actor.has_perm("booking.add_entitlement"):
        raise NotPermitted("You do not have permission to grant package sessions.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidBookingData("Say why the sessions are granted.")
    if not 1 <= sessions <= 100:
        raise InvalidBookingData("Grant between 1 and 100 sessions.")
    email = email.strip().lower()
    lock_client(email)
    entitlement = Entitlement.objects.create(
        package=package,
        client_email=email,
        sessions_total=sessions,
        expires_at=timezone.now() + timedelta(days=package.validity_days),
    )
    write_line(
        entitlement,
        Kind.PROMOTION,
        sessions,
        key=f"promotion:{entitlement.pk}",
        reason=reason,
        actor=actor,
    )
    emails.queue(entitlement, "package_receipt")
    return entitlement


def use_session(booking: Booking) -> Entitlement:
    """Take one session for `booking` from the client's entitlement covering its
    service that expires soonest (inside the caller's transaction, booking
    locked). Refused, changing nothing, when none is left."""
    lock_client(booking.client_email)
    for entitlement in with_balances(
        live(booking.client_email, service=booking.service)
    ):
        if entitlement.left > 0 and entitlement.package.currency == booking.currency:
            write_line(
                entitlement,
                Kind.USE,
                -1,
                key=f"use:{booking.pk}",
                reason=f"Booking {booking.reference}",
                booking=booking,
            )
            emails.queue(entitlement, "sessions_left", occurrence=str(booking.pk))
            return entitlement
    raise NoSessionsLeft(
        f"You have no package sessions left for “{booking.service}”. Please pay "
        "by card instead."
    )


def return_session(booking: Booking, *, reason: str) -> CreditLine | None:
    """Give the session `booking` used back to its entitlement (a cancellation
    within the policy), once. Nothing goes back to an expired entitlement."""
    used = CreditLine.objects.filter(booking=booking, kind=Kind.USE).first()
    if used is None:
        return None
    lock_client(booking.client_email)
    if used.entitlement.expires_at <= timezone.now():
        return None
    return write_line(
        used.entitlement,
        Kind.RETURN,
        1,
        key=f"return:{booking.pk}",
        reason=reason,
        booking=booking,
    )


def expire_due(*, now=None) -> int:
    """Write the expiry line of each entitlement past its date with sessions
    left: once (its key names the entitlement), however often this runs."""
    now = now or timezone.now()
    done = 0
    due = Entitlement.objects.filter(expires_at__lte=now).exclude(
        lines__kind=Kind.EXPIRY
    )
    for entitlement in due[:500]:
        with transaction.atomic():
            lock_client(entitlement.client_email)
            left = entitlement.balance
            if left > 0 and write_line(
                entitlement,
                Kind.EXPIRY,
                -left,
                key=f"expiry:{entitlement.pk}",
                reason=f"{left} unused session(s) expired",
            ):
                emails.queue(entitlement, "package_expired")
                done += 1
    return done


def warn_expiring(*, now=None, days: int | None = None) -> int:
    """The expiry warning, once per entitlement, to clients with sessions left
    on an entitlement that expires within `days`."""
    now = now or timezone.now()
    days = days or settings.PACKAGE_EXPIRY_WARNING_DAYS
    soon = Entitlement.objects.filter(
        expires_at__gt=now, expires_at__lte=now + timedelta(days=days)
    ).exclude(Q(emails__kind="package_expiry_warning") | Q(anonymised_at__isnull=False))
    # A membership's period ends every month or year: its own emails say so.
    soon = soon.exclude(membership_period__isnull=False)
    sent = 0
    for entitlement in with_balances(soon):
        if entitlement.left > 0:
            with transaction.atomic():
                sent += bool(emails.queue(entitlement, "package_expiry_warning"))
    return sent
