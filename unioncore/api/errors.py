"""One error format for every endpoint: `{"error": {"code", "message", "fields"?}}`.

A service's RuleViolation becomes an HTTP status by its code (one table, below); DRF's own
exceptions and Django's 404 are rewritten into the same shape."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from unioncore.errors import RuleViolation

# RuleViolation code → HTTP status. Codes not listed (and not matched by a prefix below) are 400.
STATUS_BY_CODE: dict[str, int] = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "not_allowed": status.HTTP_403_FORBIDDEN,
    "wrong_status": status.HTTP_409_CONFLICT,
    "verified_locked": status.HTTP_409_CONFLICT,
    "worker_edit_locked": status.HTTP_409_CONFLICT,
    "sync_conflict_open": status.HTTP_409_CONFLICT,
    "not_in_conflict": status.HTTP_409_CONFLICT,
    "request_full": status.HTTP_409_CONFLICT,
    "no_show": status.HTTP_409_CONFLICT,
    "eject_window_closed": status.HTTP_409_CONFLICT,
    "short_shift_unconfirmed": status.HTTP_409_CONFLICT,
    "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "too_many_attempts": status.HTTP_429_TOO_MANY_REQUESTS,
}
STATUS_BY_PREFIX: dict[str, int] = {
    "already_": status.HTTP_409_CONFLICT,
    "overlaps_": status.HTTP_409_CONFLICT,
}


def status_for(code: str) -> int:
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    for prefix, http_status in STATUS_BY_PREFIX.items():
        if code.startswith(prefix):
            return http_status
    return status.HTTP_400_BAD_REQUEST


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def rule_violation_response(violation: RuleViolation) -> Response:
    return Response(error_body(violation.code, violation.message, violation.fields), status=status_for(violation.code))


def _flatten(detail) -> dict | list | str:
    """DRF's nested ErrorDetail lists → plain field: message (lists joined)."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return " ".join(str(item) for item in detail)
        return [_flatten(item) for item in detail]
    return str(detail)


DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "not_allowed",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
}


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return rule_violation_response(exc)
    if isinstance(exc, TransitionNotAllowed):
        # A state change a service did not foresee: the object's state forbids it (409), which is
        # what the caller needs to hear; the services check their states first, so this is rare.
        return Response(error_body("wrong_status", "This cannot be done in the current state."), status=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach Sentry
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, dict):
            fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
            message = detail.get("non_field_errors") or "Some fields are not valid."
        else:
            fields, message = {}, detail if isinstance(detail, str) else " ".join(map(str, detail))
        response.data = error_body("invalid", message, fields)
        return response
    code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), "error")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(detail))
    return response
