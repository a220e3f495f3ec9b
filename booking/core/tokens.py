"""Links emailed to a client: bound to one booking and one purpose, expiring,
single-use. The database keeps only a SHA-256 of each secret."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booking.core.errors import TokenError, TokenExpired, TokenUsed
from booking.core.models import Booking, BookingToken

Purpose = BookingToken.Purpose

DEFAULT_LIFETIMES = {
    Purpose.VERIFY: timedelta(hours=24),
    Purpose.MANAGE: timedelta(days=7),
    Purpose.CANCEL: timedelta(days=7),
}


# Both parts of a token are URL-safe base64 (`secrets.token_urlsafe`); a key fits
# its column.
RAW_TOKEN = re.compile(r"([A-Za-z0-9_-]{1,24})\.([A-Za-z0-9_-]{1,128})")


def split_token(raw) -> tuple[str, str] | None:
    """The key and secret of a link's raw token (`key.secret`), or None when `raw`
    cannot be a token at all. Anything else, NUL or any character outside the
    alphabet, is refused here, before the database (which could not even
    compare a NUL) or an encoder sees it."""
    match = RAW_TOKEN.fullmatch(raw) if isinstance(raw, str) else None
    return (match[1], match[2]) if match else None


def lifetime(purpose: str) -> timedelta:
    hours = getattr(settings, "BOOKING_TOKEN_HOURS", {}).get(purpose)
    return timedelta(hours=hours) if hours else DEFAULT_LIFETIMES[purpose]


def digest(secret: str) -> str:
    """What the database keeps of a secret (other links hashed alike use it)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key_and_secret() -> tuple[str, str]:
    """A fresh link's key (looked up) and secret (only its digest is kept)."""
    return secrets.token_urlsafe(12), secrets.token_urlsafe(24)


def secret_matches(secret_hash: str, secret: str) -> bool:
    """Compare in constant time, so a guess learns nothing from the timing."""
    return hmac.compare_digest(secret_hash, digest(secret))


def issue_token(*, booking: Booking, purpose: str) -> str:
    """Create a link token and return the only copy of its raw form."""
    key, secret = new_key_and_secret()
    BookingToken.objects.create(
        booking=booking,
        purpose=purpose,
        key=key,
        secret_hash=digest(secret),
        expires_at=timezone.now() + lifetime(purpose),
    )
    return f"{key}.{secret}"


def check_token(raw: str, *, purpose: str, lock: bool = False) -> BookingToken:
    """The token for `raw` if it is genuine, of this purpose, unexpired and unused;
    otherwise a TokenError saying which of those failed."""
    parts = split_token(raw)
    tokens = BookingToken.objects.select_related("booking")
    if lock:
        tokens = tokens.select_for_update()
    key, secret = parts or ("", "")
    token = tokens.filter(key=key).first() if parts else None
    if token is None or not secret_matches(token.secret_hash, secret):
        raise TokenError(
            "This link is not valid. Check that you copied the whole link from the "
            "email, or ask for a new one."
        )
    if token.purpose != purpose:
        raise TokenError(
            f"This link is for “{token.get_purpose_display()}”, not for "
            f"“{Purpose(purpose).label}”."
        )
    if token.used_at is not None:
        raise TokenUsed("This link has already been used. Ask for a new one.")
    if token.expires_at <= timezone.now():
        raise TokenExpired("This link has expired. Ask for a new one.")
    return token


def consume_token(raw: str, *, purpose: str) -> Booking:
    """Check the token and mark it used, in the caller's transaction so that a
    failed action leaves the link usable."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("consume_token must run inside transaction.atomic()")
    token = check_token(raw, purpose=purpose, lock=True)
    token.used_at = timezone.now()
    token.save(update_fields=["used_at"])
    return token.booking
