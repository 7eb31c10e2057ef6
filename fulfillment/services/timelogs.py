"""A shift from clock-in to verification: the seed's negotiation loop, kiosk, force clock-out,
retroactive entries, disputes, and the 4-hour auto-approval sweep."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import can_proceed

from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch, EmployerUser
from fulfillment import rules
from fulfillment.enums import (
    FROZEN_STATUSES,
    ON_SHIFT,
    TIMED_STATUSES,
    FundsState,
    SegmentKind,
    SyncStatus,
    TimeLogStatus,
    VerifiedBy,
)
from fulfillment.errors import FulfillmentError
from fulfillment.models import (
    AUTO_APPROVAL_SETTLE,
    AmountSQL,
    BillableMinutesSQL,
    Dispute,
    DisputeMessage,
    Ejection,
    TimeLog,
    TimeLogOfflineSync,
    Times,
    TimeSegment,
    amount_for,
    open_sync_conflict,
)
from fulfillment.services.notifications import announce, announce_many
from unioncore.audit import create_with_history, update_locked_with_history
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

__all__ = [
    "LONG_ENTRY_PERMISSION",
    "auto_approve_due",
    "can_verify",
    "coordinate",
    "coordinates",
    "dispute_message_add",
    "ejection_mark_seen",
    "lock_timelog",
    "timelog_accept_edit",
    "timelog_clock_in",
    "timelog_correction_submit",
    "timelog_dispute",
    "timelog_draft_edit",
    "timelog_edit",
    "timelog_eject",
    "timelog_force_clock_out",
    "timelog_kiosk_stop",
    "timelog_reject_edit",
    "timelog_resolve_dispute",
    "timelog_retroactive_submit",
    "timelog_segment_end",
    "timelog_segment_start",
    "timelog_stop_work",
    "timelog_submit",
    "timelog_verify",
]  # fmt: skip

S = TimeLogStatus


def _now() -> datetime.datetime:
    return timezone.now()


def lock_timelog(timelog_id: int) -> TimeLog:
    try:
        return (
            TimeLog.objects.select_for_update(of=("self",))
            .select_related("dispatch", "dispatch__employer", "worker")
            .get(pk=timelog_id)
        )
    except TimeLog.DoesNotExist:
        raise RuleViolation(CommonError.NOT_FOUND, "No such time log.") from None


def can_verify(user: User, dispatch: Dispatch) -> bool:
    """Seed: role-based — any supervisor, manager or admin of the dispatch's employer; and union
    staff acting as the lending admin (in the console, recorded as such in the history)."""
    return rules.actor_of(user).may_verify(dispatch.employer_id)


def _ensure_supervisor(user: User, time_log: TimeLog) -> None:
    if not can_verify(user, time_log.dispatch):
        raise RuleViolation(
            CommonError.NOT_ALLOWED, "Only a supervisor, manager or admin of this dispatch's employer may do that."
        )


def _ensure_worker(user: User, time_log: TimeLog) -> None:
    if time_log.worker_id != user.pk:
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only the worker of this time log may do that.")


def _ensure_may(time_log: TimeLog, action: str) -> None:
    """The status rule of `action` (fulfillment.rules, which the API's `actions` list reads)."""
    rule = rules.TIMELOG_RULES[action]
    _ensure_status(time_log, rule.statuses, rule.verb)


def _ensure_status(time_log: TimeLog, allowed, action: str) -> None:
    if time_log.status == S.VERIFIED:
        raise RuleViolation(
            FulfillmentError.VERIFIED_LOCKED, "This time log is verified and final; a correction is a new time log."
        )
    if time_log.status not in allowed:
        raise RuleViolation(
            CommonError.WRONG_STATUS, f"Cannot {action} a time log that is {time_log.get_status_display().lower()}."
        )


def _ensure_no_open_conflict(time_log: TimeLog) -> None:
    """An offline clock-out waiting for the supervisor's choice is settled first: approving or
    editing now would settle the times without looking at the worker's version (decision 0035)."""
    if TimeLogOfflineSync.objects.filter(conflict_with=time_log, status=SyncStatus.CONFLICT).exists():
        raise RuleViolation(
            FulfillmentError.SYNC_CONFLICT_OPEN,
            "The worker's phone sent an offline clock-out for this shift: choose which clock-out stands first.",
        )


def _save(time_log: TimeLog, by: User, reason: str = "") -> None:
    time_log._history_user = by
    if reason and by is not None and by.is_staff and by.pk != time_log.worker_id:
        reason = f"{reason} (by union staff as lending admin)"
    if reason:
        time_log._change_reason = reason
    time_log.save()


def _times(*, clock_in, clock_out, break_minutes=0, lunch_minutes=0) -> Times:
    """Validated times: end after start, breaks not negative and shorter than the shift."""
    if clock_in is None or clock_out is None:
        raise RuleViolation(FulfillmentError.TIMES_REQUIRED, "Give both the start and the end.")
    if clock_out <= clock_in:
        raise RuleViolation(
            CommonError.END_BEFORE_START, "The end must be after the start.", fields={"clock_out": "Too early."}
        )
    break_minutes, lunch_minutes = int(break_minutes or 0), int(lunch_minutes or 0)
    if break_minutes < 0 or lunch_minutes < 0:
        raise RuleViolation(FulfillmentError.NEGATIVE_BREAK, "Breaks cannot be negative.")
    if break_minutes + lunch_minutes >= (clock_out - clock_in).total_seconds() / 60:
        raise RuleViolation(FulfillmentError.BREAKS_TOO_LONG, "Breaks and lunch are longer than the shift.")
    return Times(clock_in, clock_out, break_minutes, lunch_minutes)


def _partial(edited: Times | None, given: dict) -> dict:
    """The times of a partial edit: each value not given (None) is the edited version's own, so
    an edit of the clock-out alone keeps the breaks (decision 0042)."""
    if edited is None:
        return given
    return {name: getattr(edited, name) if value is None else value for name, value in given.items()}


def _fix_final(time_log: TimeLog, times: Times) -> None:
    """The final version and its amount: billable hours × the dispatch's wage rate, to the cent."""
    time_log._set("final", times)
    time_log.billable_minutes = times.billable_minutes
    time_log.amount = amount_for(times.billable_minutes, time_log.dispatch.wage_rate)


def _finalise(time_log: TimeLog, times: Times, *, how: str, by: User | None, now) -> None:
    """Verified: the standing version becomes final, the amount is fixed, funds are released."""
    _fix_final(time_log, times)
    time_log.verify()
    if how != VerifiedBy.AUTO_APPROVAL:
        time_log.stop_timer()  # an auto-approval keeps its deadline on the row: the date it ran out
    if how in (VerifiedBy.SUPERVISOR, VerifiedBy.KIOSK) and by is not None and by.is_staff:
        how = VerifiedBy.STAFF  # union staff verifying as the lending admin: the record says so (issue 20)
    time_log.verified_at, time_log.verified_how, time_log.verified_by = now, how, by


# --- The shift ---


# What a new shift (clocked in or entered by hand) and its message read of the dispatch: not every
# column of five tables (the read was a fifth of a clock-in's time; the API's query-count test
# catches a field left out).
SHIFT_DISPATCH_READS = (
    "status", "wage_rate", "member__user_id", "employer__name", "job_request__worksite",
    *(f"primary_site_contact__user__{name}" for name in ("username", "first_name", "last_name", "phone", "email")),
)  # fmt: skip
OPEN_SHIFT = "one_open_time_log_per_dispatch"  # the constraint that keeps one shift open per dispatch


def _lock_dispatch_for_shift(dispatch_id: int) -> Dispatch:
    """The dispatch and its member locked (as ever); the employer, the job request and the site
    contact read in the same query for the shift's messages, not locked."""
    try:
        return (
            Dispatch.objects.select_for_update(of=("self", "member"))
            .select_related("member", "employer", "job_request", "primary_site_contact__user")
            .only(*SHIFT_DISPATCH_READS)
            .get(pk=dispatch_id)
        )
    except Dispatch.DoesNotExist:
        raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch.") from None


def coordinate(value, *, name: str) -> Decimal:
    """One coordinate of a clock-in's location (`name`: latitude, ±90; longitude, ±180), to the
    micro-degree; refused (invalid_location, naming it) when not a finite number on Earth."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():  # "NaN" and "Infinity" read as Decimals
        raise RuleViolation(
            FulfillmentError.INVALID_LOCATION,
            "The location is not a pair of coordinates.",
            fields={name: "Not a number."},
        )
    bound = 90 if name == "latitude" else 180
    if not -bound <= number <= bound:
        raise RuleViolation(
            FulfillmentError.INVALID_LOCATION, "The location is not on Earth.", fields={name: f"-{bound} to {bound}."}
        )
    return number.quantize(Decimal("0.000001"))


def coordinates(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A clock-in's location, checked here only (decision 0051): none unless both are given."""
    if latitude is None or longitude is None:
        return None, None
    return coordinate(latitude, name="latitude"), coordinate(longitude, name="longitude")


@transaction.atomic
def timelog_clock_in(*, dispatch_id: int, by: User, at=None, latitude=None, longitude=None) -> TimeLog:
    """The dispatched member starts a shift on an accepted dispatch (one open shift at a time),
    where the phone says it is (a location off the Earth is refused)."""
    latitude, longitude = coordinates(latitude, longitude)
    dispatch = _lock_dispatch_for_shift(dispatch_id)
    if dispatch.member.user_id != by.pk:
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only the dispatched member clocks in on this dispatch.")
    if dispatch.status != DispatchStatus.ACCEPTED:
        raise RuleViolation(FulfillmentError.DISPATCH_NOT_ACCEPTED, "Clock in only on an accepted dispatch.")
    time_log = TimeLog(
        dispatch=dispatch, worker=by, clock_in_at=at or _now(), latitude=latitude, longitude=longitude, last_editor=by
    )
    try:
        # An open shift already on the dispatch is refused by the database (the partial unique
        # constraint), not looked for first: one statement fewer on every clock-in, and a race
        # answers the same. No savepoint of its own: the failed insert aborts this function's
        # transaction (or savepoint, when nested), which the RuleViolation leaves anyway. The row
        # and its history in one statement: the clock-in is the phone API's busiest write.
        create_with_history(time_log, by=by, reason="Clock-in")
    except IntegrityError as error:
        diag = getattr(error.__cause__, "diag", None)  # PostgreSQL names the constraint; SQLite (make run) does not
        if diag is not None and diag.constraint_name != OPEN_SHIFT:
            raise
        raise RuleViolation(
            FulfillmentError.ALREADY_CLOCKED_IN, "There is already an open shift on this dispatch."
        ) from None
    announce(time_log=time_log, event="clock_in")
    return time_log


@transaction.atomic
def timelog_segment_start(*, timelog_id: int, by: User, kind: str, at=None) -> TimeLog:
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    _ensure_may(time_log, f"{SegmentKind(kind).value}_start")
    at = at or _now()
    {SegmentKind.BREAK: time_log.start_break, SegmentKind.LUNCH: time_log.start_lunch,
     SegmentKind.TRAVEL: time_log.start_travel}[kind]()  # fmt: skip
    TimeSegment.objects.create(time_log=time_log, kind=kind, started_at=at)
    _save(time_log, by)
    return time_log


@transaction.atomic
def timelog_segment_end(*, timelog_id: int, by: User, kind: str, at=None) -> TimeLog:
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    _ensure_may(time_log, f"{SegmentKind(kind).value}_end")
    _close_segment(time_log, at or _now())
    time_log.back_to_work()
    _save(time_log, by)
    return time_log


def _close_segment(time_log: TimeLog, at) -> None:
    segment = time_log.segments.filter(ended_at__isnull=True).order_by("-started_at").first()
    if segment is not None:
        if at < segment.started_at:
            raise RuleViolation(CommonError.END_BEFORE_START, "That end is before the start of the break.")
        segment.ended_at = at
        segment.save()


@transaction.atomic
def timelog_stop_work(*, timelog_id: int, by: User, at=None) -> TimeLog:
    """ "Stop Work": draft mode, with the calculated times for the worker to check."""
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    _ensure_status(time_log, rules.STOP_WORK.statuses, rules.STOP_WORK.verb)
    at = at or _now()
    if at <= time_log.clock_in_at:
        raise RuleViolation(CommonError.END_BEFORE_START, "The end must be after the clock-in.")
    _close_segment(time_log, at)
    time_log.clock_out_at = at
    time_log.stop_work()
    time_log.set_worker_times(time_log.calculated_times())
    _save(time_log, by, "Stop work (draft)")
    return time_log


@transaction.atomic
def timelog_draft_edit(*, timelog_id: int, by: User, clock_in, clock_out, break_minutes=0, lunch_minutes=0) -> TimeLog:
    """The worker corrects the draft before submitting; the supervisor will see the badge. A
    value given as None keeps the draft's own (a partial edit, decision 0042)."""
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    if time_log.status == S.PENDING_VERIFICATION:
        raise RuleViolation(
            FulfillmentError.WORKER_EDIT_LOCKED,
            "Cannot edit timesheet in Pending_Verification. Supervisor must approve, edit, or dispute first.",
        )
    _ensure_may(time_log, "edit_draft")
    given = {
        "clock_in": clock_in,
        "clock_out": clock_out,
        "break_minutes": break_minutes,
        "lunch_minutes": lunch_minutes,
    }
    times = _times(**_partial(time_log.worker_times or time_log.calculated_times(), given))
    time_log.set_worker_times(times)
    time_log.worker_edited = times != time_log.calculated_times()
    _save(time_log, by, "Draft edited by the worker")
    return time_log


@transaction.atomic
def timelog_submit(*, timelog_id: int, by: User) -> TimeLog:
    """ "Submit": the clock-out event. The supervisor is told and the 4-hour timer starts."""
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    if time_log.status in ON_SHIFT:
        raise RuleViolation(
            FulfillmentError.NOT_CLOCKED_OUT, "Stop work before submitting: this shift has no clock-out yet."
        )
    _ensure_may(time_log, "submit")
    time_log.submit()
    time_log.start_timer(_now())
    time_log.last_editor = by
    _save(time_log, by, "Submitted")
    announce(time_log=time_log, event="submitted")
    return time_log


@transaction.atomic
def timelog_kiosk_stop(
    *, timelog_id: int, by: User, at=None, times: Times | None = None, note: str = "", confirm_short: bool = False
) -> TimeLog:
    """Supervisor kiosk "Stop Shift": no edit → verified at once; an edit → the worker reviews.
    An edit is measured against the worker's version: the clock's times of a running shift, or
    the draft as the worker left it (with their own corrections, which the kiosk shows with the
    "Worker edited" badge: stopping such a draft as it is accepts them, never drops them).
    Verifying fewer hours than TIMELOG_SHORT_SHIFT_MINUTES needs `confirm_short` (decision 0036):
    a tap on the wrong row must not verify a 0 h 00 shift."""
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    _ensure_status(time_log, rules.STOP_SHIFT.statuses, rules.STOP_SHIFT.verb)
    now = _now()
    if time_log.status in ON_SHIFT:
        at = at or now
        _close_segment(time_log, at)
        time_log.clock_out_at = at
    claimed = time_log.worker_times or time_log.calculated_times()
    time_log.set_worker_times(claimed)
    if times is None or not times.differs_from(claimed):
        _ensure_not_short_unconfirmed(claimed, confirm_short)
        _finalise(time_log, claimed, how=VerifiedBy.KIOSK, by=by, now=now)
        _save(time_log, by, "Stopped at the kiosk, verified")
        announce(time_log=time_log, event="verified")
        return time_log
    if not note.strip():
        raise RuleViolation(
            FulfillmentError.NOTE_REQUIRED, "An edit needs a note for the worker.", fields={"note": "Required."}
        )
    times = _times(clock_in=times.clock_in, clock_out=times.clock_out, break_minutes=times.break_minutes,
                   lunch_minutes=times.lunch_minutes)  # fmt: skip
    time_log.force_clock_out()
    _request_review(time_log, times=times, note=note, by=by, now=now)
    return time_log


@transaction.atomic
def timelog_force_clock_out(*, timelog_id: int, by: User, at, reason: str) -> TimeLog:
    """A supervisor ends a forgotten shift, saying why; the 4-hour timer starts as on a submit."""
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    _ensure_may(time_log, "force_clock_out")
    reason = _reason_given(reason)
    if at <= time_log.clock_in_at:
        raise RuleViolation(
            CommonError.END_BEFORE_START,
            "The clock-out must be after the clock-in.",
            fields={"clock_out": "Before the clock-in."},
        )
    if at > _now() + FUTURE_TOLERANCE:
        raise RuleViolation(
            FulfillmentError.IN_THE_FUTURE,
            "A clock-out cannot be in the future.",
            fields={"clock_out": "In the future."},
        )
    _end_for_the_worker(time_log, by=by, at=at, reason=reason)
    _save(time_log, by, f"Force clock-out: {reason}")
    announce(time_log=time_log, event="submitted")
    return time_log


def _ensure_not_short_unconfirmed(times: Times, confirmed: bool) -> None:
    minutes, shortest = times.billable_minutes, settings.TIMELOG_SHORT_SHIFT_MINUTES
    if minutes < shortest and not confirmed:
        raise RuleViolation(
            FulfillmentError.SHORT_SHIFT_UNCONFIRMED,
            f"This shift has only {minutes // 60} h {minutes % 60:02d} (under {shortest} minutes): "
            "confirm to stop it and verify these hours.",
        )


FUTURE_TOLERANCE = datetime.timedelta(minutes=1)  # a phone's clock a little ahead of the server's


@transaction.atomic
def timelog_eject(*, timelog_id: int, by: User, reason: str) -> TimeLog:
    """The site sends a clocked-in worker off within 25 minutes of the clock-in: the shift ends
    now and waits for verification like a force clock-out, the dispatch is flagged for the hall
    (an `Ejection`), the worker and the lending admin are told."""
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    _ensure_may(time_log, "eject")
    reason = _reason_given(reason)
    now = _now()
    if not rules.eject_window_open(clocked_in=time_log.created_at, now=now):
        raise RuleViolation(
            FulfillmentError.EJECT_WINDOW_CLOSED,
            f"More than {rules.EJECT_WINDOW.seconds // 60} minutes since the clock-in: the attendance stands "
            "(tacit approval). Stop the shift or force a clock-out instead.",
        )
    # A clock-in dated by the phone may be a moment ahead of the server: the shift still ends after it.
    at = max(now, time_log.clock_in_at + datetime.timedelta(seconds=1))
    _end_for_the_worker(time_log, by=by, at=at, reason=reason)
    _save(time_log, by, f"Ejected from the site: {reason}")
    ejection = Ejection(time_log=time_log, dispatch=time_log.dispatch, ejected_by=by, reason=reason, ejected_at=now)
    ejection._history_user = by
    ejection.save()
    announce(time_log=time_log, event="ejected")
    return time_log


@transaction.atomic
def ejection_mark_seen(*, ejection_id: int, by: User, note: str = "") -> Ejection:
    """Union staff took up an ejection (the console's flag goes down)."""
    if not by.has_perm("fulfillment.change_ejection"):
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only union staff take up an ejection.")
    ejection = Ejection.objects.select_for_update().filter(pk=ejection_id).first()
    if ejection is None:
        raise RuleViolation(CommonError.NOT_FOUND, "No such ejection.")
    if ejection.seen_at is not None:
        return ejection  # already taken up: nothing to change
    ejection.seen_by, ejection.seen_at, ejection.seen_note = by, _now(), (note or "").strip()
    ejection._history_user = by
    ejection.save()
    return ejection


def _reason_given(reason: str) -> str:
    if not (reason or "").strip():
        raise RuleViolation(
            CommonError.REASON_REQUIRED, "Say why, for the worker and the hall.", fields={"reason": "Required."}
        )
    return reason.strip()


def _end_for_the_worker(time_log: TimeLog, *, by: User, at, reason: str) -> None:
    """Someone other than the worker ends the shift at `at` (a running shift: the clock's times
    up to then are the worker's version; a draft keeps the worker's): it waits for verification."""
    if time_log.status in ON_SHIFT:
        _close_segment(time_log, at)
        time_log.clock_out_at = at
        time_log.set_worker_times(time_log.calculated_times())
    time_log.force_clock_out()
    time_log.start_timer(_now())
    time_log.last_editor = by
    time_log.ended_by, time_log.end_reason = by, reason


# --- The negotiation loop ---


@transaction.atomic
def timelog_verify(*, timelog_id: int, by: User) -> TimeLog:
    """The supervisor approves the worker's version (step 1, step 3, or a manual entry)."""
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    _ensure_may(time_log, "verify")
    _ensure_no_open_conflict(time_log)
    _finalise(time_log, time_log.worker_times, how=VerifiedBy.SUPERVISOR, by=by, now=_now())
    _save(time_log, by, "Verified by the supervisor")
    announce(time_log=time_log, event="verified")
    return time_log


def _request_review(time_log: TimeLog, *, times: Times, note: str, by: User, now) -> None:
    time_log.set_supervisor_times(times)
    time_log.supervisor_note = note.strip()
    time_log.request_worker_review()
    time_log.start_timer(now)  # the full 4 hours again, whatever was left
    time_log.last_editor = by
    _save(time_log, by, "Edited by the supervisor")
    announce(time_log=time_log, event="worker_review_requested")


@transaction.atomic
def timelog_edit(
    *, timelog_id: int, by: User, clock_in, clock_out, break_minutes=0, lunch_minutes=0, note: str
) -> TimeLog:
    """The supervisor changes the times (step 1, or a correction at step 3): the worker reviews.
    A change of a minute or less of billable time is not an edit: it verifies. A value given as
    None keeps the worker's (a partial edit, decision 0042)."""
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    _ensure_may(time_log, "edit")
    _ensure_no_open_conflict(time_log)
    if not (note or "").strip():
        raise RuleViolation(
            FulfillmentError.NOTE_REQUIRED, "An edit needs a note for the worker.", fields={"note": "Required."}
        )
    given = {
        "clock_in": clock_in,
        "clock_out": clock_out,
        "break_minutes": break_minutes,
        "lunch_minutes": lunch_minutes,
    }
    times = _times(**_partial(time_log.worker_times, given))
    now = _now()
    if not times.differs_from(time_log.worker_times):
        _finalise(time_log, time_log.worker_times, how=VerifiedBy.SUPERVISOR, by=by, now=now)
        _save(time_log, by, "Verified (the change was under a minute)")
        announce(time_log=time_log, event="verified")
        return time_log
    _request_review(time_log, times=times, note=note, by=by, now=now)
    return time_log


@transaction.atomic
def timelog_accept_edit(*, timelog_id: int, by: User) -> TimeLog:
    """Step 2, option A: the worker accepts the supervisor's times."""
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    _ensure_may(time_log, "accept")
    _finalise(time_log, time_log.supervisor_times, how=VerifiedBy.WORKER_ACCEPTED, by=by, now=_now())
    _save(time_log, by, "Worker accepted the edit")
    announce(time_log=time_log, event="verified")
    return time_log


@transaction.atomic
def timelog_reject_edit(*, timelog_id: int, by: User, comment: str) -> TimeLog:
    """Step 2, option B: the worker rejects with a comment; the supervisor re-evaluates."""
    time_log = lock_timelog(timelog_id)
    _ensure_worker(by, time_log)
    _ensure_may(time_log, "reject")
    if not (comment or "").strip():
        raise RuleViolation(
            FulfillmentError.COMMENT_REQUIRED, "Say why you reject the edit.", fields={"comment": "Required."}
        )
    time_log.worker_comment = comment.strip()
    time_log.reject_edit()
    time_log.start_timer(_now())
    time_log.last_editor = by
    _save(time_log, by, "Worker rejected the edit")
    announce(time_log=time_log, event="reevaluation_requested")
    return time_log


@transaction.atomic
def timelog_dispute(*, timelog_id: int, by: User, reason: str, filed_at=None) -> TimeLog:
    """File a dispute: the timer stops, the funds freeze, a thread opens. A dispute filed by the
    deadline always finds the time log still open: the sweep waits AUTO_APPROVAL_SETTLE past the
    deadline (decision 0035). A verified time log is final, an auto-approved one included."""
    filed_at = filed_at or _now()
    if not (reason or "").strip():
        raise RuleViolation(CommonError.REASON_REQUIRED, "A dispute needs a reason.", fields={"reason": "Required."})
    time_log = lock_timelog(timelog_id)
    _ensure_supervisor(by, time_log)
    if time_log.status == S.VERIFIED and time_log.verified_how == VerifiedBy.AUTO_APPROVAL:
        approved = timezone.localtime(time_log.verified_at)
        raise RuleViolation(
            FulfillmentError.VERIFIED_LOCKED,
            f"These hours were auto-approved on {approved:%a %b %-d at %-I:%M %p}, after the 4-hour deadline "
            "passed without an answer. An approved timesheet is final and cannot be disputed; "
            "a correction is a new time log.",
        )
    _ensure_may(time_log, "dispute")
    time_log.dispute()
    time_log.last_editor = by
    _save(time_log, by, "Disputed")
    Dispute.objects.create(time_log=time_log, opened_by=by, reason=reason.strip(), opened_at=filed_at)
    announce(time_log=time_log, event="disputed")
    return time_log


# --- Manual entries, disputes ---


@transaction.atomic
def timelog_retroactive_submit(
    *, dispatch_id: int, by: User, clock_in, clock_out, break_minutes=0, lunch_minutes=0, note: str = ""
) -> TimeLog:
    """A manual entry (bad signal, lost phone): the supervisor verifies it, 4 hours from now.
    If it overlaps a shift of the same dispatch, that shift takes the worker's times instead."""
    dispatch = _lock_dispatch_for_shift(dispatch_id)
    officer_entry = dispatch.member.user_id != by.pk and by.has_perm(LONG_ENTRY_PERMISSION)
    if dispatch.member.user_id != by.pk and not officer_entry:
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only the dispatched member enters time on this dispatch.")
    if dispatch.status not in (DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED, DispatchStatus.TERMINATED):
        raise RuleViolation(FulfillmentError.DISPATCH_NOT_ACCEPTED, "Time is entered only on an accepted dispatch.")
    times = _times(clock_in=clock_in, clock_out=clock_out, break_minutes=break_minutes, lunch_minutes=lunch_minutes)
    _ensure_manual_entry_bounds(dispatch, times, by=by)
    overlapping = list(_overlapping(dispatch, times).select_for_update(of=("self",)))
    repeated = _same_manual_entry(overlapping, times, note)
    if repeated is not None:
        return repeated
    if any(t.status in FROZEN_STATUSES for t in overlapping):
        raise RuleViolation(FulfillmentError.OVERLAPS_FINAL, "These hours overlap a verified or disputed time log.")
    if len(overlapping) > 1:
        raise RuleViolation(
            FulfillmentError.OVERLAPS_SEVERAL, "These hours overlap more than one time log; enter each separately."
        )
    if overlapping and not can_proceed(overlapping[0].take_retroactive_entry):
        # Another manual entry of these hours already waits for the supervisor (a 500 before).
        raise RuleViolation(
            FulfillmentError.OVERLAPS_WAITING, "These hours overlap a manual entry already waiting for the supervisor."
        )
    now = _now()
    if overlapping:
        time_log = overlapping[0]
        if time_log.status in ON_SHIFT:
            _close_segment(time_log, times.clock_out)
            time_log.clock_out_at = times.clock_out
        reason = "Replaced by the worker's manual entry"
    else:
        time_log = TimeLog(dispatch=dispatch, worker_id=dispatch.member.user_id, is_retroactive=True)
        time_log.clock_in_at, time_log.clock_out_at = times.clock_in, times.clock_out
        reason = "Manual entry"
    time_log.set_worker_times(times)
    time_log.note = note.strip()
    time_log.take_retroactive_entry()
    time_log.start_timer(now)
    time_log.last_editor = by
    _save(time_log, by, reason)
    announce(time_log=time_log, event="retroactive_submitted" if not overlapping else "retroactive_replaced")
    return time_log


@transaction.atomic
def timelog_correction_submit(
    *, timelog_id: int, by: User, clock_in, clock_out, break_minutes=0, lunch_minutes=0, note: str
) -> TimeLog:
    """A verified time log is final; a correction is a new time log linked to it, verified like
    a manual entry (the supervisor approves or disputes, 4 hours of silence accept it). Its
    amount is the corrected shift's; the difference to settle is `reconciliation_amount`."""
    original = lock_timelog(timelog_id)
    _ensure_worker(by, original)
    if original.status != S.VERIFIED:
        raise RuleViolation(
            FulfillmentError.NOT_VERIFIED, "Only a verified time log is corrected this way; edit the others."
        )
    if not (note or "").strip():
        raise RuleViolation(
            FulfillmentError.NOTE_REQUIRED, "Say what the correction is for.", fields={"note": "Required."}
        )
    times = _times(clock_in=clock_in, clock_out=clock_out, break_minutes=break_minutes, lunch_minutes=lunch_minutes)
    waiting = list(original.corrections.exclude(status__in=FROZEN_STATUSES))
    repeated = _same_manual_entry(waiting, times, note)
    if repeated is not None:
        return repeated
    if waiting:
        raise RuleViolation(FulfillmentError.CORRECTION_PENDING, "A correction of this time log is already waiting.")
    _ensure_manual_entry_bounds(original.dispatch, times, by=by)
    correction = TimeLog(
        dispatch=original.dispatch, worker=by, is_retroactive=True, correction_of=original,
        clock_in_at=times.clock_in, clock_out_at=times.clock_out, note=note.strip(),
    )  # fmt: skip
    correction.set_worker_times(times)
    correction.take_retroactive_entry()
    correction.start_timer(_now())
    correction.last_editor = by
    _save(correction, by, f"Correction of time log {original.pk}")
    announce(time_log=correction, event="retroactive_submitted")
    return correction


LONG_ENTRY_PERMISSION = "fulfillment.enter_long_manual_entry"  # officers (unioncore/roles.py)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of a day of the hall (its time zone), as an instant."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _ensure_manual_entry_bounds(dispatch: Dispatch, times: Times, *, by: User) -> None:
    """A manual entry lies inside the dispatch's dates and the past, and is no longer than the
    hall allows a member alone (TIMELOG_MANUAL_MAX_HOURS; an officer enters a longer one).
    Decision 0036: the hall's days, midnight to midnight; the end day is the dispatch's last."""
    starts = _day_start(dispatch.start_date)
    if times.clock_in < starts:
        day = f"{dispatch.start_date:%a %b} {dispatch.start_date.day}, {dispatch.start_date.year}"
        raise RuleViolation(
            FulfillmentError.BEFORE_DISPATCH_START, f"This dispatch starts on {day}: enter hours from that day on.",
            fields={"clock_in": f"Before the dispatch started ({day})."},
        )  # fmt: skip
    if dispatch.end_date is not None and times.clock_out > _day_start(dispatch.end_date + datetime.timedelta(days=1)):
        day = f"{dispatch.end_date:%a %b} {dispatch.end_date.day}, {dispatch.end_date.year}"
        raise RuleViolation(
            FulfillmentError.AFTER_DISPATCH_END, f"This dispatch ended on {day}: enter hours up to that day.",
            fields={"clock_out": f"After the dispatch ended ({day})."},
        )  # fmt: skip
    if times.clock_out > _now():
        raise RuleViolation(
            FulfillmentError.IN_THE_FUTURE,
            "A manual entry cannot end in the future.",
            fields={"clock_out": "In the future."},
        )
    longest = datetime.timedelta(hours=settings.TIMELOG_MANUAL_MAX_HOURS)
    if times.clock_out - times.clock_in > longest and not by.has_perm(LONG_ENTRY_PERMISSION):
        limit = settings.TIMELOG_MANUAL_MAX_HOURS
        raise RuleViolation(
            FulfillmentError.LONGER_THAN_ALLOWED,
            f"A manual entry longer than {limit} hours needs an officer of the hall: call the hall to enter it.",
            fields={"clock_out": f"More than {limit} hours after the start."},
        )


def _same_manual_entry(candidates, times: Times, note: str) -> TimeLog | None:
    """The manual entry these times and note were already sent as (a double tap, a phone's
    retry), among the time logs they overlap: sent again, it answers that entry, unchanged."""
    for time_log in candidates:
        already_entered = time_log.status not in (*ON_SHIFT, S.DRAFT) and time_log.note == (note or "").strip()
        if already_entered and time_log.worker_times == times:
            time_log.replayed = True  # the API says so (Idempotent-Replayed), as for a replayed client_uuid
            return time_log
    return None


def _overlapping(dispatch: Dispatch, times: Times):
    """Time logs of the dispatch whose [start, end) meets [times.clock_in, times.clock_out)."""
    logs = TimeLog.objects.filter(dispatch=dispatch, clock_in_at__lt=times.clock_out)
    # An open shift has no end yet: it runs until now.
    return logs.exclude(clock_out_at__isnull=False, clock_out_at__lte=times.clock_in)


@transaction.atomic
def timelog_resolve_dispute(
    *, timelog_id: int, by: User, clock_in, clock_out, break_minutes=0, lunch_minutes=0, note: str
) -> TimeLog:
    """Union staff settle a dispute with the final times: verified, funds released."""
    if not by.has_perm("fulfillment.change_timelog"):
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only union staff resolve disputes.")
    if not (note or "").strip():
        raise RuleViolation(FulfillmentError.NOTE_REQUIRED, "A resolution needs a note.", fields={"note": "Required."})
    time_log = lock_timelog(timelog_id)
    _ensure_status(time_log, rules.RESOLVE.statuses, rules.RESOLVE.verb)
    given = {
        "clock_in": clock_in,
        "clock_out": clock_out,
        "break_minutes": break_minutes,
        "lunch_minutes": lunch_minutes,
    }
    times = _times(**_partial(time_log.worker_times, given))
    now = _now()
    _fix_final(time_log, times)
    time_log.resolve()
    time_log.verified_at, time_log.verified_how, time_log.verified_by = now, VerifiedBy.DISPUTE_RESOLUTION, by
    _save(time_log, by, "Dispute resolved")
    dispute = Dispute.objects.select_for_update().get(time_log=time_log)
    dispute.resolved_at, dispute.resolved_by, dispute.resolution_note = now, by, note.strip()
    dispute._history_user = by
    dispute.save()
    announce(time_log=time_log, event="dispute_resolved")
    return time_log


@transaction.atomic
def dispute_message_add(*, timelog_id: int, by: User, body: str) -> DisputeMessage:
    """A message in a dispute's thread: the worker, the employer's users, or union staff."""
    time_log = TimeLog.objects.select_related("dispatch").get(pk=timelog_id)
    dispute = Dispute.objects.filter(time_log=time_log).first()
    if dispute is None:
        raise RuleViolation(FulfillmentError.NO_DISPUTE, "This time log has no dispute.")
    allowed = (
        by.pk == time_log.worker_id
        or by.is_staff
        or EmployerUser.objects.filter(user=by, employer_id=time_log.dispatch.employer_id).exists()
    )
    if not allowed:
        raise RuleViolation(CommonError.NOT_ALLOWED, "You are not a party to this dispute.")
    if not (body or "").strip():
        raise RuleViolation(FulfillmentError.BODY_REQUIRED, "Write a message.")
    return DisputeMessage.objects.create(dispute=dispute, author=by, body=body.strip())


# --- The 4-hour timer ---


AUTO_APPROVED = "Auto-approved after 4 hours"


# What the sweep's messages read of each approved row (`announce_many`), as the approval's one
# statement returns it: no model instance, one timestamp.
SWEEP_RETURNS = ("pk", "worker_id", "dispatch_id", "timer_cycle", "last_editor_id", "clock_in_at", "billable_minutes")


class Approved(NamedTuple):
    """An approved time log as its messages need it (a tuple: a batch makes a thousand)."""

    pk: int
    worker_id: int
    dispatch_id: int
    timer_cycle: int
    last_editor_id: int | None
    clock_in_at: datetime.datetime
    billable_minutes: int


def _standing(part: str):
    """The standing version's column `part` (clock_in, …): the party who did not answer loses
    (SPEC §6), so the supervisor's edit stands while the worker was to review it."""
    return Case(When(status=S.PENDING_WORKER_REVIEW, then=F(f"supervisor_{part}")), default=F(f"worker_{part}"))


def _approval_changes(*, by_id: int, now, updated_at) -> dict:
    """`_finalise` of an auto-approval as SQL of the row itself (the set-based sweep, PostgreSQL):
    the standing version becomes final, its billable minutes and amount (the same rules as
    `Times.billable_minutes` and `amount_for`), verified, funds released. The deadline stays."""
    minutes = BillableMinutesSQL(
        *(_standing(part) for part in ("clock_in", "clock_out", "break_minutes", "lunch_minutes"))
    )
    rate = Subquery(Dispatch.objects.filter(pk=OuterRef("dispatch_id")).order_by().values("wage_rate")[:1])
    return {
        "final_clock_in": _standing("clock_in"),
        "final_clock_out": _standing("clock_out"),
        "final_break_minutes": Coalesce(_standing("break_minutes"), 0),
        "final_lunch_minutes": Coalesce(_standing("lunch_minutes"), 0),
        "billable_minutes": minutes,
        "amount": AmountSQL(minutes, rate),
        "status": Value(S.VERIFIED),
        "funds_state": Value(FundsState.RELEASED),
        "verified_at": Value(now),
        "verified_how": Value(VerifiedBy.AUTO_APPROVAL),
        "verified_by": by_id,
        "updated_at": Value(updated_at),
    }


def auto_approve_due(*, now=None, by: User, batch: int | None = None) -> int:
    """Approve every time log whose timer ran out (silence = consent). Rows are taken with
    SKIP LOCKED and re-checked inside the transaction, so two sweeps at once, or a sweep and a
    supervisor, never approve one twice; a dispute holding the row wins. Each batch costs the
    same few queries whatever its size: one statement locks, approves and writes the history
    (`update_locked_with_history`), then the messages (`announce_many`)."""
    now, batch = now or _now(), batch or settings.AUTO_APPROVAL_BATCH
    approved = 0
    while True:
        with transaction.atomic():
            done = _auto_approve(batch, by=by, now=now)
            approved += len(done)
        if len(done) < batch:
            return approved


def _approval(batch: int, *, cutoff, now, updated_at, by_id: int):
    """The sweep's batch as `update_locked_with_history` builds it: the next `batch` due rows to
    lock (settled by `cutoff`), and what their approval sets."""
    return _due(cutoff)[:batch], _approval_changes(by_id=by_id, now=now, updated_at=updated_at)


def _due(cutoff):
    """The running timers that ran out by `cutoff` (AUTO_APPROVAL_SETTLE before now), to be
    locked, oldest deadline first. The settle interval orders a dispute "at the deadline" before the sweep
    (decision 0035): filed by the deadline, it has had that long to take the row's lock, and a
    row held by it (or a supervisor, or another sweep) is skipped. The filter on the timed
    statuses is the partial index's condition (`time_log_running_timers`), so the scan reads
    running timers in deadline order and stops at the batch, however long the history. A row
    that changed since the statement's snapshot is re-checked against the whole filter once
    locked (PostgreSQL re-evaluates it), so a row verified or disputed meanwhile drops out. A
    time log with an open offline conflict waits for the supervisor's choice (its timer is
    paused). What `_finalise` reads comes along (for the row-by-row approval of other databases)."""
    return (
        TimeLog.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("dispatch")
        .only(*SWEEP_READS)
        .filter(status__in=TIMED_STATUSES, auto_approval_time__lte=cutoff)
        # Seed: a row changed after its deadline had its timer reset; never approve it here.
        .filter(updated_at__lte=F("auto_approval_time"))
        .filter(~open_sync_conflict())
        .order_by("auto_approval_time")
    )


# What `_finalise` reads of a due row when it is approved as an instance (not on PostgreSQL).
SWEEP_READS = [
    "dispatch__wage_rate", "worker", "status", "clock_in_at", "timer_cycle", "last_editor", "billable_minutes",
    *(f"{party}_{part}" for party in ("worker", "supervisor")
      for part in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")),
]  # fmt: skip


def _auto_approve(batch: int, *, by: User, now) -> list[Approved]:
    """Verify a batch: on PostgreSQL one statement locks the rows, sets what `_finalise` would set
    (`_approval_changes`: the status from a timed one, the locking read's filter, to verified —
    `verify`'s source rule, which test_sweep_bulk checks against the FSM) and writes their
    history; elsewhere each row is approved in memory by `_finalise` (django-fsm's `verify`
    checking its source) and all saved with their history. Then the messages."""
    updated_at = _now()

    def approve(time_log: TimeLog) -> None:
        waited_on_worker = time_log.status == S.PENDING_WORKER_REVIEW
        standing = time_log.supervisor_times if waited_on_worker else time_log.worker_times
        _finalise(time_log, standing, how=VerifiedBy.AUTO_APPROVAL, by=by, now=now)
        time_log.updated_at = updated_at  # auto_now: only save() sets it

    rows = update_locked_with_history(
        _approval, shape=(batch,), apply=approve, by=by, reason=AUTO_APPROVED, at=updated_at, returning=SWEEP_RETURNS,
        values={"cutoff": now - AUTO_APPROVAL_SETTLE, "now": now, "updated_at": updated_at, "by_id": by.pk},
    )  # fmt: skip
    approved = [Approved(*row) for row in rows]
    announce_many(time_logs=approved, event="auto_approved")
    return approved
