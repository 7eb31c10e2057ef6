"""Member records and the dues ledger: the codes their rules refuse with (decision 0047).
A member is `NAME = "code", HTTP status, "rule"`, the rule's row in docs/rules.md."""

from http import HTTPStatus

from unioncore.errors import ErrorCode


class MembersError(ErrorCode):
    ALREADY_CORRECTED = "already_corrected", HTTPStatus.CONFLICT, "P8"
