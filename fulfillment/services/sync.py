"""Offline events: a batch recorded on a phone with no signal, applied in the order the phone saw
them, each once through `idempotency.idempotent`, each with its own answer (SPEC §9 `POST sync/`);
and the phone's actions the batch and the API's single calls share (`clock_in`, `clock_out`)."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dispatch.models import Dispatch
from fulfillment.enums import OPEN_STATUSES, TIMED_STATUSES, SegmentKind, SyncStatus, TimeLogStatus
from fulfillment.errors import FulfillmentError
from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services import idempotency
from fulfillment.services.notifications import announce
from fulfillment.services.photos import read_photo, timelog_photo_add
from fulfillment.services.timelogs import (
    can_verify,
    lock_timelog,
    timelog_clock_in,
    timelog_draft_edit,
    timelog_edit,
    timelog_segment_end,
    timelog_segment_start,
    timelog_stop_work,
    timelog_submit,
)
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

__all__ = [
    "EVENT_TYPES",
    "clock_in",
    "clock_out",
    "conflict_worker_version",
    "parse_device_time",
    "sync_conflict_resolve",
    "sync_events",
]

LONGEST_SHIFT = datetime.timedelta(hours=24)  # an event names a shift that started less than this before it
OFFLINE_CLOCK_OUT_NOTE = "offline clock-out from the worker's device"

SEGMENT_EVENTS = {
    "break_start": (SegmentKind.BREAK, timelog_segment_start),
    "break_end": (SegmentKind.BREAK, timelog_segment_end),
    "lunch_start": (SegmentKind.LUNCH, timelog_segment_start),
    "lunch_end": (SegmentKind.LUNCH, timelog_segment_end),
    "travel_start": (SegmentKind.TRAVEL, timelog_segment_start),
    "travel_end": (SegmentKind.TRAVEL, timelog_segment_end),
}
EVENT_TYPES = ("clock_in", "clock_out", *SEGMENT_EVENTS)


def sync_events(
    *,
    worker: User,
    events: list[dict],
    received_at: datetime.datetime | None = None,
    sent_at: datetime.datetime | None = None,
) -> list[dict]:
    """Apply a batch of offline events; one result per event, in the order they were given.

    Events run in device-time order (input order breaks ties), each in its own transaction, so
    a refused event never undoes another. Each is stored with its answer: sent again with the
    same `client_uuid` and body it answers `duplicate` with that first answer and writes
    nothing; sent again with another body it fails with `idempotency_key_reused` and
    `reused: True` (the API answers 422). `sent_at` is the device's clock when it sent the batch:
    with it, the clock check measures the device clock itself rather than the event's age.
    """
    received_at = received_at or timezone.now()
    order = sorted(range(len(events)), key=lambda i: (_sort_time(events[i]), i))
    results: list[dict | None] = [None] * len(events)
    for index in order:
        results[index], _ = _sync_one(worker, events[index], received_at=received_at, sent_at=sent_at)
    return results


@transaction.atomic
def sync_conflict_resolve(*, sync_id: int, by: User, accept_worker: bool) -> TimeLogOfflineSync:
    """A supervisor (or union staff as lending admin) settles an offline clock-out that met a
    force clock-out or a kiosk stop: either the worker's clock-out becomes a supervisor edit (the
    worker then reviews it, as in the negotiation loop), or the time log's clock-out stands. The
    time log's 4-hour timer, paused while the conflict was open, starts again in full (decision
    0035); the worker is told the outcome. Either way the event is synced."""
    try:
        row = (
            TimeLogOfflineSync.objects.select_for_update(of=("self",))
            .select_related("conflict_with__dispatch")
            .get(pk=sync_id)
        )
    except TimeLogOfflineSync.DoesNotExist:
        raise RuleViolation(CommonError.NOT_FOUND, "No such offline event.") from None
    time_log = row.conflict_with
    if time_log is None or not can_verify(by, time_log.dispatch):
        raise RuleViolation(
            CommonError.NOT_ALLOWED, "Only a supervisor, manager or admin of this dispatch's employer may do that."
        )
    if row.status != SyncStatus.CONFLICT:
        raise RuleViolation(FulfillmentError.NOT_IN_CONFLICT, "This offline clock-out is already settled.")
    # The row leaves `conflict` first, so that the edit below no longer finds the conflict open;
    # its history row is written once, below, with the resolution.
    TimeLogOfflineSync.objects.filter(pk=row.pk).update(status=SyncStatus.SYNCED)
    if accept_worker:
        worker_times = conflict_worker_version(row, time_log)
        time_log = timelog_edit(timelog_id=time_log.pk, by=by, note=OFFLINE_CLOCK_OUT_NOTE, **worker_times)
    else:
        time_log = _restart_paused_timer(time_log.pk, by=by)
    row.status = SyncStatus.SYNCED
    row.time_log = time_log
    row.result = {
        **row.result,
        "resolution": {
            "accepted_worker": accept_worker,
            "by": by.pk,
            "at": timezone.now().isoformat(),
            "time_log_status": time_log.status,
        },
    }
    row._history_user = by
    row._change_reason = "Conflict resolved: " + (
        "the worker's clock-out applied" if accept_worker else "the force clock-out kept"
    )
    row.save()
    announce(time_log=time_log, event="sync_conflict_taken" if accept_worker else "sync_conflict_kept")
    return row


def _restart_paused_timer(timelog_id: int, *, by: User) -> TimeLog:
    """The time log's clock-out stands: a timer still running starts again from now, in full
    (the conflict had paused it; decision 0035). A verified or disputed log is left as it is."""
    time_log = lock_timelog(timelog_id)
    if time_log.status in TIMED_STATUSES:
        time_log.start_timer(timezone.now())
        time_log._history_user = by
        time_log._change_reason = "Offline clock-out conflict settled: the clock-out kept, the 4-hour timer restarts"
        time_log.save()
    return time_log


# --- One event ---


def _sync_one(worker: User, event: dict, *, received_at, sent_at) -> tuple[dict, TimeLog | None]:
    """The event's answer, and the time log it left (None for a replay or a failure)."""
    try:
        client_uuid, device_time = _envelope(event)
    except RuleViolation as error:
        # Without a usable key or time the event cannot be stored, nor replayed.
        return idempotency.failed(str(event.get("client_uuid", "")), error), None
    body = idempotency.EventBody(
        type=event.get("type"), device_time=device_time, dispatch=event.get("dispatch"),
        timelog=event.get("timelog"), payload=event.get("payload") or {},
    )  # fmt: skip
    # Several writes (stop, edit, submit; or a service and its photo) undo together.
    several = body.type == "clock_out" or (isinstance(body.payload, dict) and "photo" in body.payload)
    return idempotency.idempotent(
        idempotency.EventKey(worker=worker, client_uuid=client_uuid),
        body,
        lambda row: _run(row, worker, body),
        several_writes=several,
        received_at=received_at,
        sent_at=sent_at,
    )


def _envelope(event: dict) -> tuple[uuid.UUID, datetime.datetime]:
    try:
        client_uuid = uuid.UUID(str(event.get("client_uuid")))
    except ValueError:
        raise RuleViolation(FulfillmentError.INVALID_EVENT, "Each event needs a client_uuid.") from None
    device_time = parse_device_time(event.get("device_time"))
    if device_time is None:
        raise RuleViolation(FulfillmentError.INVALID_EVENT, "Each event needs its device time, with its offset.")
    return client_uuid, device_time


def parse_device_time(value) -> datetime.datetime | None:
    """An event's device time: an ISO moment with its offset that exists in UTC (year 1 at
    +14:00 does not: every comparison with it overflowed), else None."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value)
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
        return None
    try:
        value.astimezone(datetime.UTC)
    except OverflowError:
        return None
    return value


def _sort_time(event: dict) -> datetime.datetime:
    return parse_device_time(event.get("device_time")) or datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _run(row: TimeLogOfflineSync, worker: User, body: idempotency.EventBody) -> TimeLog | idempotency.Conflict:
    """An offline event through the same phone actions as the API's single calls."""
    kind = body.type if isinstance(body.type, str) else None  # `{}` or a list is no type
    payload = body.payload
    if not isinstance(payload, dict):
        raise RuleViolation(FulfillmentError.INVALID_PAYLOAD, "The payload must be an object.")
    at = row.device_time
    if kind == "clock_in":
        return clock_in(
            worker=worker, dispatch_id=body.dispatch, at=at, latitude=payload.get("lat"),
            longitude=payload.get("lng"), photo=payload.get("photo"),
        )  # fmt: skip
    photo = read_photo(payload["photo"]) if "photo" in payload else None
    if kind in SEGMENT_EVENTS:
        segment, service = SEGMENT_EVENTS[kind]
        row.time_log = _target(worker, body, at)
        outcome = service(timelog_id=row.time_log.pk, by=worker, kind=segment, at=at)
    elif kind == "clock_out":
        row.time_log = _target(worker, body, at)
        outcome = clock_out(row.time_log.pk, worker=worker, at=at, times=payload.get("times"))
    else:
        raise RuleViolation(
            FulfillmentError.UNKNOWN_EVENT_TYPE, f"Unknown event type; expected one of {', '.join(EVENT_TYPES)}."
        )
    if photo is not None and isinstance(outcome, TimeLog):
        timelog_photo_add(timelog_id=outcome.pk, by=worker, photo=photo, taken_at=at, event=kind)
    return outcome


# --- The phone's actions (the API's single calls and the offline events alike) ---


def clock_in(*, worker: User, dispatch_id, at, latitude=None, longitude=None, photo=None) -> TimeLog:
    """The phone's clock-in: the clock-in service, with the project photo taken then. The photo
    is checked before anything is applied, and kept once the clock-in is (decision 0036). The
    service reads and locks the dispatch itself; a dispatch that is not the worker's own is, to
    them, no dispatch at all."""
    picture = read_photo(photo) if photo is not None else None
    try:
        dispatch_id = int(dispatch_id)
    except (TypeError, ValueError):
        raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None
    try:
        time_log = timelog_clock_in(dispatch_id=dispatch_id, by=worker, at=at, latitude=latitude, longitude=longitude)
    except RuleViolation as error:
        if error.code in ("not_found", "not_allowed"):
            raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None
        raise
    if picture is not None:
        timelog_photo_add(timelog_id=time_log.pk, by=worker, photo=picture, taken_at=at, event="clock_in")
    return time_log


def clock_out(timelog_id: int, *, worker: User, at, times=None) -> TimeLog | idempotency.Conflict:
    """The phone's clock-out: stop work at the device's time, take the draft the worker edited
    (`times`), submit; unless someone else already ended the shift (a force clock-out, a kiosk
    stop): then a conflict, which the supervisor is asked to settle (its timer paused till then)."""
    time_log = lock_timelog(timelog_id)
    closed_by = _closed_by_someone_else(time_log, worker)
    if closed_by is not None:
        announce(time_log=time_log, event="sync_conflict")
        return idempotency.Conflict(time_log=time_log, closed_by=closed_by)
    if time_log.status != TimeLogStatus.DRAFT:
        time_log = timelog_stop_work(timelog_id=time_log.pk, by=worker, at=at)
    if times:
        times = _times(times, recorded=_recorded(time_log, time_log.clock_out_at))
        timelog_draft_edit(timelog_id=time_log.pk, by=worker, **times)
    return timelog_submit(timelog_id=time_log.pk, by=worker)


# --- What an event points at ---


def _dispatch(worker: User, dispatch_id) -> Dispatch:
    try:
        return Dispatch.objects.get(pk=int(dispatch_id), member__user=worker)
    except (TypeError, ValueError, Dispatch.DoesNotExist):
        raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None


def _target(worker: User, body: idempotency.EventBody, at) -> TimeLog:
    """The time log an event belongs to: named by id, or — when the phone clocked in offline and
    never learnt the id — the worker's latest shift on that dispatch started before the event
    (and less than a day before it, so a stray event never lands on an old shift)."""
    if body.timelog is not None:
        try:
            return TimeLog.objects.get(pk=int(body.timelog), worker=worker)
        except (TypeError, ValueError, TimeLog.DoesNotExist):
            raise RuleViolation(CommonError.NOT_FOUND, "No such time log of yours.") from None
    if body.dispatch is None:
        raise RuleViolation(
            FulfillmentError.INVALID_EVENT, "Name the time log, or the dispatch, this event belongs to."
        )
    dispatch = _dispatch(worker, body.dispatch)
    time_log = (
        TimeLog.objects.filter(dispatch=dispatch, worker=worker)
        .filter(clock_in_at__lte=at, clock_in_at__gt=at - LONGEST_SHIFT)
        .order_by("-clock_in_at", "-id")
        .first()
    )
    if time_log is None:
        raise RuleViolation(
            FulfillmentError.NOT_CLOCKED_IN, "There is no shift on this dispatch started before this event."
        )
    return time_log


def _closed_by_someone_else(time_log: TimeLog, worker: User) -> int | None:
    """The user who ended the shift, when it was not the worker (a force clock-out, a kiosk
    stop): read from the time log's history, the moment its status left the shift."""
    if time_log.status in OPEN_STATUSES:
        return None
    closing = time_log.history.exclude(status__in=OPEN_STATUSES).order_by("history_date", "history_id").first()
    closer = closing.history_user_id if closing is not None else time_log.last_editor_id
    return closer if closer is not None and closer != worker.pk else None


# --- Payload ---


def _times(sent, *, recorded: dict) -> dict:
    """The worker's version from the phone's draft (start, end, break and lunch minutes); what the
    draft leaves out is taken from the shift as recorded."""
    if not isinstance(sent, dict):
        raise RuleViolation(FulfillmentError.INVALID_PAYLOAD, "The draft's times must be an object.")
    parsed = {}
    for name in ("clock_in", "clock_out"):
        value = sent.get(name)
        parsed[name] = recorded[name] if value is None else parse_device_time(value)
        if parsed[name] is None:
            label = name.replace("_", "-")
            raise RuleViolation(FulfillmentError.INVALID_PAYLOAD, f"The draft's {label} is not a time with an offset.")
    for name in ("break_minutes", "lunch_minutes"):
        value = sent.get(name)
        try:
            parsed[name] = recorded[name] if value is None else int(value)
        except (TypeError, ValueError):
            raise RuleViolation(
                FulfillmentError.INVALID_PAYLOAD, f"The draft's {name.replace('_', ' ')} is not a number."
            ) from None
    return parsed


def _recorded(time_log: TimeLog, clock_out) -> dict:
    minutes = time_log.segment_minutes()
    return {
        "clock_in": time_log.clock_in_at,
        "clock_out": clock_out,
        "break_minutes": minutes[SegmentKind.BREAK],
        "lunch_minutes": minutes[SegmentKind.LUNCH],
    }


def conflict_worker_version(row: TimeLogOfflineSync, time_log: TimeLog) -> dict:
    """The worker's times for a conflict: the draft the phone sent, else the shift as recorded
    (breaks included) ending at the phone's clock-out."""
    sent = row.payload.get("times") if isinstance(row.payload, dict) else None
    return _times(sent or {}, recorded=_recorded(time_log, row.device_time))
