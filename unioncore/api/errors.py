"""One error format for every endpoint: `{"error": {"code", "message", "fields"?}}`.

A service's RuleViolation answers with its code's status (the domains' enums, decision 0047); DRF's own
exceptions and Django's 404 are rewritten into the same shape."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.module_loading import autodiscover_modules
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from unioncore.errors import CommonError, ErrorCode, RuleViolation


class ApiError(ErrorCode):
    """The codes the API's stack answers with around the services (DRF's exceptions, a sync
    batch's conflict); the services' own are in each domain's enum."""

    NOT_AUTHENTICATED = "not_authenticated", HTTPStatus.UNAUTHORIZED, "P2"
    AUTHENTICATION_FAILED = "authentication_failed", HTTPStatus.UNAUTHORIZED, "P3c"
    METHOD_NOT_ALLOWED = "method_not_allowed", HTTPStatus.METHOD_NOT_ALLOWED, "P21a"
    NOT_ACCEPTABLE = "not_acceptable", HTTPStatus.NOT_ACCEPTABLE, "P21a"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "P3e"
    PARSE_ERROR = "parse_error", HTTPStatus.BAD_REQUEST, "P3e"
    THROTTLED = "throttled", HTTPStatus.TOO_MANY_REQUESTS, "P3a"
    CONFLICT = "conflict", HTTPStatus.CONFLICT, "F47"
    ERROR = "error", HTTPStatus.INTERNAL_SERVER_ERROR, "P21"


def status_for(code: str) -> int:
    """The HTTP status of a code stored as text (an offline event's first answer)."""
    autodiscover_modules("errors")
    return ErrorCode.of(code).status


def error_body(code: ErrorCode | str, message: str, fields: dict | None = None) -> dict:
    """The body of every refusal; `code` is an enum member, or the text of one stored earlier."""
    error = {"code": str(code), "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def rule_violation_response(violation: RuleViolation) -> Response:
    return Response(error_body(violation.code, violation.message, violation.fields), status=violation.status)


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
    exceptions.NotAuthenticated: ApiError.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ApiError.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: CommonError.NOT_ALLOWED,
    exceptions.NotFound: CommonError.NOT_FOUND,
    exceptions.MethodNotAllowed: ApiError.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ApiError.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ApiError.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ApiError.THROTTLED,
    exceptions.ParseError: ApiError.PARSE_ERROR,
}


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return rule_violation_response(exc)
    if isinstance(exc, TransitionNotAllowed):
        # A state change a service did not foresee: the object's state forbids it (409), which is
        # what the caller needs to hear; the services check their states first, so this is rare.
        return Response(error_body(CommonError.WRONG_STATUS, "This cannot be done in the current state."), status=409)
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
        response.data = error_body(CommonError.INVALID, message, fields)
        return response
    code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), ApiError.ERROR)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(detail))
    return response
