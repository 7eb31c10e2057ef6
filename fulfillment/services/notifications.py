"""The outbox and the escalation ladders (seed: Escalation Protocol, SMS Delivery Failure Handling).

Every message is first a `Notification` row — one per recipient, channel, ladder step and timer
cycle, unique — written in the transaction of the event that caused it, then sent after commit
(a time log's messages by `fulfillment.tasks.send_pending_notifications`, one task per wave of
them; a critical alert by `fulfillment.tasks.send_notification`, at once). A step can therefore never be sent twice,
and a message about a state the time log has left is cancelled instead of sent.

Ladders are not task countdowns: `run_escalations` (beat, every minute) writes the steps that
have come due, from the clock-in time and from the 4-hour deadline kept on the time log."""

import datetime
import functools
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dispatch.enums import EmployerRole
from dispatch.models import Dispatch, EmployerUser
from fulfillment import rules
from fulfillment.enums import ON_SHIFT, TIMED_STATUSES, AcknowledgementMethod, Channel, NotificationStatus
from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import AUTO_APPROVAL_DELAY, ClockInAcknowledgement, Notification, TimeLog, open_sync_conflict
from fulfillment.sms import SmsDeliveryError, get_backend
from unioncore.audit import history_insert_sql
from unioncore.errors import RuleViolation
from unioncore.models import User

__all__ = [
    "announce",
    "announce_critical",
    "announce_many",
    "announce_to",
    "card_link",
    "card_link_timelog_id",
    "pending_notification_ids",
    "run_escalations",
    "send_notification",
    "timelog_acknowledge",
]

logger = logging.getLogger(__name__)

# The ladders (seed). Clock-in: from the clock-in notification; end of shift: from the start of
# the 4-hour timer (auto_approval_time − 4 h), restarted with each new timer cycle.
CLOCK_IN_TO_BORROWING_ADMIN = datetime.timedelta(minutes=15)
CLOCK_IN_TO_LENDING_ADMIN = datetime.timedelta(minutes=25)
REMINDER_AFTER = datetime.timedelta(minutes=60)
URGENT_AFTER = datetime.timedelta(hours=3)
# A pending row whose task never ran (broker down at commit) is queued again after this long.
REQUEUE_AFTER = datetime.timedelta(minutes=2)
REQUEUE_WITHIN = datetime.timedelta(hours=24)
# A time log's messages go out in waves (a crew clocks in within minutes of 7:00; decision 0023).
# After commit, the first writer of a wave marks it in the cache for WAVE_SECONDS and schedules
# one task WAVE_DELAY_SECONDS later; a writer that finds the mark schedules nothing: its rows
# were committed before it looked, so before that task runs (the extra second is margin for the
# clocks of web and worker machines), and the task sends every pending row. One Celery message
# a second at most, instead of one per row (a millisecond of each clock-in).
WAVE_KEY = "fulfillment:outbox-wave"
WAVE_SECONDS = 1
WAVE_DELAY_SECONDS = 2
SEND_PENDING_LIMIT = 500  # rows a wave task takes; a fuller wave is carried on by the next one
WAVE_CHUNK = 10  # rows per send task: a wave is sent by the workers in parallel, 10 rows a task

LINK_SALT = "fulfillment.timelog-card"
LINK_MAX_AGE = datetime.timedelta(days=14)

# Who must act while each timed status waits (the silent party loses at the deadline).
SUPERVISOR_WAITS = (S.PENDING_VERIFICATION, S.PENDING_SUPERVISOR_REEVALUATION, S.PENDING_SUPERVISOR_VERIFICATION)
WORKER_WAITS = (S.PENDING_WORKER_REVIEW,)


@dataclass(frozen=True)
class Message:
    """One kind of message. `while_status`: sent only while the time log is still in one of
    these statuses and in the timer cycle the message was written for, else cancelled;
    `until_acknowledged`: cancelled once the clock-in has been acknowledged."""

    kind: str
    subject: str
    text: str
    while_status: tuple = ()
    until_acknowledged: bool = False


MESSAGES = {
    m.kind: m
    for m in [
        Message(
            "clock_in_t0", "Clock-in",
            "Clock-in: {worker} started work at {worksite} ({employer}) at {clock_in}. Open to confirm: {link}",
        ),
        Message(
            "clock_in_t15", "Clock-in not confirmed",
            "Clock-in not confirmed after 15 minutes: {worker} at {worksite} since {clock_in}. "
            "The site contact has not opened it. Open: {link}",
            while_status=ON_SHIFT, until_acknowledged=True,
        ),
        Message(
            "clock_in_t25", "Clock-in not confirmed — tacit approval",
            "Clock-in not confirmed after 25 minutes: {worker} at {worksite} ({employer}) since {clock_in}. "
            "Attendance stands (tacit approval) unless the worker is sent off. Open: {link}",
            while_status=ON_SHIFT, until_acknowledged=True,
        ),
        Message(
            "verify_t0", "Verify hours",
            "Verify hours: {worker} submitted {hours} for {day} at {worksite}. "
            "Approve, edit or dispute by {deadline}: {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "verify_t60", "Reminder: verify hours",
            "Reminder, verify hours: {worker}, {day}, {hours}. Auto-approved at {deadline} if no one acts: {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "verify_t3h", "URGENT: hours auto-approve in 1 hour",
            "URGENT: {worker}'s {hours} for {day} will be auto-approved at {deadline}. Verify now: {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "reevaluate_t0", "Worker rejected your edit",
            'Worker rejected your edit: {worker}, {day}: "{comment}". '
            "Correct the times or file a dispute by {deadline}: {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "retroactive_t0", "Manual timesheet entry",
            "Worker submitted manual timesheet entry. Please verify. {worker}, {day}: {hours}. {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "retroactive_replaced_t0", "Manual timesheet entry (correction)",
            "Worker submitted manual timesheet entry. Please verify. It corrects the recorded shift of "
            "{worker} on {day}: {hours}. {link}",
            while_status=SUPERVISOR_WAITS,
        ),
        Message(
            "review_t0", "Your hours were edited",
            'Your supervisor changed your hours for {day} to {hours}: "{note}". Accept or reject by {deadline}: {link}',
            while_status=WORKER_WAITS,
        ),
        Message(
            "review_t60", "Reminder: review the edit of your hours",
            "Reminder: accept or reject the change of your hours for {day} to {hours} by {deadline}, "
            "or it stands: {link}",
            while_status=WORKER_WAITS,
        ),
        Message(
            "review_t3h", "URGENT: the edit of your hours stands in 1 hour",
            "URGENT: the change of your hours for {day} to {hours} stands at {deadline} unless you reject it: {link}",
            while_status=WORKER_WAITS,
        ),
        Message(
            "auto_approved", "Timesheet auto-approved",
            "Timesheet auto-approved after 4 hours. {silent} {worker}, {day}: {hours}. {link}",
            while_status=(S.VERIFIED,),  # only for an approval that stands (decision 0035)
        ),
        Message(
            "ejected", "Sent off the site",
            "You were sent off the site at {worksite} ({employer}) at {clock_out}: \"{end_reason}\". "
            "Your shift ended then; the hall is told. {link}",
        ),
        Message(
            "ejected_hall", "Member ejected from a site",
            "Ejected: {worker} was sent off the site at {worksite} ({employer}) at {clock_out}, "
            "{minutes} after clocking in, by {ended_by}: \"{end_reason}\". See the console's ejections.",
        ),
        Message(
            "sync_conflict_t0", "Offline clock-out to settle",
            "Offline clock-out to settle: {worker}'s phone sent a clock-out for {day} after the shift was "
            "ended at {clock_out}. Choose which clock-out stands: {link}",
        ),
        Message(
            "sync_conflict_kept", "Your offline clock-out was not taken",
            "Your offline clock-out for {day} at {worksite} was not taken: your supervisor kept the "
            "clock-out at {clock_out}. Your hours: {hours}.",
        ),
        Message(
            "sync_conflict_taken", "Your offline clock-out was taken",
            "Your offline clock-out for {day} at {worksite} was taken by your supervisor: {hours}.",
        ),
        Message("verified", "Hours verified", "Your hours for {day} at {worksite} are verified: {hours}. {link}"),
        Message(
            "disputed", "Hours disputed",
            "Your hours for {day} at {worksite} are disputed by the employer; the union will resolve it. {link}",
        ),
        Message(
            "dispute_resolved", "Dispute resolved",
            "The dispute on your hours for {day} is resolved by the union: {hours} verified. {link}",
        ),
    ]
}  # fmt: skip

# Event (as the time-log services name it) → the immediate (T+0) messages: (recipient, kind).
EVENTS = {
    "clock_in": (("site_contact", "clock_in_t0"),),
    "submitted": (("site_contact", "verify_t0"),),  # critical: no quiet hours apply
    "worker_review_requested": (("worker", "review_t0"),),
    "reevaluation_requested": (("site_contact", "reevaluate_t0"),),
    "retroactive_submitted": (("site_contact", "retroactive_t0"),),
    "retroactive_replaced": (("site_contact", "retroactive_replaced_t0"),),
    "auto_approved": (("worker", "auto_approved"), ("site_contact", "auto_approved")),
    "ejected": (("worker", "ejected"), ("lending_admin", "ejected_hall"), ("site_contact", "verify_t0")),
    "verified": (("worker", "verified"),),
    "disputed": (("worker", "disputed"),),
    "dispute_resolved": (("worker", "dispute_resolved"),),
    "sync_conflict": (("site_contact", "sync_conflict_t0"),),
    "sync_conflict_kept": (("worker", "sync_conflict_kept"),),
    "sync_conflict_taken": (("worker", "sync_conflict_taken"),),
}

CRITICAL_SUBJECTS = {"magic_link": "Your UnionCore sign-in link", "recall": "Recall notice"}
# Notices about no time log (`announce_to`): the member's roll-off at 3 PM (the 2024 procedure, rule 7).
NOTICE_SUBJECTS = {"rolled_off_no_check_in": "Rolled off the books: no check-in by 3 PM"}

# What the ladders and the messages read of a time log, in one query.
RELATED = (
    "worker",
    "dispatch__employer",
    "dispatch__job_request",
    "dispatch__primary_site_contact__user",
    "dispatch__lending_admin",
)


# --- The deep link to the verification card ---


def card_link(time_log: TimeLog) -> str:
    """The absolute, signed link to a time log's verification card."""
    token = signing.TimestampSigner(salt=LINK_SALT).sign(str(time_log.pk))
    return f"{settings.SITE_URL.rstrip('/')}/portal/timelogs/{token}/"


def card_link_timelog_id(token: str, *, max_age: datetime.timedelta = LINK_MAX_AGE) -> int:
    """The time log id a card link's token names. Raises `signing.BadSignature` (or its
    subclass `SignatureExpired`) for a forged or stale token."""
    return int(signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=max_age))


# --- Writing the outbox ---


def _local(moment: datetime.datetime | None, fmt: str) -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _hours(times) -> str:
    if times is None:
        return "no hours"
    minutes = times.billable_minutes
    return f"{minutes // 60}h{minutes % 60:02d}"


def _standing_hours(time_log: TimeLog) -> str:
    standing = time_log.final_times
    if standing is None:
        standing = time_log.supervisor_times if time_log.status in WORKER_WAITS else time_log.worker_times
    return _hours(standing)


def _silent_party(time_log: TimeLog) -> str:
    if time_log.last_editor_id is not None and time_log.last_editor_id != time_log.worker_id:
        return "Worker did not respond within required timeframe."
    return "Supervisor did not verify within required timeframe."


FIELDS = {
    "worker": lambda t: t.worker.get_full_name() or t.worker.username,
    "employer": lambda t: t.dispatch.employer.name,
    "worksite": lambda t: t.dispatch.job_request.worksite,
    "clock_in": lambda t: _local(t.clock_in_at, "%-I:%M %p"),
    "clock_out": lambda t: _local(t.clock_out_at, "%-I:%M %p"),
    "day": lambda t: _local(t.clock_in_at, "%a %b %-d"),
    "hours": _standing_hours,
    "deadline": lambda t: _local(t.auto_approval_time, "%a %-I:%M %p"),
    "note": lambda t: t.supervisor_note,
    "comment": lambda t: t.worker_comment,
    "silent": _silent_party,
    "end_reason": lambda t: t.end_reason,
    "ended_by": lambda t: (t.ended_by.get_full_name() or t.ended_by.username) if t.ended_by_id else "",
    "minutes": lambda t: f"{round((t.clock_out_at - t.clock_in_at).total_seconds() / 60)} min",
    "link": card_link,
}


class _Context(dict):
    """The fields of a time log's messages, each read (from the database, if its relation is
    not loaded yet) only when a message uses it: the sweep approving hundreds stays cheap."""

    def __init__(self, time_log: TimeLog):
        super().__init__()
        self.time_log = time_log

    def __missing__(self, key):
        self[key] = value = FIELDS[key](self.time_log)
        return value


def _channel(user: User) -> str | None:
    """Phone first; email when there is no phone; nothing when there is neither."""
    # Not `if user.phone`: a PhoneNumber's truth value validates and formats it (slow for a
    # sweep's batch). The column holds NULL or an E.164 number (a check constraint).
    if user.phone is not None and user.phone != "":
        return Channel.SMS
    if user.email:
        return Channel.EMAIL
    return None


def _reachable(users) -> list[tuple[User, str]]:
    """Each reachable recipient once, with their channel (phone if they have one, else email)."""
    reachable = {}
    for user in users:
        channel = _channel(user)
        if channel is not None:
            reachable.setdefault(user.pk, (user, channel))
    return list(reachable.values())


def _rows(time_log: TimeLog, users, kind: str, context: _Context) -> list[Notification]:
    """One row per reachable recipient (each once), by phone if they have one, else by email."""
    reachable = _reachable(users)
    if not reachable:
        return []
    body = MESSAGES[kind].text.format_map(context)
    return [
        Notification(
            time_log=time_log, recipient=user, channel=channel, kind=kind, cycle=time_log.timer_cycle, body=body,
            link=context["link"],
        )
        for user, channel in reachable
    ]  # fmt: skip


def _write(rows: list[Notification]) -> list[Notification]:
    """Insert the rows (one statement, with their history) and queue them after commit. A row
    whose step was already written is left out (the unique constraint): never sent twice."""
    if not rows:
        return []
    created = _write_returning(rows) if connection.vendor == "postgresql" else _write_portable_rows(rows)
    if created:
        transaction.on_commit(_send_wave)
    return created


def _write_returning(rows: list[Notification]) -> list[Notification]:
    """The rows and their history in one statement (INSERT … ON CONFLICT DO NOTHING, no
    savepoint): the rows written come back with their ids, as bulk_create leaves them; the
    history as bulk_history_create writes it (the request's or acting user, no reason)."""
    now = timezone.now()
    values = [tuple(getattr(row, f.attname) for f in _batch_fields()) for row in rows]
    user = _history_model(Notification).get_default_history_user(rows[0])
    written = {_step(key): pk for pk, *key in _insert_outbox(values, now=now, reason="", user=user)}
    created = []
    for row, value in zip(rows, values, strict=True):
        pk = written.get(_step(value[:5]))
        if pk is not None:
            row.pk, row.created_at = pk, now
            row._state.adding, row._state.db = False, "default"
            created.append(row)
    return created


def _step(key) -> tuple:
    """The unique step of a row (time log, recipient, channel, kind, cycle), choices as text."""
    return tuple(value if value is None or isinstance(value, int) else str(value) for value in key)


def _write_portable_rows(rows: list[Notification]) -> list[Notification]:
    """The same through the ORM, for the embedded SQLite of `make run`."""
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
            Notification.history.bulk_history_create(created)
    except IntegrityError:
        created = []
        for row in rows:
            row.pk, row._state.adding = None, True
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
    return created


def _send_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from fulfillment import tasks  # the tasks module imports the services

    for notification_id in ids:
        try:
            tasks.send_notification.delay(notification_id)
        except Exception:  # the row stays pending; run_escalations queues it again
            logger.exception("Could not queue notification %s", notification_id)


def _send_wave() -> None:
    """After commit: make sure a task will send this wave's rows (see WAVE_SECONDS)."""
    from fulfillment import tasks  # the tasks module imports the services

    try:
        if tasks.send_pending_notifications.app.conf.task_always_eager:
            tasks.send_pending_notifications.delay()  # no broker: at once, every time
        elif cache.add(WAVE_KEY, 1, timeout=WAVE_SECONDS):
            tasks.send_pending_notifications.apply_async(countdown=WAVE_DELAY_SECONDS)
    except Exception:  # the rows stay pending; run_escalations queues them again
        logger.exception("Could not queue the pending notifications")


def pending_notification_ids(*, after: int = 0, limit: int = SEND_PENDING_LIMIT) -> list[int]:
    """The outbox rows still to send (pending, written in the last day), in the order they were
    written, from id `after` on: what a wave task hands to the send tasks."""
    return list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, created_at__gt=timezone.now() - REQUEUE_WITHIN, pk__gt=after
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- A batch in one statement (the sweep): the outbox rows, their history, one task ---


# The columns `announce_many` gives each outbox row; every other column takes its model default.
BATCH_FIELDS = ("time_log", "recipient", "channel", "kind", "cycle", "body", "link")


def _write_batch_portable(rows: list[tuple]) -> list[int]:
    """The same rows through the ORM, for the embedded SQLite of `make run` (slower, same result:
    a step already written is skipped)."""
    from simple_history.utils import bulk_create_with_history

    fresh = []
    for values in rows:
        fields = dict(
            zip(("time_log_id", "recipient_id", "channel", "kind", "cycle", "body", "link"), values, strict=True)
        )
        key = {k: fields[k] for k in ("time_log_id", "recipient_id", "channel", "kind", "cycle")}
        if not Notification.objects.filter(**key).exists():
            fresh.append(Notification(**fields))
    ids = [n.pk for n in bulk_create_with_history(fresh, Notification)] if fresh else []
    if ids:
        transaction.on_commit(lambda: _enqueue_batch(ids))
    return ids


def _write_batch(rows: list[tuple]) -> list[int]:
    """The outbox rows of a batch (values of BATCH_FIELDS) and their history in one statement;
    returns the ids written, sent by one task after commit. INSERT … ON CONFLICT DO NOTHING: a
    step already written (the unique constraint) is skipped, so it is neither sent nor copied to
    the history twice. This is what bulk_create(ignore_conflicts=True) and bulk_history_create
    would write, without their cost (a model instance per row and per history row: 0.7 ms per
    approval's two messages on the benchmark machine, more than the sweep's whole budget of
    0.5 ms), and with the ids, which bulk_create does not return when it ignores conflicts."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _write_batch_portable(rows)
    user = _history_model(Notification).get_default_history_user(Notification())  # as bulk_history_create
    ids = sorted(pk for pk, *_key in _insert_outbox(rows, now=timezone.now(), reason=None, user=user))
    if ids:
        transaction.on_commit(lambda: _enqueue_batch(ids))
    return ids


@functools.cache
def _batch_fields() -> list:
    return [Notification._meta.get_field(name) for name in BATCH_FIELDS]


def _insert_outbox(rows: list[tuple], *, now, reason, user) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING of `rows` (values of BATCH_FIELDS; every other column its
    default, `created_at` now) and their history rows ("+", `user`, `reason`), in one
    statement; returns (id, time_log, recipient, channel, kind, cycle) of each row written."""
    sql, rest = _outbox_sql()
    defaults = [now if getattr(f, "auto_now_add", False) else f.get_db_prep_save(f.get_default(), connection)
                for f in rest]  # fmt: skip
    _records, data = json_records(_batch_fields(), rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, data, now, reason, "+", user and user.pk])
        return cursor.fetchall()


@functools.cache
def _outbox_sql() -> tuple[str, list]:
    """The statement of `_insert_outbox` and the columns it fills with their defaults (made
    once: reading a model's history manager builds a class each time)."""
    meta, quote = Notification._meta, connection.ops.quote_name
    given = _batch_fields()
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.name not in BATCH_FIELDS]
    records, _data = json_records(given, [])
    history = _history_model(Notification)._meta
    key = [meta.pk.column, *(history.get_field(name).column for name in BATCH_FIELDS[:5])]
    sql = """
        WITH written AS (
            INSERT INTO {table} ({columns})
            SELECT {values}, {defaults} FROM json_to_recordset(%s::json) AS v({records})
            ON CONFLICT DO NOTHING
            RETURNING *
        )
        {history} RETURNING {key}
    """.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(f.column) for f in given + rest),
        values=", ".join(f"v.{quote(f.column)}" for f in given),
        defaults=", ".join(f"%s::{f.db_type(connection)}" for f in rest),
        records=records,
        history=history_insert_sql(Notification, "written"),
        key=", ".join(quote(column) for column in key),
    )
    return sql, rest


@functools.cache
def _history_model(model):
    return model.history.model


def _enqueue_batch(ids: list[int]) -> None:
    from fulfillment import tasks  # the tasks module imports the services

    try:
        tasks.send_notifications.delay(ids)
    except Exception:  # the rows stay pending; run_escalations queues them again
        logger.exception("Could not queue %s notifications (%s…)", len(ids), ids[0])


def json_records(fields, rows) -> tuple[str, str]:
    """For `json_to_recordset(%s::json) AS v(<columns>)`: the column definitions of `fields`,
    and `rows` (tuples of their values, in that order) as the JSON parameter. One JSON text
    costs a tenth of the same values sent as one array per column (psycopg quotes each element
    of an array in Python). Timestamps keep their microseconds and time zone, decimals their
    digits: each column's type parses them back exactly."""
    quote = connection.ops.quote_name
    names = [f.column for f in fields]
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    data = json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_json_value)
    return columns, data


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent as JSON here")


# --- Recipients ---


def _borrowing_admins(employer_ids) -> dict[int, list[User]]:
    admins: dict[int, list[User]] = {}
    rows = EmployerUser.objects.filter(employer_id__in=set(employer_ids), role=EmployerRole.ADMIN)
    for employer_user in rows.select_related("user").order_by("pk"):
        admins.setdefault(employer_user.employer_id, []).append(employer_user.user)
    return admins


def _site_contact(time_log: TimeLog, admins: dict[int, list[User]] | None = None) -> list[User]:
    """The dispatch's primary site contact; its borrowing admins when it names none."""
    dispatch = time_log.dispatch
    if dispatch.primary_site_contact_id is not None:
        if Dispatch.primary_site_contact.is_cached(dispatch):
            return [dispatch.primary_site_contact.user]
        return list(User.objects.filter(employer_user__pk=dispatch.primary_site_contact_id))
    if admins is None:
        admins = _borrowing_admins([time_log.dispatch.employer_id])
    return admins.get(time_log.dispatch.employer_id, [])


def _lending_admin(time_log: TimeLog) -> list[User]:
    return [time_log.dispatch.lending_admin] if time_log.dispatch.lending_admin_id else []


# --- The immediate messages of an event ---


def announce(*, time_log: TimeLog, event: str) -> list[Notification]:
    """Write the immediate (T+0) messages of `event`; they are sent after commit. Called by the
    time-log services inside their transaction, with the time log locked and saved."""
    if event not in EVENTS:
        raise ValueError(f"Unknown time-log event {event!r}")
    context = _Context(time_log)
    rows = []
    for recipient, kind in EVENTS[event]:
        users = {
            "worker": lambda: [time_log.worker],
            "site_contact": lambda: _site_contact(time_log),
            "lending_admin": lambda: _lending_admin(time_log),
        }[recipient]()
        rows += _rows(time_log, users, kind, context)
    return _write(rows)


def announce_many(*, time_logs: list[TimeLog], event: str) -> list[int]:
    """`announce` for a batch of time logs (the auto-approval sweep): every outbox row and its
    history in one statement, one task to send them all after commit; returns the rows' ids.
    The same number of queries whatever the batch's size, when the time logs come with `worker`
    and `dispatch__primary_site_contact__user` loaded: the borrowing admins of the dispatches
    without a site contact are read in one query."""
    if event not in EVENTS:
        raise ValueError(f"Unknown time-log event {event!r}")
    admins = {}
    if any(recipient == "site_contact" for recipient, _kind in EVENTS[event]):
        without_contact = [t.dispatch.employer_id for t in time_logs if t.dispatch.primary_site_contact_id is None]
        if without_contact:
            admins = _borrowing_admins(without_contact)
    rows = []
    for time_log in time_logs:
        context, bodies = _Context(time_log), {}
        for recipient, kind in EVENTS[event]:
            users = [time_log.worker] if recipient == "worker" else _site_contact(time_log, admins)
            for user, channel in _reachable(users):
                if kind not in bodies:
                    bodies[kind] = MESSAGES[kind].text.format_map(context)
                rows.append((time_log.pk, user.pk, channel, kind, time_log.timer_cycle, bodies[kind], context["link"]))
    return _write_batch(rows)


def announce_to(*, user: User, kind: str, body: str) -> list[Notification]:
    """A notice to one person about no time log (a member rolled off the books at 3 PM): by
    phone if they have one, else by email, as a time log's messages go. Written in the caller's
    transaction and sent after commit; the caller's own state (a roll-off done once) keeps it
    from being written twice. Nothing when the user can be reached neither way."""
    rows = [Notification(recipient=u, channel=channel, kind=kind, body=body) for u, channel in _reachable([user])]
    return _write(rows)


def announce_critical(*, user: User, kind: str, body: str, link: str = "") -> list[Notification]:
    """A critical alert (a magic link, a recall notice): SMS and email at the same time, when
    the user has both (seed). The email row is tied to the SMS row (`fallback_of`), so a failed
    SMS does not send a second email. The link is removed from the stored rows once sent, and
    never enters the history."""
    text = body if not link or link in body else f"{body} {link}"
    rows = []
    with transaction.atomic():
        sms = None
        if user.phone:
            sms = Notification(recipient=user, channel=Channel.SMS, kind=kind, body=text, link=link)
            rows.append(sms)
        if user.email:
            rows.append(
                Notification(recipient=user, channel=Channel.EMAIL, kind=kind, body=text, link=link, fallback_of=sms)
            )
        for row in rows:
            row.skip_history_when_saving = True
            row.save()
            del row.skip_history_when_saving
    _send_after_commit([row.pk for row in rows])
    return rows


# --- Sending one message ---


def _cancel_reason(notification: Notification) -> str:
    """Why a message is no longer worth sending ("" when it still is)."""
    message = MESSAGES.get(notification.kind)
    time_log = notification.time_log
    if message is None or time_log is None:
        return ""
    if message.while_status and (
        time_log.status not in message.while_status or time_log.timer_cycle != notification.cycle
    ):
        return f"The time log is now {time_log.get_status_display().lower()}."
    if message.until_acknowledged and time_log.acknowledgements.exists():
        return "The clock-in was acknowledged."
    return ""


def _subject(notification: Notification) -> str:
    message = MESSAGES.get(notification.kind)
    if message is not None:
        return f"UnionCore: {message.subject}"
    subject = CRITICAL_SUBJECTS.get(notification.kind) or NOTICE_SUBJECTS.get(notification.kind)
    return subject or f"UnionCore: {notification.kind.replace('_', ' ')}"


def _deliver(notification: Notification) -> str:
    """Send it; return the error ("" when it went)."""
    recipient = notification.recipient
    if notification.channel == Channel.SMS:
        if not recipient.phone:
            return "The recipient has no phone number."
        try:
            message_id = get_backend().send(recipient.phone.as_e164, notification.body)
        except SmsDeliveryError as error:
            return str(error) or "SMS delivery error"
        except Exception as error:  # a broken backend is a failed SMS too: the email still goes
            logger.exception("SMS backend failed on notification %s", notification.pk)
            return f"SMS backend error: {error}"
        logger.info("Notification %s sent by SMS (%s)", notification.pk, message_id)
        return ""
    if not recipient.email:
        return "The recipient has no email address."
    try:
        send_mail(_subject(notification), notification.body, None, [recipient.email])
    except Exception as error:  # SMTP refusals, connection errors
        logger.exception("Email failed on notification %s", notification.pk)
        return f"Email error: {error}"
    return ""


def _email_fallback(notification: Notification) -> Notification | None:
    """The one email copy of a failed SMS (seed), if the user has an email address."""
    if not notification.recipient.email or Notification.objects.filter(fallback_of=notification).exists():
        return None
    fallback = Notification(
        time_log=notification.time_log, recipient=notification.recipient, channel=Channel.EMAIL,
        kind=notification.kind, cycle=notification.cycle, body=notification.body, link=notification.link,
        fallback_of=notification,
    )  # fmt: skip
    try:
        with transaction.atomic():
            fallback.save()
    except IntegrityError:  # this step already went to this user by email
        return None
    return fallback


def send_notification(*, notification_id: int) -> str:
    """Send one outbox row, once: taken with SKIP LOCKED, sent only while pending, cancelled if
    the time log has left the state it was about. A failed SMS sends the same message once by
    email when the user has an address. Returns the row's status ("skipped" if another worker
    holds it or it is gone)."""
    fallback = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "time_log")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "skipped"
        if notification.status != NotificationStatus.PENDING:
            return notification.status
        reason = _cancel_reason(notification)
        if reason:
            notification.status, notification.error = NotificationStatus.CANCELLED, reason[:300]
        else:
            notification.attempts += 1
            error = _deliver(notification)
            if error:
                notification.status, notification.error = NotificationStatus.FAILED, error[:300]
            else:
                notification.status, notification.sent_at = NotificationStatus.SENT, timezone.now()
        if notification.time_log_id is None and notification.link:  # a magic link is a key: keep no copy
            notification.body = notification.body.replace(notification.link, "[link removed once sent]")
            notification.link = ""
        notification.save()
        if notification.status == NotificationStatus.FAILED and notification.channel == Channel.SMS:
            fallback = _email_fallback(notification)
    if fallback is not None:
        send_notification(notification_id=fallback.pk)  # at once, not via the queue
    return notification.status


# --- The ladders ---


def _step_written(kinds) -> Exists:
    return Exists(Notification.objects.filter(time_log=OuterRef("pk"), kind__in=kinds, cycle=OuterRef("timer_cycle")))


def _in_batches(queryset, batch: int, write) -> int:
    """Lock the rows of `queryset` in batches by id, one transaction per batch, and pass each
    batch to `write` (which returns how many rows it wrote). SKIP LOCKED: a time log held by a
    service now is taken at the next run. A constant number of queries per batch."""
    last, written = 0, 0
    while True:
        with transaction.atomic():
            rows = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .select_related(*RELATED)
                .filter(pk__gt=last)
                .order_by("pk")[:batch]
            )
            if rows:
                written += write(rows)
        if len(rows) < batch:
            return written
        last = rows[-1].pk


def _clock_in_steps(now: datetime.datetime, batch: int) -> int:
    """T+15m: the borrowing admin(s); T+25m: the lending admin — while the worker is on shift
    and no one has acknowledged the clock-in. Measured from the clock-in notification (the time
    log's creation: an offline clock-in synced late gets its 15 minutes too)."""
    due = (
        TimeLog.objects.filter(status__in=ON_SHIFT, created_at__lte=now - CLOCK_IN_TO_BORROWING_ADMIN)
        .exclude(Exists(ClockInAcknowledgement.objects.filter(time_log=OuterRef("pk"))))
        .annotate(t15=_step_written(["clock_in_t15"]), t25=_step_written(["clock_in_t25"]))
        .filter(Q(t15=False) | Q(t25=False, created_at__lte=now - CLOCK_IN_TO_LENDING_ADMIN))
    )

    def write(time_logs):
        admins = _borrowing_admins(t.dispatch.employer_id for t in time_logs)
        rows = []
        for time_log in time_logs:
            context = _Context(time_log)
            if not time_log.t15:
                rows += _rows(time_log, admins.get(time_log.dispatch.employer_id, []), "clock_in_t15", context)
            if not time_log.t25 and time_log.created_at <= now - CLOCK_IN_TO_LENDING_ADMIN:
                rows += _rows(time_log, _lending_admin(time_log), "clock_in_t25", context)
        return len(_write(rows))

    return _in_batches(due, batch, write)


def _end_of_shift_steps(now: datetime.datetime, batch: int) -> int:
    """T+60m reminder and T+3h urgent warning of each timer cycle, to the party the timer waits
    on: the site contact and the borrowing admin(s), or the worker while they review an edit.
    Only the latest due step is written (a reminder late enough to be the warning is the
    warning), and none once the deadline has passed (the auto-approval sweep acts then)."""
    # The timer started at auto_approval_time − 4 h, so step T+x is due when
    # auto_approval_time <= now + (4 h − x): the partial index on running timers serves it.
    reminder_due = now + (AUTO_APPROVAL_DELAY - REMINDER_AFTER)
    urgent_due = now + (AUTO_APPROVAL_DELAY - URGENT_AFTER)
    due = (
        TimeLog.objects.filter(status__in=TIMED_STATUSES, auto_approval_time__gt=now)
        .filter(auto_approval_time__lte=reminder_due)
        .filter(~open_sync_conflict())  # its timer is paused (decision 0035)
        .annotate(t60=_step_written(["verify_t60", "review_t60"]), t3h=_step_written(["verify_t3h", "review_t3h"]))
        .filter(Q(auto_approval_time__lte=urgent_due, t3h=False) | Q(auto_approval_time__gt=urgent_due, t60=False))
    )

    def write(time_logs):
        admins = _borrowing_admins(t.dispatch.employer_id for t in time_logs)
        rows = []
        for time_log in time_logs:
            step = "t3h" if time_log.auto_approval_time <= urgent_due else "t60"
            if time_log.status in WORKER_WAITS:
                users, kind = [time_log.worker], f"review_{step}"
            else:
                users = _site_contact(time_log, admins) + admins.get(time_log.dispatch.employer_id, [])
                kind = f"verify_{step}"
            rows += _rows(time_log, users, kind, _Context(time_log))
        return len(_write(rows))

    return _in_batches(due, batch, write)


def _requeue_stale(now: datetime.datetime, batch: int) -> int:
    """Queue again the pending rows whose task never ran (sending is idempotent)."""
    ids = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING,
            created_at__lte=now - REQUEUE_AFTER,
            created_at__gt=now - REQUEUE_WITHIN,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    _send_after_commit(ids)
    return len(ids)


def run_escalations(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Write the ladder steps that have come due (beat, every minute); return how many rows.
    Each step once per recipient and timer cycle, whatever how often or how concurrently this
    runs; a step is written only while its time log is still in the state it is about."""
    now = now or timezone.now()
    written = _clock_in_steps(now, batch) + _end_of_shift_steps(now, batch)
    _requeue_stale(now, batch)
    return written


# --- Acknowledgements ---


@transaction.atomic
def timelog_acknowledge(*, timelog_id: int, by: User, method: str) -> ClockInAcknowledgement:
    """Record that the employer saw a clock-in (the deep link clicked, the app opened): permanent
    proof for a dispute, and the end of the clock-in ladder. Append-only: each one is a row."""
    if method not in AcknowledgementMethod.values:
        raise RuleViolation("bad_method", "An acknowledgement is a deep-link click or the app opened.")
    time_log = TimeLog.objects.select_related("dispatch").filter(pk=timelog_id).first()
    if time_log is None:
        raise RuleViolation("not_found", "No such time log.")
    if not rules.actor_of(by).may_acknowledge(time_log.dispatch.employer_id):
        raise RuleViolation("not_allowed", "Only the employer's users or union staff acknowledge a clock-in.")
    acknowledgement = ClockInAcknowledgement(time_log=time_log, user=by, method=method, acknowledged_at=timezone.now())
    acknowledgement._history_user = by
    acknowledgement.save()
    return acknowledgement
