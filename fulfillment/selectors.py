"""Reads of time logs worth a name: a member's hours per shift, per week and per dispatch; the
offline clock-outs waiting for a supervisor's choice, each with both versions (decision 0035)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from fulfillment.enums import OPEN_STATUSES, TIMED_STATUSES, SyncStatus, TimeLogStatus
from fulfillment.models import TimeLog, TimeLogOfflineSync, Times
from fulfillment.services.sync import conflict_worker_version
from unioncore.errors import RuleViolation
from unioncore.models import User

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


# --- Offline clock-outs to settle (decision 0035) ---


# Where the worker's clock-out can still be taken: it becomes the supervisor's edit (timelog_edit).
CAN_TAKE_WORKERS = (S.PENDING_VERIFICATION, S.PENDING_SUPERVISOR_REEVALUATION)


@dataclass
class Conflict:
    """An offline clock-out that met a clock-out by someone else, and the two versions."""

    row: TimeLogOfflineSync
    time_log: TimeLog
    ended_by: User | None  # who ended the shift (a force clock-out, a kiosk stop)
    standing: Times | None  # the time log's version: what stands if the supervisor keeps it
    workers: Times | None  # the phone's: its clock-out, with the draft's times when it sent them
    can_take: bool  # the worker's version can still be taken (else only kept)

    @property
    def pk(self) -> int:
        return self.row.pk

    @property
    def card_path(self) -> str:
        from fulfillment.portal.supervisor_selectors import card_path  # it reads this module

        return card_path(self.time_log)

    @property
    def resolution(self) -> dict | None:
        """Once settled: `accepted_worker`, `by` (a user id), `at` (ISO), `time_log_status`."""
        return (self.row.result or {}).get("resolution")

    def table(self) -> list[tuple[str, str, str, bool]]:
        """Side by side: (label, the recorded value, the phone's value, whether they differ)."""
        from fulfillment.portal.supervisor_selectors import _fields  # it reads this module

        day = timezone.localtime(self.time_log.clock_in_at).date()
        recorded = _fields(self.standing, day) if self.standing else []
        phone = _fields(self.workers, day) if self.workers else []
        rows = []
        for index, (label, _) in enumerate(recorded or phone):
            mine = recorded[index][1] if recorded else "—"
            theirs = phone[index][1] if phone else "—"
            rows.append((label, mine, theirs, mine != theirs))
        return rows


def conflicts(rows: QuerySet[TimeLogOfflineSync]) -> list[Conflict]:
    rows = list(
        rows.select_related(
            "conflict_with__dispatch__member", "conflict_with__dispatch__job_request", "conflict_with__worker"
        )
        .prefetch_related("conflict_with__segments")  # the worker's version counts the breaks
        .order_by("received_at", "id")
    )
    closers = User.objects.in_bulk({_closer(row) for row in rows} - {None})
    return [_conflict(row, closers.get(_closer(row))) for row in rows]


def open_conflicts(*, employer_id: int | None = None, timelog_id: int | None = None) -> list[Conflict]:
    """Open conflicts, oldest first: of one employer's time logs, of one time log, or all."""
    rows = TimeLogOfflineSync.objects.filter(status=SyncStatus.CONFLICT, conflict_with__isnull=False)
    if employer_id is not None:
        rows = rows.filter(conflict_with__dispatch__employer_id=employer_id)
    if timelog_id is not None:
        rows = rows.filter(conflict_with_id=timelog_id)
    return conflicts(rows)


def worker_conflicts(*, timelog_id: int) -> list[Conflict]:
    """Every conflict of a time log, open or settled (the worker's page shows the outcome)."""
    return conflicts(TimeLogOfflineSync.objects.filter(conflict_with_id=timelog_id))


def _closer(row: TimeLogOfflineSync) -> int | None:
    return ((row.result or {}).get("conflict") or {}).get("by")


def _conflict(row: TimeLogOfflineSync, ended_by: User | None) -> Conflict:
    time_log = row.conflict_with
    try:
        workers = Times(**conflict_worker_version(row, time_log))
    except RuleViolation:  # a draft the phone sent that cannot be read: only the clock-out is shown
        workers = None
    return Conflict(
        row=row,
        time_log=time_log,
        ended_by=ended_by,
        standing=standing_times(time_log),
        workers=workers,
        can_take=time_log.status in CAN_TAKE_WORKERS,
    )
