"""The outbox and the escalation ladders (filled in by the notifications work)."""

from fulfillment.models import TimeLog

__all__ = ["announce"]


def announce(*, time_log: TimeLog, event: str) -> None:
    """Queue the immediate (T+0) messages of `event` for a time log; sent after commit."""
