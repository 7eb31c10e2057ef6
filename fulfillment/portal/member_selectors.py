"""What a member's portal shows of their own time logs (never another worker's)."""

from dataclasses import dataclass

from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch
from fulfillment.enums import OPEN_STATUSES, TimeLogStatus
from fulfillment.models import Dispute, TimeLog, Times

RELATED = ("dispatch__employer", "dispatch__job_request")


def member_timelogs(*, user):
    return TimeLog.objects.filter(worker=user).select_related(*RELATED).order_by("-clock_in_at", "-id")


def open_shift(*, user) -> TimeLog | None:
    """My shift on the clock or stopped and not yet submitted (draft), if any."""
    return member_timelogs(user=user).filter(status__in=OPEN_STATUSES).first()


def waiting_on_worker(*, user):
    """My time logs a supervisor edited, waiting for me to accept or reject."""
    return member_timelogs(user=user).filter(status=TimeLogStatus.PENDING_WORKER_REVIEW)


def clock_in_dispatches(*, user):
    """My accepted dispatches with no open shift: where I can clock in now."""
    busy = TimeLog.objects.filter(worker=user, status__in=OPEN_STATUSES).values("dispatch_id")
    return (
        Dispatch.objects.filter(member__user=user, status=DispatchStatus.ACCEPTED)
        .exclude(pk__in=busy)
        .select_related("employer", "job_request")
        .order_by("-start_date", "-id")
    )


def retroactive_dispatches(*, user):
    """My dispatches a manual entry may be made on."""
    return (
        Dispatch.objects.filter(
            member__user=user,
            status__in=(DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED, DispatchStatus.TERMINATED),
        )
        .select_related("employer", "job_request")
        .order_by("-start_date", "-id")
    )


def dispute_thread(*, time_log: TimeLog):
    """The dispute of a time log and its messages, or (None, [])."""
    dispute = Dispute.objects.filter(time_log=time_log).select_related("opened_by").first()
    if dispute is None:
        return None, []
    return dispute, list(dispute.messages.select_related("author"))


@dataclass
class Row:
    label: str
    mine: object
    theirs: object
    changed: bool
    kind: str = "time"  # "time", "minutes" or "hours"


def compare(mine: Times | None, theirs: Times | None) -> list[Row]:
    """The worker's and the supervisor's versions line by line, the differences marked."""
    if mine is None or theirs is None:
        return []
    rows = [
        Row("Start", mine.clock_in, theirs.clock_in, mine.clock_in != theirs.clock_in),
        Row("End", mine.clock_out, theirs.clock_out, mine.clock_out != theirs.clock_out),
        Row("Break", mine.break_minutes, theirs.break_minutes, mine.break_minutes != theirs.break_minutes, "minutes"),
        Row("Lunch", mine.lunch_minutes, theirs.lunch_minutes, mine.lunch_minutes != theirs.lunch_minutes, "minutes"),
    ]
    rows.append(
        Row(
            "Paid hours",
            hours(mine.billable_minutes),
            hours(theirs.billable_minutes),
            mine.billable_minutes != theirs.billable_minutes,
            "hours",
        )
    )
    return rows


def hours(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60} h {minutes % 60:02d} min"
