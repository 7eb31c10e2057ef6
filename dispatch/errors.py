"""Job requests, referral runs, dispatches and bids: the codes their rules refuse with (decision 0047).
A member is `NAME = "code", HTTP status, "rule"`, the rule's row in docs/rules.md."""

from http import HTTPStatus

from unioncore.errors import ErrorCode


class DispatchError(ErrorCode):
    EMPLOYER_NOT_SIGNATORY = "employer_not_signatory", HTTPStatus.BAD_REQUEST, "S1"
    NO_WORKERS = "no_workers", HTTPStatus.BAD_REQUEST, "L2"
    START_IN_PAST = "start_in_past", HTTPStatus.BAD_REQUEST, "L2c"
    START_BEFORE_REFERRAL = "start_before_referral", HTTPStatus.BAD_REQUEST, "L2c"
    BIDDING_AFTER_START = "bidding_after_start", HTTPStatus.BAD_REQUEST, "L2c"
    REQUEST_OFFERED = "request_offered", HTTPStatus.CONFLICT, "L2d"
    NO_BOOK = "no_book", HTTPStatus.BAD_REQUEST, "L2"
    SHORT_CALL_TOO_LONG = "short_call_too_long", HTTPStatus.BAD_REQUEST, "L8"
    PRIORITY_AREA_REQUIRED = "priority_area_required", HTTPStatus.BAD_REQUEST, "R10"
    ATTESTATION_REQUIRED = "attestation_required", HTTPStatus.BAD_REQUEST, "L11"
    REQUEST_NOT_OPEN = "request_not_open", HTTPStatus.BAD_REQUEST, "P18"
    REQUEST_FULL = "request_full", HTTPStatus.CONFLICT, "P18"
    ALREADY_DISPATCHED = "already_dispatched", HTTPStatus.CONFLICT, "P18"
    NOT_ELIGIBLE = "not_eligible", HTTPStatus.BAD_REQUEST, "P16"
    MEMBERS_ON_THE_JOB = "members_on_the_job", HTTPStatus.BAD_REQUEST, "P18"
    NO_SHOW = "no_show", HTTPStatus.CONFLICT, "L7"
    NO_BIDDING = "no_bidding", HTTPStatus.BAD_REQUEST, "R5"
    OUTSIDE_BID_WINDOW = "outside_bid_window", HTTPStatus.BAD_REQUEST, "L6"
    BIDDING_SUSPENDED = "bidding_suspended", HTTPStatus.BAD_REQUEST, "L6"
    ALREADY_BID = "already_bid", HTTPStatus.CONFLICT, "R5"
    NO_BID = "no_bid", HTTPStatus.BAD_REQUEST, "R5"
    WRONG_RUN = "wrong_run", HTTPStatus.BAD_REQUEST, "P16"
    OUT_OF_ORDER = "out_of_order", HTTPStatus.BAD_REQUEST, "P16"
    NOBODY_ELIGIBLE = "nobody_eligible", HTTPStatus.BAD_REQUEST, "P16"
    NOT_AN_ORDER_TO_ACCEPT = "not_an_order_to_accept", HTTPStatus.BAD_REQUEST, "L2"
    ORDER_EMPLOYER = "order_employer", HTTPStatus.BAD_REQUEST, "L2"
