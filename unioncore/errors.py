"""Rule violations and their codes (issue 23, item 4; decision 0047).

Each domain lists its codes in one enum (`members/errors.py`, `referral/errors.py`, …), a member
carrying the code the API sends as `error.code`, the HTTP status it answers with and the rule
(docs/rules.md) it enforces. A code is in exactly one enum: the ones every domain says (no such
object, not yours, a reason missing) are here, in `CommonError`."""

import enum
from http import HTTPStatus


class ErrorCode(enum.StrEnum):
    """A stable `error.code`: `Name = "code", status, "rule id"`; the value is the code string,
    so the wire format and comparisons with a plain string keep working."""

    def __new__(cls, code: str, status: int = HTTPStatus.BAD_REQUEST, rule: str = ""):
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = int(status)
        member.rule = rule
        return member

    @classmethod
    def of(cls, code: str) -> "ErrorCode":
        """The member whose code this is, among every domain's enum (a result stored as text)."""
        for enum_class in _enums(cls):
            if code in enum_class._value2member_map_:
                return enum_class(code)
        raise ValueError(f"{code!r} is no error code")


def _enums(base: type[ErrorCode]):
    for subclass in base.__subclasses__():
        yield subclass
        yield from _enums(subclass)


def error_enums() -> list[type[ErrorCode]]:
    """Every domain's enum of codes (of the modules imported: the apps' `errors` modules)."""
    return list(_enums(ErrorCode))


class CommonError(ErrorCode):
    NOT_FOUND = "not_found", HTTPStatus.NOT_FOUND, "P20"
    NOT_ALLOWED = "not_allowed", HTTPStatus.FORBIDDEN, "P20"
    WRONG_STATUS = "wrong_status", HTTPStatus.CONFLICT
    REASON_REQUIRED = "reason_required", HTTPStatus.BAD_REQUEST, "D13"
    OFFICER_ONLY = "officer_only", HTTPStatus.BAD_REQUEST, "P14"
    END_BEFORE_START = "end_before_start", HTTPStatus.BAD_REQUEST
    INVALID = "invalid", HTTPStatus.BAD_REQUEST, "P21"


class AccountError(ErrorCode):
    """Signing in (unioncore/services.py)."""

    INVALID_CREDENTIALS = "invalid_credentials", HTTPStatus.BAD_REQUEST, "P2"
    ACCOUNT_LOCKED = "account_locked", HTTPStatus.BAD_REQUEST, "P1"
    TOO_MANY_ATTEMPTS = "too_many_attempts", HTTPStatus.TOO_MANY_REQUESTS, "P3a"
    LOGIN_LINK_INVALID = "login_link_invalid", HTTPStatus.BAD_REQUEST, "P3b"


class ImportFileError(ErrorCode):
    """LaborPower and spreadsheet imports (unioncore/imports)."""

    UNKNOWN_KIND = "unknown_kind", HTTPStatus.BAD_REQUEST, "SR1"
    FILE_HAS_ERRORS = "file_has_errors", HTTPStatus.BAD_REQUEST, "P22"


class NotificationError(ErrorCode):
    """Members' notification preferences (unioncore/notifications)."""

    BAD_VIA = "bad_via", HTTPStatus.BAD_REQUEST, ""


class RuleViolation(Exception):
    """A business rule said no. `error` is the enum member (its `status` is the API's HTTP status,
    its `rule` the rule refused), `code` its stable string (the API's `error.code`), `message` is
    for a person, `fields` maps a field name to its own message when one field is at fault."""

    def __init__(self, error: ErrorCode, message: str, *, fields: dict[str, str] | None = None):
        if not isinstance(error, ErrorCode):
            raise TypeError(f"RuleViolation takes a member of an ErrorCode enum, not {error!r}")
        super().__init__(message)
        self.error = error
        self.code = str(error.value)
        self.status = error.status
        self.message = message
        self.fields = fields or {}
