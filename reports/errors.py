"""Reports and their exports: the codes their rules refuse with (decision 0047).
A member is `NAME = "code", HTTP status, "rule"`, the rule's row in docs/rules.md."""

from http import HTTPStatus

from unioncore.errors import ErrorCode


class ReportsError(ErrorCode):
    BAD_FILTERS = "bad_filters", HTTPStatus.BAD_REQUEST, "SR5"
    TOO_LARGE = "too_large", HTTPStatus.BAD_REQUEST, "SR3"
    # Saved and scheduled reports (decision 0055)
    SAVED_NAME_TAKEN = "saved_name_taken", HTTPStatus.CONFLICT, "S5d"
    BAD_COLUMNS = "bad_columns", HTTPStatus.BAD_REQUEST, "S5d"
    NOT_SHAREABLE = "not_shareable", HTTPStatus.BAD_REQUEST, "S5d"
    SAVED_IN_USE = "saved_in_use", HTTPStatus.CONFLICT, "S5e"
    BAD_SCHEDULE = "bad_schedule", HTTPStatus.BAD_REQUEST, "S5e"
    PERSONAL_DATA_RECIPIENT = "personal_data_recipient", HTTPStatus.BAD_REQUEST, "S5e"
