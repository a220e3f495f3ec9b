"""Error answers outside the views: Django's 400, 403, 404 and 500 handlers, and the
refusals of the edge (`config.input_guard`).

Under /api/ every error is the API's one JSON body (`booking.api.errors`), also
when no API view answered: a path that matches no endpoint, a request Django
itself could not read. Elsewhere they are pages; the 400 and 500 pages stand
alone (no navigation, no database), so that they work whatever went wrong."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

from booking.api.errors import error_body

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def refusal(
    request, message: str, *, code: str = "bad_request", status: int = 400
) -> HttpResponse:
    """A 400 for a request that could not be accepted as sent, saying why. The
    message is Haven's own: nothing the client sent is repeated."""
    if is_api(request):
        return api_error(status, code, message)
    return HttpResponse(
        render_to_string("400.html", {"message": message}),
        status=status,
        content_type="text/html; charset=utf-8",
    )


def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig):
        return refusal(
            request,
            "The request is too large.",
            code="request_too_large",
            status=413,
        )
    return refusal(
        request,
        "The request could not be read: it may be too large or malformed.",
    )


def permission_denied(request, exception):
    if is_api(request):
        return api_error(
            403, "permission_denied", "You do not have permission to do this."
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return api_error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return api_error(
            500, "server_error", "Something went wrong on our side. Please try again."
        )
    return defaults.server_error(request)
