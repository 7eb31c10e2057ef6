"""Offline events: a batch recorded on a phone with no signal, applied through the shift services
in the order the phone saw them, each once, each with its own answer (SPEC §9 `POST sync/`)."""

import contextlib
import datetime
import hashlib
import json
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dispatch.models import Dispatch
from fulfillment.enums import OPEN_STATUSES, TIMED_STATUSES, SegmentKind, SyncStatus, TimeLogStatus
from fulfillment.errors import FulfillmentError
from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services.notifications import announce
from fulfillment.services.photos import photo_reference, read_photo, timelog_photo_add
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
from unioncore.audit import create_with_history
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

__all__ = [
    "EVENT_TYPES",
    "conflict_worker_version",
    "parse_device_time",
    "sync_conflict_resolve",
    "sync_event",
    "sync_events",
]

CLOCK_TOLERANCE = datetime.timedelta(minutes=5)  # a device clock further off is flagged
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


def sync_event(*, worker: User, event: dict) -> tuple[dict, TimeLog | None]:
    """One event, as `sync_events` applies it, with the time log it left when it synced (with
    its dispatch, employer and worker), so the caller can answer without reading it again."""
    return _sync_one(worker, event, received_at=timezone.now(), sent_at=None)


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


def _sync_one(worker: User, event: dict, *, received_at, sent_at, retried: bool = False) -> tuple[dict, TimeLog | None]:
    """The event's answer, and the time log it left (None for a replay or a failure)."""
    try:
        client_uuid, device_time = _envelope(event)
    except RuleViolation as error:
        # Without a usable key or time the event cannot be stored, nor replayed.
        return _failed(str(event.get("client_uuid", "")), error), None
    body_hash = _body_hash(event, client_uuid, device_time)
    try:
        with transaction.atomic():
            row = _received(worker, event, client_uuid, device_time, body_hash, received_at, sent_at)
            result, time_log = _apply(row, worker, event, received_at)
            row.result = result
            row.status = {"synced": SyncStatus.SYNCED, "conflict": SyncStatus.CONFLICT}.get(
                result["status"], SyncStatus.FAILED
            )
            # The key is claimed by writing it, last, with the answer (one row and its history
            # row, one statement): the unique constraint on worker + client_uuid decides. A
            # second delivery running at the same time waits on the first's row, then fails
            # here; one sent after it fails here at once. Either way everything it applied is
            # rolled back with this transaction and it answers with the stored first result.
            # Nothing is looked up first: a new event, the usual case, costs no extra statement.
            create_with_history(row, by=worker)
    except IntegrityError:
        stored = _stored(worker, client_uuid)
        if stored is None:
            raise
        return _replay(stored, body_hash), None
    except OperationalError as error:
        # Deliveries of one batch racing each other can deadlock on the open-shift index; the
        # database rolled this one back (its savepoint only). Once more: by then the other
        # delivery has committed, and this one answers as its duplicate.
        if retried or not _is_deadlock(error):
            raise
        return _sync_one(worker, event, received_at=received_at, sent_at=sent_at, retried=True)
    return result, (time_log if result["status"] == "synced" else None)


def _is_deadlock(error: OperationalError) -> bool:
    from psycopg.errors import DeadlockDetected

    return isinstance(error.__cause__, DeadlockDetected)


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


def _body_hash(event: dict, client_uuid: uuid.UUID, device_time: datetime.datetime) -> str:
    """The event as the phone meant it: the same instant in another offset is the same body."""
    body = {
        "client_uuid": str(client_uuid),
        "type": event.get("type"),
        "device_time": device_time.astimezone(datetime.UTC).isoformat(),
        "dispatch": event.get("dispatch"),
        "timelog": event.get("timelog"),
        "payload": event.get("payload") or {},
    }
    text = json.dumps(body, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(worker: User, client_uuid: uuid.UUID) -> TimeLogOfflineSync | None:
    return TimeLogOfflineSync.objects.filter(worker=worker, client_uuid=client_uuid).first()


def _replay(stored: TimeLogOfflineSync, body_hash: str) -> dict:
    if stored.body_hash != body_hash:
        error = RuleViolation(
            FulfillmentError.IDEMPOTENCY_KEY_REUSED,
            "This client_uuid was already used for a different event; nothing was done.",
        )
        return {**_failed(str(stored.client_uuid), error), "reused": True}
    return {
        "client_uuid": str(stored.client_uuid),
        "status": "duplicate",
        "time_log": stored.result.get("time_log"),
        "first_result": stored.result,
    }


def _received(worker, event, client_uuid, device_time, body_hash, received_at, sent_at) -> TimeLogOfflineSync:
    """The raw event as received (not yet saved: it is written once, with its answer)."""
    payload = event.get("payload") or {}
    offset = received_at - device_time
    skew = received_at - sent_at if sent_at is not None else offset
    row = TimeLogOfflineSync(
        worker=worker,
        client_uuid=client_uuid,
        event_type=str(event.get("type"))[:24],
        body_hash=body_hash,
        payload=json.loads(json.dumps(photo_reference(payload), cls=DjangoJSONEncoder)),
        device_time=device_time,
        received_at=received_at,
        clock_offset_seconds=round(offset.total_seconds()),
        clock_suspect=abs(skew) > CLOCK_TOLERANCE,
    )
    if isinstance(payload, dict):
        with contextlib.suppress(RuleViolation):  # kept raw in the payload; the event fails on it
            row.latitude, row.longitude = _location(payload)
    return row


def _apply(row: TimeLogOfflineSync, worker: User, event: dict, received_at) -> tuple[dict, TimeLog | None]:
    """Run the event through the services; a refusal is the event's answer. Each service undoes
    its own writes when it refuses (its own atomic block); the clock-out runs up to three of them
    (stop, edit, submit), so it gets a savepoint of its own around them all."""
    client_uuid = str(row.client_uuid)
    payload = event.get("payload")
    # Several writes (stop, edit, submit; or a service and its photo) undo together.
    several = event.get("type") == "clock_out" or (isinstance(payload, dict) and "photo" in payload)
    try:
        with transaction.atomic() if several else contextlib.nullcontext():
            if row.device_time > received_at + CLOCK_TOLERANCE:
                raise RuleViolation(
                    FulfillmentError.DEVICE_TIME_IN_FUTURE,
                    "This event is dated in the future: check the phone's clock. It was not applied.",
                )
            return _run(row, worker, event)
    except RuleViolation as error:
        return {**_failed(client_uuid, error), "time_log": row.time_log_id}, None
    except ValidationError as error:
        violation = RuleViolation(CommonError.INVALID, " ".join(error.messages))
        return {**_failed(client_uuid, violation), "time_log": row.time_log_id}, None


def _run(row: TimeLogOfflineSync, worker: User, event: dict) -> tuple[dict, TimeLog]:
    kind = event.get("type")
    if not isinstance(kind, str):  # `{}` or a list is no type (and cannot be looked up)
        kind = None
    payload = event.get("payload") or {}
    if not isinstance(payload, dict):
        raise RuleViolation(FulfillmentError.INVALID_PAYLOAD, "The payload must be an object.")
    # A photo is checked before anything is applied, and kept once the event is (decision 0036).
    photo = read_photo(payload["photo"]) if "photo" in payload else None
    at = row.device_time
    if kind == "clock_in":
        latitude, longitude = _location(payload)
        time_log = _clock_in(worker, event.get("dispatch"), at, latitude, longitude)
    elif kind in SEGMENT_EVENTS:
        segment, service = SEGMENT_EVENTS[kind]
        row.time_log = _target(worker, event, at)
        time_log = service(timelog_id=row.time_log.pk, by=worker, kind=segment, at=at)
    elif kind == "clock_out":
        row.time_log = _target(worker, event, at)
        time_log = lock_timelog(row.time_log.pk)
        closed_by = _closed_by_someone_else(time_log, worker)
        if closed_by is not None:
            row.conflict_with = time_log
            # The supervisor is asked to choose; until then the time log's timer is paused.
            announce(time_log=time_log, event="sync_conflict")
            return _conflict(row, time_log, closed_by), time_log
        time_log = _clock_out(time_log, worker, at, payload)
    else:
        raise RuleViolation(
            FulfillmentError.UNKNOWN_EVENT_TYPE, f"Unknown event type; expected one of {', '.join(EVENT_TYPES)}."
        )
    row.time_log = time_log
    if photo is not None:
        timelog_photo_add(timelog_id=time_log.pk, by=worker, photo=photo, taken_at=at, event=kind)
    return {"client_uuid": str(row.client_uuid), "status": "synced", "time_log": time_log.pk}, time_log


def _clock_in(worker: User, dispatch_id, at, latitude, longitude) -> TimeLog:
    """The clock-in service reads and locks the dispatch itself; a dispatch that is not the
    worker's own is, to them, no dispatch at all."""
    try:
        dispatch_id = int(dispatch_id)
    except (TypeError, ValueError):
        raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None
    try:
        return timelog_clock_in(dispatch_id=dispatch_id, by=worker, at=at, latitude=latitude, longitude=longitude)
    except RuleViolation as error:
        if error.code in ("not_found", "not_allowed"):
            raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None
        raise


def _clock_out(time_log: TimeLog, worker: User, at, payload: dict) -> TimeLog:
    """Stop work at the device's time, take the draft the worker edited offline, submit."""
    if time_log.status != TimeLogStatus.DRAFT:
        time_log = timelog_stop_work(timelog_id=time_log.pk, by=worker, at=at)
    if payload.get("times"):
        times = _times(payload["times"], recorded=_recorded(time_log, time_log.clock_out_at))
        timelog_draft_edit(timelog_id=time_log.pk, by=worker, **times)
    return timelog_submit(timelog_id=time_log.pk, by=worker)


def _conflict(row: TimeLogOfflineSync, time_log: TimeLog, closed_by: int) -> dict:
    return {
        "client_uuid": str(row.client_uuid),
        "status": "conflict",
        "time_log": time_log.pk,
        "conflict": {
            "time_log": time_log.pk,
            "status": time_log.status,
            "clock_out_at": time_log.clock_out_at.isoformat() if time_log.clock_out_at else None,
            "by": closed_by,
        },
    }


def _failed(client_uuid: str, error: RuleViolation) -> dict:
    return {
        "client_uuid": client_uuid,
        "status": "failed",
        "time_log": None,
        "error": {"code": error.code, "message": error.message},
    }


# --- What an event points at ---


def _dispatch(worker: User, dispatch_id) -> Dispatch:
    try:
        return Dispatch.objects.get(pk=int(dispatch_id), member__user=worker)
    except (TypeError, ValueError, Dispatch.DoesNotExist):
        raise RuleViolation(CommonError.NOT_FOUND, "No such dispatch of yours.") from None


def _target(worker: User, event: dict, at) -> TimeLog:
    """The time log an event belongs to: named by id, or — when the phone clocked in offline and
    never learnt the id — the worker's latest shift on that dispatch started before the event
    (and less than a day before it, so a stray event never lands on an old shift)."""
    if event.get("timelog") is not None:
        try:
            return TimeLog.objects.get(pk=int(event["timelog"]), worker=worker)
        except (TypeError, ValueError, TimeLog.DoesNotExist):
            raise RuleViolation(CommonError.NOT_FOUND, "No such time log of yours.") from None
    if event.get("dispatch") is None:
        raise RuleViolation(
            FulfillmentError.INVALID_EVENT, "Name the time log, or the dispatch, this event belongs to."
        )
    dispatch = _dispatch(worker, event["dispatch"])
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


def _location(payload: dict) -> tuple[Decimal | None, Decimal | None]:
    lat, lng = payload.get("lat"), payload.get("lng")
    if lat is None or lng is None:
        return None, None
    try:
        lat, lng = Decimal(str(lat)), Decimal(str(lng))
    except InvalidOperation:
        raise RuleViolation(FulfillmentError.INVALID_LOCATION, "The location is not a pair of coordinates.") from None
    if not (lat.is_finite() and lng.is_finite()):  # "NaN" and "Infinity" read as Decimals
        raise RuleViolation(FulfillmentError.INVALID_LOCATION, "The location is not a pair of coordinates.")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise RuleViolation(FulfillmentError.INVALID_LOCATION, "The location is not on Earth.")
    step = Decimal("0.000001")
    return lat.quantize(step), lng.quantize(step)


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
