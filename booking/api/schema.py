"""The OpenAPI schema (drf-spectacular): every operation documents the error body
for the failures it can answer, so clients and schemathesis can rely on it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from booking.api.serializers import ErrorSerializer

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}


def only_api_v1(endpoints, **kwargs):
    """Document Haven's own API; Wagtail's content API (/api/v2/) has its own."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


class HavenAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            responses.setdefault(
                code, self._get_response_for_code(ErrorSerializer, code)
            )
        responses["429"]["headers"] = RETRY_AFTER
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["409", "415"]
        if not all(
            isinstance(permission, AllowAny)
            for permission in self.view.get_permissions()
        ):
            codes += ["401", "403"]
        codes += getattr(self.view, "extra_error_codes", [])
        return sorted(codes)


class WagtailTokenScheme(OpenApiAuthenticationExtension):
    target_class = "booking.api.authentication.WagtailTokenAuthentication"
    name = "wagtailToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A Wagtail API token (Settings → API tokens).",
        }
