"""The views serving the OpenAPI schema and its docs (drf-spectacular's), with
errors in the API's one body. Apart from `schema`, which REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS imports while DRF loads: these views import DRF's views."""

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class JSONErrors:
    """Errors as the API's JSON body. DRF renders an error with the renderer it
    negotiated, or else the view's first: the schema's YAML, the docs' HTML."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JSONErrors, SpectacularAPIView):
    """Haven's API has one version, in its path (/api/v1/), so `?version=` is not
    read: drf-spectacular wrote whatever it was, unchecked, into the schema."""

    def _get_version_parameter(self, request):
        return None


class SwaggerView(JSONErrors, SpectacularSwaggerSplitView):
    pass


class RedocView(JSONErrors, SpectacularRedocView):
    pass
