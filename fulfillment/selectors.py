"""Reads of time logs worth a name: a member's hours per shift, per week and per dispatch."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from fulfillment.enums import OPEN_STATUSES, TIMED_STATUSES, TimeLogStatus
from fulfillment.models import TimeLog, Times

S = TimeLogStatus


def standing_times(time_log: TimeLog) -> Times | None:
    """The version that stands (the final one once verified), or would stand if nobody answered
    (SPEC §6: the silent party's version loses)."""
    if time_log.final_times is not None:
        return time_log.final_times
    if time_log.status == S.PENDING_WORKER_REVIEW:
        return time_log.supervisor_times
    return time_log.worker_times or time_log.calculated_times()


def standing_minutes(time_log: TimeLog) -> int | None:
    times = standing_times(time_log)
    return None if times is None else times.billable_minutes


@dataclass
class HoursTotal:
    """Hours of a week or of a dispatch: verified, and still waiting on someone (their timer
    runs); disputed hours are left out until the union settles them."""

    label: str
    key: object
    verified_minutes: int = 0
    waiting_minutes: int = 0
    shifts: int = 0
    dispatch: object = field(default=None, repr=False)

    verified = property(lambda self: as_hours(self.verified_minutes))
    waiting = property(lambda self: as_hours(self.waiting_minutes))


def as_hours(minutes: int | None) -> str:
    """Minutes as a person reads hours: "7 h 30"."""
    return "" if minutes is None else f"{minutes // 60} h {minutes % 60:02d}"


def week_start(moment: datetime.datetime) -> datetime.date:
    """The Monday of the hall's week of `moment`."""
    day = timezone.localtime(moment).date()
    return day - datetime.timedelta(days=day.weekday())


def member_hours(*, user) -> tuple[list[HoursTotal], list[HoursTotal]]:
    """A member's hours by week (newest first) and by dispatch (newest first), from every shift
    that is stopped and submitted (verified or waiting)."""
    logs = (
        TimeLog.objects.filter(worker=user, status__in=(S.VERIFIED, *TIMED_STATUSES))
        .exclude(status__in=OPEN_STATUSES)
        .select_related("dispatch__employer", "dispatch__job_request")
        .order_by("-clock_in_at", "-id")
    )
    weeks: dict[datetime.date, HoursTotal] = {}
    dispatches: dict[int, HoursTotal] = {}
    for log in logs:
        minutes = standing_minutes(log) or 0
        monday = week_start(log.clock_in_at)
        week = weeks.setdefault(monday, HoursTotal(f"Week of {monday:%a %b} {monday.day}", monday))
        dispatch = dispatches.setdefault(
            log.dispatch_id,
            HoursTotal(f"{log.dispatch.employer.name} — {log.dispatch.job_request.worksite}", log.dispatch_id,
                       dispatch=log.dispatch),
        )  # fmt: skip
        for total in (week, dispatch):
            total.shifts += 1
            if log.status == S.VERIFIED:
                total.verified_minutes += minutes
            else:
                total.waiting_minutes += minutes
    return list(weeks.values()), list(dispatches.values())
