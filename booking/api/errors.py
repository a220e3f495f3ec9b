"""One error body for every failure of the API:

    {"code": "slot_taken", "message": "Sorry, …", "fields": {"start": ["…"]}}

`code` is machine-readable, `message` a sentence for a person, `fields` (only when
the input was wrong) the problems per field. `exception_handler` (the
REST_FRAMEWORK setting) turns the booking domain's errors and DRF's own into it."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from booking.core.errors import (
    ActiveBookingExists,
    BookingError,
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
    SlotTaken,
    TokenError,
)
from booking.messaging.video import VideoNotSetUp
from booking.payments.provider import PaymentUnavailable
from booking.video.rooms import VideoUnavailable

BOOKING_ERROR_STATUS = [
    (InvalidBookingData, status.HTTP_400_BAD_REQUEST),
    (TokenError, status.HTTP_400_BAD_REQUEST),
    (NotPermitted, status.HTTP_403_FORBIDDEN),
    (SlotTaken, status.HTTP_409_CONFLICT),
    (ActiveBookingExists, status.HTTP_409_CONFLICT),
    (InvalidTransition, status.HTTP_409_CONFLICT),
    (PaymentUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (VideoUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (VideoNotSetUp, status.HTTP_503_SERVICE_UNAVAILABLE),
]

DRF_ERROR_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def booking_error_status(error: BookingError) -> int:
    for error_class, status_code in BOOKING_ERROR_STATUS:
        if isinstance(error, error_class):
            return status_code
    return status.HTTP_409_CONFLICT


def exception_handler(exc, context):
    if isinstance(exc, BookingError):
        return Response(
            error_body(exc.code, exc.message), status=booking_error_status(exc)
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling and logging
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response.data = _body_for(exc)
    return response


def _body_for(exc: exceptions.APIException) -> dict:
    code = next(
        (code for cls, code in DRF_ERROR_CODES.items() if isinstance(exc, cls)),
        "error",
    )
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc.detail)
    if isinstance(exc, exceptions.Throttled):
        return error_body(
            code,
            f"Too many requests. Please try again in {exc.wait or 1:.0f} seconds.",
        )
    return error_body(code, _text(exc.detail))


def _validation_body(detail) -> dict:
    if not isinstance(detail, dict):
        return error_body("validation_error", _text(detail))
    fields = {name: _messages(value) for name, value in detail.items()}
    general = fields.pop("non_field_errors", None)
    message = " ".join(general) if general else "Please correct the fields listed."
    return error_body("validation_error", message, fields or None)


def _messages(value) -> list[str]:
    """A field's messages as a flat list of sentences (nested serializers and
    lists are flattened with the position or key in front)."""
    if isinstance(value, dict):
        return [
            f"{key}: {message}"
            for key, inner in value.items()
            for message in _messages(inner)
        ]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _text(detail) -> str:
    return " ".join(_messages(detail))


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return exc.messages
