"""A client's account and the one-time links that sign them in."""

from django.db import models
from django.db.models.functions import Lower

from booking.core.models import validate_time_zone


class ClientAccount(models.Model):
    """A client who has proven their address by following a sign-in link. Their
    bookings are those made with the address (`client_email`, any case)."""

    email = models.EmailField(max_length=254, help_text="Kept in lower case.")
    name = models.CharField(max_length=120, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Times on the account's pages are shown in it.",
    )
    clock = models.PositiveSmallIntegerField(
        choices=[(24, "24-hour (14:30)"), (12, "12-hour (2:30 pm)")],
        default=24,
        help_text="The clock every time on the account's pages and in emails uses.",
    )
    remind_24h = models.BooleanField("email me a reminder the day before", default=True)
    remind_30m = models.BooleanField(
        "email me a reminder 30 minutes before", default=True
    )
    # Optional: a Django password hash, or "" for an account that signs in by
    # emailed link only.
    password = models.CharField(max_length=128, blank=True, editable=False)
    # The client's one Stripe Customer (cus_…), made when they first pay signed in
    # and reused by every Checkout Session, so Stripe offers their saved card.
    stripe_customer_id = models.CharField(max_length=255, blank=True, editable=False)
    # Every browser session remembers the epoch it signed in under; "sign out
    # everywhere" moves it on, and every older session stops working.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="client_account_email_ci")
        ]

    def __str__(self):
        return self.email

    @property
    def has_password(self) -> bool:
        return bool(self.password)


def preferences_for(email: str) -> ClientAccount | None:
    """The account of `email` (any case), for what its owner chose: time zone,
    clock, reminders. None for a guest."""
    return ClientAccount.objects.filter(email__iexact=(email or "").strip()).first()


class SignInLink(models.Model):
    """One emailed sign-in link. Only the digest of its secret is kept; it works
    once, for a short time, and only for signing in (a booking's link is another
    table and cannot be used here, nor this one there)."""

    email = models.EmailField(max_length=254)
    key = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The 6-digit code emailed beside the link (booking.accounts.codes): only a
    # keyed digest, and the wrong codes tried against it (too many burn it).
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["expires_at"]),
            models.Index(fields=["email"], name="sign_in_link_email"),
        ]

    def __str__(self):
        return f"sign-in link {self.key}"


class ClientRefreshToken(models.Model):
    """One refresh token of the JSON API (booking.accounts.api_tokens): only its
    id (the JWT's `jti`) is kept, never the token. It is used up when it is
    exchanged for the next one (rotation), revoked on signing out, and gone with
    the account."""

    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="refresh_tokens"
    )
    jti = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set when it was exchanged for a new pair or signed out: never valid again.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return f"refresh token {self.jti}"
