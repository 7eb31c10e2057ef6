"""A phone's write, applied once (issue 23, item 5; decision 0051): `idempotent(key, body, run)`
applies a service call once per (worker, client_uuid) and stores its answer with the event as
received (`TimeLogOfflineSync`). The same key and body again answers the stored answer and
writes nothing; the same key with another body is refused (`idempotency_key_reused`). The phone
API's single calls (the clock-in, a shift event) call their service through it with typed
arguments; an offline batch (`sync.sync_events`) calls it once per event."""

import contextlib
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from fulfillment.enums import SyncStatus
from fulfillment.errors import FulfillmentError
from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services.photos import photo_reference
from fulfillment.services.timelogs import coordinates
from unioncore.audit import create_with_history
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

CLOCK_TOLERANCE = datetime.timedelta(minutes=5)  # a device clock further off is flagged


@dataclass(frozen=True)
class EventKey:
    """Who sent the write and the phone's key for it (made once per action, kept to retry it)."""

    worker: User
    client_uuid: uuid.UUID


@dataclass(frozen=True)
class EventBody:
    """The write as the phone sent it: compared on a replay, stored with its answer. The ids and
    the payload are kept as sent (an offline batch may send anything; the run refuses it)."""

    type: Any
    device_time: datetime.datetime
    dispatch: Any = None
    timelog: Any = None
    payload: Any = field(default_factory=dict)

    def digest(self, client_uuid: uuid.UUID) -> str:
        """The same instant in another offset is the same body."""
        body = {
            "client_uuid": str(client_uuid),
            "type": self.type,
            "device_time": self.device_time.astimezone(datetime.UTC).isoformat(),
            "dispatch": self.dispatch,
            "timelog": self.timelog,
            "payload": self.payload or {},
        }
        text = json.dumps(body, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Conflict:
    """A clock-out that met a shift someone else already ended (decision 0035): not applied,
    waiting for the supervisor's choice."""

    time_log: TimeLog
    closed_by: int


# The write itself: given the event as it is being recorded (its `device_time`; it may note the
# time log it targets in `time_log`), the time log it left, or a Conflict. A RuleViolation (or a
# model's ValidationError) is the event's answer.
Run = Callable[[TimeLogOfflineSync], TimeLog | Conflict]


def idempotent(
    key: EventKey,
    body: EventBody,
    run: Run,
    *,
    several_writes: bool = False,
    received_at: datetime.datetime | None = None,
    sent_at: datetime.datetime | None = None,
) -> tuple[dict, TimeLog | None]:
    """`run`, applied once for `key`: its answer (a dict: synced, conflict, failed; or `duplicate` with the
    first answer; or failed with `reused: True`), and the time log it left when it synced (None
    for a replay or a refusal). `several_writes`: `run` makes more than one service call, which
    undo together when one refuses. `sent_at` is the device's clock when it sent a batch: with
    it, the clock check measures the device clock itself rather than the event's age."""
    received_at = received_at or timezone.now()
    body_hash = body.digest(key.client_uuid)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                row = _received(key, body, body_hash, received_at, sent_at)
                result, time_log = _apply(row, run, received_at, several_writes=several_writes)
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
                create_with_history(row, by=key.worker)
        except IntegrityError:
            stored = TimeLogOfflineSync.objects.filter(worker=key.worker, client_uuid=key.client_uuid).first()
            if stored is None:
                raise
            return _replay(stored, body_hash), None
        except OperationalError as error:
            # Deliveries of one batch racing each other can deadlock on the open-shift index; the
            # database rolled this one back (its savepoint only). Once more: by then the other
            # delivery has committed, and this one answers as its duplicate.
            if attempt == 2 or not _is_deadlock(error):
                raise
            continue
        return result, (time_log if result["status"] == "synced" else None)
    raise AssertionError("unreachable")  # pragma: no cover


def failed(client_uuid: str, error: RuleViolation) -> dict:
    """A refusal as an event's answer."""
    return {
        "client_uuid": client_uuid,
        "status": "failed",
        "time_log": None,
        "error": {"code": error.code, "message": error.message},
    }


def _is_deadlock(error: OperationalError) -> bool:
    from psycopg.errors import DeadlockDetected

    return isinstance(error.__cause__, DeadlockDetected)


def _replay(stored: TimeLogOfflineSync, body_hash: str) -> dict:
    if stored.body_hash != body_hash:
        error = RuleViolation(
            FulfillmentError.IDEMPOTENCY_KEY_REUSED,
            "This client_uuid was already used for a different event; nothing was done.",
        )
        return {**failed(str(stored.client_uuid), error), "reused": True}
    return {
        "client_uuid": str(stored.client_uuid),
        "status": "duplicate",
        "time_log": stored.result.get("time_log"),
        "first_result": stored.result,
    }


def _received(key: EventKey, body: EventBody, body_hash: str, received_at, sent_at) -> TimeLogOfflineSync:
    """The event as received (not yet saved: it is written once, with its answer)."""
    payload = body.payload or {}
    offset = received_at - body.device_time
    skew = received_at - sent_at if sent_at is not None else offset
    row = TimeLogOfflineSync(
        worker=key.worker,
        client_uuid=key.client_uuid,
        event_type=str(body.type)[:24],
        body_hash=body_hash,
        payload=json.loads(json.dumps(photo_reference(payload), cls=DjangoJSONEncoder)),
        device_time=body.device_time,
        received_at=received_at,
        clock_offset_seconds=round(offset.total_seconds()),
        clock_suspect=abs(skew) > CLOCK_TOLERANCE,
    )
    if isinstance(payload, dict):
        with contextlib.suppress(RuleViolation):  # kept raw in the payload; the event fails on it
            row.latitude, row.longitude = coordinates(payload.get("lat"), payload.get("lng"))
    return row


def _apply(row: TimeLogOfflineSync, run: Run, received_at, *, several_writes: bool) -> tuple[dict, TimeLog | None]:
    """Run the write; a refusal is the event's answer. Each service undoes its own writes when it
    refuses (its own atomic block); several of them get a savepoint of their own around them all."""
    client_uuid = str(row.client_uuid)
    try:
        with transaction.atomic() if several_writes else contextlib.nullcontext():
            if row.device_time > received_at + CLOCK_TOLERANCE:
                raise RuleViolation(
                    FulfillmentError.DEVICE_TIME_IN_FUTURE,
                    "This event is dated in the future: check the phone's clock. It was not applied.",
                )
            outcome = run(row)
    except RuleViolation as error:
        return {**failed(client_uuid, error), "time_log": row.time_log_id}, None
    except ValidationError as error:
        violation = RuleViolation(CommonError.INVALID, " ".join(error.messages))
        return {**failed(client_uuid, violation), "time_log": row.time_log_id}, None
    if isinstance(outcome, Conflict):
        time_log = row.conflict_with = outcome.time_log
        row.time_log = time_log
        answer = {
            "client_uuid": client_uuid,
            "status": "conflict",
            "time_log": time_log.pk,
            "conflict": {
                "time_log": time_log.pk,
                "status": time_log.status,
                "clock_out_at": time_log.clock_out_at.isoformat() if time_log.clock_out_at else None,
                "by": outcome.closed_by,
            },
        }
        return answer, time_log
    row.time_log = outcome
    return {"client_uuid": client_uuid, "status": "synced", "time_log": outcome.pk}, outcome
