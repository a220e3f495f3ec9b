"""Staff authenticate with Wagtail's own API tokens (Settings → API tokens in the
admin, or `manage.py api_tokens create`): `Authorization: Bearer wagtail_…`. The
token acts as its user, with exactly that user's permissions."""

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from wagtail.models import APIToken


class WagtailTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”."
            )
        try:
            raw = parts[1].decode()
        except UnicodeError:
            raw = ""
        token = self._token(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "This API token is not valid or has been revoked. Ask an "
                "administrator for a new one (Settings → API tokens)."
            )
        self._touch(token)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'

    def _token(self, raw: str) -> APIToken | None:
        if not APIToken.validate_token_format(raw):
            return None
        return (
            APIToken.objects.select_related("user")
            .filter(
                key_hash__in=APIToken.candidate_key_hashes(raw),
                revoked_at__isnull=True,
            )
            .first()
        )

    def _touch(self, token: APIToken) -> None:
        """Record use at most once a minute (Wagtail's own setting), as Wagtail's
        token screen shows "last used"."""
        interval = getattr(settings, "WAGTAILAPI_TOKEN_LAST_USED_INTERVAL", 60)
        now = timezone.now()
        if interval is not None and (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() >= interval
        ):
            APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
