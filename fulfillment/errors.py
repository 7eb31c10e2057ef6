"""Time logs, their verification, offline sync and photos: the codes their rules refuse with (decision 0047).
A member is `NAME = "code", HTTP status, "rule"`, the rule's row in docs/rules.md."""

from http import HTTPStatus

from unioncore.errors import ErrorCode


class FulfillmentError(ErrorCode):
    DISPATCH_NOT_ACCEPTED = "dispatch_not_accepted", HTTPStatus.BAD_REQUEST, "F1"
    ALREADY_CLOCKED_IN = "already_clocked_in", HTTPStatus.CONFLICT, "F1"
    NOT_CLOCKED_OUT = "not_clocked_out", HTTPStatus.BAD_REQUEST, "F2"
    TIMES_REQUIRED = "times_required", HTTPStatus.BAD_REQUEST, "F18"
    NEGATIVE_BREAK = "negative_break", HTTPStatus.BAD_REQUEST, "F16"
    BREAKS_TOO_LONG = "breaks_too_long", HTTPStatus.BAD_REQUEST, "F16"
    NOTE_REQUIRED = "note_required", HTTPStatus.BAD_REQUEST, "F10"
    COMMENT_REQUIRED = "comment_required", HTTPStatus.BAD_REQUEST, "F12"
    NO_DISPUTE = "no_dispute", HTTPStatus.BAD_REQUEST, "F14"
    BODY_REQUIRED = "body_required", HTTPStatus.BAD_REQUEST, "F14"
    WORKER_EDIT_LOCKED = "worker_edit_locked", HTTPStatus.CONFLICT, "F15"
    VERIFIED_LOCKED = "verified_locked", HTTPStatus.CONFLICT, "F17"
    NOT_VERIFIED = "not_verified", HTTPStatus.BAD_REQUEST, "F17"
    CORRECTION_PENDING = "correction_pending", HTTPStatus.BAD_REQUEST, "F17"
    OVERLAPS_FINAL = "overlaps_final", HTTPStatus.CONFLICT, "F22"
    OVERLAPS_SEVERAL = "overlaps_several", HTTPStatus.CONFLICT, "F22"
    OVERLAPS_WAITING = "overlaps_waiting", HTTPStatus.CONFLICT, "F22"
    BEFORE_DISPATCH_START = "before_dispatch_start", HTTPStatus.BAD_REQUEST, "F55"
    AFTER_DISPATCH_END = "after_dispatch_end", HTTPStatus.BAD_REQUEST, "F55"
    IN_THE_FUTURE = "in_the_future", HTTPStatus.BAD_REQUEST, "F55"
    LONGER_THAN_ALLOWED = "longer_than_allowed", HTTPStatus.BAD_REQUEST, "F56"
    EJECT_WINDOW_CLOSED = "eject_window_closed", HTTPStatus.CONFLICT, "F40"
    SHORT_SHIFT_UNCONFIRMED = "short_shift_unconfirmed", HTTPStatus.CONFLICT, "F60"
    BAD_METHOD = "bad_method", HTTPStatus.BAD_REQUEST, "F41"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", HTTPStatus.UNPROCESSABLE_ENTITY, "F48"
    INVALID_EVENT = "invalid_event", HTTPStatus.BAD_REQUEST, "F46"
    INVALID_PAYLOAD = "invalid_payload", HTTPStatus.BAD_REQUEST, "F46"
    UNKNOWN_EVENT_TYPE = "unknown_event_type", HTTPStatus.BAD_REQUEST, "F46"
    DEVICE_TIME_IN_FUTURE = "device_time_in_future", HTTPStatus.BAD_REQUEST, "F46"
    INVALID_LOCATION = "invalid_location", HTTPStatus.BAD_REQUEST, "F6"
    NOT_CLOCKED_IN = "not_clocked_in", HTTPStatus.BAD_REQUEST, "F47"
    SYNC_CONFLICT_OPEN = "sync_conflict_open", HTTPStatus.CONFLICT, "F49"
    NOT_IN_CONFLICT = "not_in_conflict", HTTPStatus.CONFLICT, "F50"
    INVALID_PHOTO = "invalid_photo", HTTPStatus.BAD_REQUEST, "F62"
    PHOTO_TOO_LARGE = "photo_too_large", HTTPStatus.BAD_REQUEST, "F62"
