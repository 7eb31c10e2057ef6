"""The referral books (registering, re-signing, check marks, exemptions): the codes their rules
refuse with (decision 0047). A member is `NAME = "code", HTTP status, "rule"`, the rule's row in docs/rules.md."""

from http import HTTPStatus

from unioncore.errors import ErrorCode


class ReferralError(ErrorCode):
    ALREADY_HELD = "already_held", HTTPStatus.CONFLICT, "L3a"
    ALREADY_REGISTERED = "already_registered", HTTPStatus.CONFLICT, "P15"
    BOOK_CLOSED = "book_closed", HTTPStatus.BAD_REQUEST, "R1"
    MEMBER_NOT_ACTIVE = "member_not_active", HTTPStatus.BAD_REQUEST, "R1"
    NOT_ON_BOOK = "not_on_book", HTTPStatus.BAD_REQUEST, "R1"
    ONE_CLASSIFICATION = "one_classification", HTTPStatus.BAD_REQUEST, "L3"
    INVALID_APN = "invalid_apn", HTTPStatus.BAD_REQUEST, "A4"
    REFERRAL_NOT_STARTED = "referral_not_started", HTTPStatus.BAD_REQUEST, "L3a"
    OUTSIDE_RE_SIGN_WINDOW = "outside_re_sign_window", HTTPStatus.BAD_REQUEST, "L5"
    NO_CHECK_MARKS = "no_check_marks", HTTPStatus.BAD_REQUEST, "R3"
    EXEMPT = "exempt", HTTPStatus.BAD_REQUEST, "R7"
    NOT_EXEMPT = "not_exempt", HTTPStatus.BAD_REQUEST, "R7"
    EXEMPT_REASON_REQUIRED = "exempt_reason_required", HTTPStatus.BAD_REQUEST, "P6"
    EXEMPT_UNTIL_PAST = "exempt_until_past", HTTPStatus.BAD_REQUEST, "R7"
    EXEMPT_UNTIL_REQUIRED = "exempt_until_required", HTTPStatus.BAD_REQUEST, "L12"
    EXEMPT_TOO_LONG = "exempt_too_long", HTTPStatus.BAD_REQUEST, "L12"
    NOT_AVAILABLE = "not_available", HTTPStatus.BAD_REQUEST, "P19"
    NOT_DISPATCHED = "not_dispatched", HTTPStatus.BAD_REQUEST, "R4"
    RE_REGISTRATION_LATE = "re_registration_late", HTTPStatus.BAD_REQUEST, "L4"
    NOTHING_TO_RE_REGISTER = "nothing_to_re_register", HTTPStatus.BAD_REQUEST, "L4"
