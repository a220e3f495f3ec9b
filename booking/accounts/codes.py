"""The 6-digit code emailed beside a sign-in link, for a phone that opens mail
elsewhere: typed with the address on the device that asked.

A million codes are few, so the code is never a secret on its own: it lives on
its link's row (used up with it, expiring with it, signing in and nothing else),
only a digest keyed with SECRET_KEY and the link's key is kept (a copy of the
table alone cannot be searched for it), and each wrong code counts against every
live link of the address: CLIENT_SIGN_IN_CODE_ATTEMPTS wrong codes burn them."""

import hashlib
import hmac
import secrets

from django.conf import settings

LENGTH = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**LENGTH):0{LENGTH}d}"


def digest(key: str, code: str) -> str:
    message = f"sign-in code:{key}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def matches(code_hash: str, key: str, code: str) -> bool:
    """Compared in constant time; a link without a code matches nothing."""
    return bool(code_hash) and hmac.compare_digest(code_hash, digest(key, code))


def normalise(code) -> str | None:
    """The six digits of what was typed (spaces and dashes allowed, as an email
    shows "123 456"), or None when it cannot be a code."""
    if not isinstance(code, str) or len(code) > 20:
        return None
    code = "".join(code.split()).replace("-", "")
    return code if len(code) == LENGTH and code.isascii() and code.isdigit() else None


def attempts_allowed() -> int:
    return settings.CLIENT_SIGN_IN_CODE_ATTEMPTS


def shown(code: str) -> str:
    """As the email prints it: "123 456"."""
    return f"{code[:3]} {code[3:]}"
