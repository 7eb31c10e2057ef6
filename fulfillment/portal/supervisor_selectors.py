"""Reads of the supervisor pages: a card's time log and its versions, the list of time logs
waiting on an employer, the open shifts the site kiosk shows."""

import datetime
import itertools
from dataclasses import dataclass

from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from fulfillment.enums import OPEN_STATUSES, SUPERVISOR_WAITS, TIMED_STATUSES, TimeLogStatus, VerifiedBy
from fulfillment.models import ClockInAcknowledgement, TimeLog, Times
from fulfillment.selectors import standing_times  # noqa: F401  (the card and the list read it from here)
from fulfillment.services.notifications import LINK_SALT

S = TimeLogStatus


def card_path(time_log: TimeLog) -> str:
    """The card's path inside the portal, signed like the SMS link (`card_link`)."""
    token = signing.TimestampSigner(salt=LINK_SALT).sign(str(time_log.pk))
    return reverse("portal:timelog-card", args=[token])


def card_timelog(*, timelog_id: int) -> TimeLog | None:
    """A time log with everything its card shows, in one query (its breaks in a second)."""
    return (
        TimeLog.objects.select_related(
            "dispatch__employer", "dispatch__member", "dispatch__job_request", "worker", "dispute_record"
        )
        .prefetch_related("segments")
        .filter(pk=timelog_id)
        .first()
    )


def has_acknowledged(*, timelog_id: int, user) -> bool:
    """Whether this user already acknowledged the clock-in of this time log."""
    return ClockInAcknowledgement.objects.filter(time_log_id=timelog_id, user=user).exists()


def _employer_logs(employer_id: int) -> QuerySet[TimeLog]:
    return TimeLog.objects.filter(dispatch__employer_id=employer_id).select_related(
        "dispatch__member", "dispatch__job_request", "worker"
    )


def waiting_on_employer(*, employer_id: int) -> list[TimeLog]:
    """The employer's time logs whose 4-hour timer runs, soonest deadline first: the ones waiting
    on a supervisor, then (in the same read) the ones waiting on the worker."""
    return list(_employer_logs(employer_id).filter(status__in=TIMED_STATUSES).order_by("auto_approval_time", "id"))


def auto_approved_since(*, employer_id: int, since: datetime.datetime) -> list[TimeLog]:
    """The employer's time logs auto-approved since `since`, the latest first: what the site
    contact's one text for a crew's auto-approvals links to (decision 0064)."""
    logs = _employer_logs(employer_id).filter(
        status=S.VERIFIED, verified_how=VerifiedBy.AUTO_APPROVAL, verified_at__gte=since
    )
    return list(logs.order_by("-verified_at", "-id"))


def split_waiting(time_logs: list[TimeLog]) -> tuple[list[TimeLog], list[TimeLog]]:
    on_supervisor = [t for t in time_logs if t.status in SUPERVISOR_WAITS]
    on_worker = [t for t in time_logs if t.status not in SUPERVISOR_WAITS]
    return on_supervisor, on_worker


def open_shifts(*, employer_id: int, worksite: str = "") -> list[TimeLog]:
    """The employer's running shifts and unsubmitted drafts (the kiosk's list), by site and name."""
    logs = _employer_logs(employer_id).filter(status__in=OPEN_STATUSES)
    if worksite:
        logs = logs.filter(dispatch__job_request__worksite=worksite)
    return list(logs.order_by("dispatch__job_request__worksite", "worker__last_name", "worker__first_name", "id"))


def open_worksites(*, employer_id: int) -> list[str]:
    """The sites where the employer has a shift open (the kiosk's site filter)."""
    return list(
        TimeLog.objects.filter(dispatch__employer_id=employer_id, status__in=OPEN_STATUSES)
        .values_list("dispatch__job_request__worksite", flat=True)
        .distinct()
        .order_by("dispatch__job_request__worksite")
    )


def employer_timelog(*, employer_id: int, timelog_id: int) -> TimeLog | None:
    return TimeLog.objects.filter(pk=timelog_id, dispatch__employer_id=employer_id).first()


# --- The versions of a shift, side by side, for the card ---


@dataclass
class Cell:
    value: str
    changed: bool  # differs from the version to its left
    was: str = ""  # the value to its left, when it changed
    replaced: bool = False  # the version to its right changed it


@dataclass
class Column:
    key: str
    title: str
    times: Times
    standing: bool = False


@dataclass
class VersionsTable:
    columns: list[Column]
    rows: list[tuple[str, list[Cell]]]


def _when(moment: datetime.datetime, day: datetime.date) -> str:
    local = timezone.localtime(moment)
    text = local.strftime("%-I:%M %p")
    if local.date() != day:
        text = f"{local:%a} {text}"
    return text


def _duration(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}"


def _fields(times: Times, day: datetime.date) -> list[tuple[str, str]]:
    return [
        ("Start", _when(times.clock_in, day)),
        ("End", _when(times.clock_out, day)),
        ("Break", f"{times.break_minutes} min"),
        ("Lunch", f"{times.lunch_minutes} min"),
        ("Hours", _duration(times.billable_minutes)),
    ]


def versions_table(time_log: TimeLog) -> VersionsTable | None:
    """The versions a supervisor needs to compare, left to right: the clock's (only when the
    worker changed it), the worker's, the supervisor's edit, the verified one (only when it is
    none of those). Each cell knows whether it differs from the one to its left."""
    calculated = time_log.calculated_times()
    worker = time_log.worker_times or calculated
    if worker is None:
        return None
    columns = []
    if time_log.worker_edited and calculated is not None:
        columns.append(Column("clock", "Clock", calculated))
    columns.append(Column("worker", "Worker", worker))
    supervisor = time_log.supervisor_times
    if supervisor is not None:
        columns.append(Column("supervisor", "Supervisor", supervisor))
    final = time_log.final_times
    if final is not None:
        same = [c for c in columns if c.times == final]
        if same:
            same[-1].standing = True
        else:
            columns.append(Column("final", "Verified", final, standing=True))
    day = timezone.localtime(worker.clock_in).date()
    values = [_fields(c.times, day) for c in columns]
    rows = []
    for index, (label, _) in enumerate(values[0]):
        cells, left = [], None
        for column_values in values:
            value = column_values[index][1]
            changed = left is not None and value != left
            cells.append(Cell(value, changed, left if changed else ""))
            left = value
        for cell, right in itertools.pairwise(cells):
            cell.replaced = right.changed
        rows.append((label, cells))
    return VersionsTable(columns, rows)
