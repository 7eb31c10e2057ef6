"""Every write of the outbox (decisions 0013, 0023, 0045).

A message is first a `Notification` row, written in the transaction of the event that caused
it, then sent after commit: rows written one event at a time go in waves (one
`send_pending_notifications` task a second at most, decision 0023), a batch (the sweep) by one
`send_notifications` task, a critical alert by `send_notification` at once. Sending takes the
row under SKIP LOCKED and only while pending, so a row is never sent twice; the app that owns
the message's kind may cancel it first (`catalogue.cancel_reason`)."""

import datetime
import functools
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from unioncore.audit import history_insert_sql
from unioncore.errors import NotificationError, RuleViolation
from unioncore.models import User
from unioncore.notifications import catalogue
from unioncore.notifications.enums import Channel, NotificationStatus, OptOutVia
from unioncore.notifications.models import Notification, SmsOptOut
from unioncore.notifications.sms import SmsDeliveryError, get_backend
from unioncore.sql import bound_cursor, column_arrays

logger = logging.getLogger(__name__)

# A pending row whose task never ran (broker down at commit) is queued again after this long.
REQUEUE_AFTER = datetime.timedelta(minutes=2)
REQUEUE_WITHIN = datetime.timedelta(hours=24)
# Messages go out in waves (a crew clocks in within minutes of 7:00; decision 0023). After
# commit, the first writer of a wave marks it in the cache for WAVE_SECONDS and schedules one
# task WAVE_DELAY_SECONDS later; a writer that finds the mark schedules nothing: its rows were
# committed before it looked, so before that task runs (the extra second is margin for the
# clocks of web and worker machines), and the task sends every pending row. One Celery message
# a second at most, instead of one per row (its cost per clock-in: docs/performance.md).
WAVE_KEY = "notifications:outbox-wave"
WAVE_SECONDS = 1
WAVE_DELAY_SECONDS = 2
SEND_PENDING_LIMIT = 500  # rows a wave task takes; a fuller wave is carried on by the next one
WAVE_CHUNK = 10  # rows per send task: a wave is sent by the workers in parallel, 10 rows a task

# The columns a batch gives each outbox row; every other column takes its model default. The
# callers give the first seven; `not_before` (quiet hours) is added here, from the kind.
BATCH_FIELDS = ("about_id", "recipient", "channel", "kind", "cycle", "body", "link", "not_before")

# What a person texts to stop or restart the hall's messages (the carriers' standard words).
STOP_WORDS = frozenset({"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})


# --- Quiet hours ---


def _clock(value: str) -> datetime.time:
    return datetime.time.fromisoformat(value)


def held_until(kind: str, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When a message of `kind` written `now` may go: None at once (a critical kind, or outside
    the quiet hours), else the end of the quiet hours (07:00 hall time by default)."""
    if catalogue.is_critical(kind):
        return None
    start, end = _clock(settings.SMS_QUIET_FROM), _clock(settings.SMS_QUIET_UNTIL)
    if start == end:
        return None
    local = timezone.localtime(now or timezone.now())
    at = local.time()
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return None
    day = local.date() + datetime.timedelta(days=1) if end <= at else local.date()
    return timezone.make_aware(datetime.datetime.combine(day, end))


def _due_now(now: datetime.datetime) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


# --- Who is reached, and how ---


def channel_of(user: User) -> str | None:
    """Phone first; email when there is no phone; nothing when there is neither."""
    return channel_for(user.phone, user.email)


def channel_for(phone, email: str) -> str | None:
    """`channel_of` from a user's phone (a PhoneNumber, or the column's text) and email."""
    # Not `if phone`: a PhoneNumber's truth value validates and formats it (slow for a sweep's
    # batch). The column holds NULL or an E.164 number (a check constraint).
    if phone is not None and phone != "":
        return Channel.SMS
    if email:
        return Channel.EMAIL
    return None


def reachable(users) -> list[tuple[User, str]]:
    """Each reachable recipient once, with their channel (phone if they have one, else email)."""
    found = {}
    for user in users:
        channel = channel_of(user)
        if channel is not None:
            found.setdefault(user.pk, (user, channel))
    return list(found.values())


# --- Writing ---


def rows_for(users, *, kind: str, body: str, link: str = "", about_id: int | None = None, cycle: int = 0):
    """Unsaved outbox rows: one per reachable recipient (each once), by phone if they have one,
    else by email. Nothing for a user who can be reached neither way."""
    return [
        Notification(about_id=about_id, recipient=user, channel=channel, kind=kind, cycle=cycle, body=body, link=link)
        for user, channel in reachable(users)
    ]


def notify(*, user: User, kind: str, body: str, link: str = "", about_id: int | None = None, cycle: int = 0):
    """A message to one person: written in the caller's transaction and sent after commit; by
    phone if they have one, else by email. The row is unique per (about_id, recipient, channel,
    kind, cycle) when `about_id` is given: a second call for the same step writes nothing."""
    return write(rows_for([user], kind=kind, body=body, link=link, about_id=about_id, cycle=cycle))


def write(rows: list[Notification]) -> list[Notification]:
    """Insert the rows (one statement, with their history) and queue them after commit. A row
    whose step was already written is left out (the unique constraint): never sent twice."""
    if not rows:
        return []
    now, held = timezone.now(), {}
    for row in rows:
        if row.kind not in held:
            held[row.kind] = held_until(row.kind, now)
        row.not_before = held[row.kind]
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
    user = _history_model().get_default_history_user(rows[0])
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
    """The unique step of a row (about_id, recipient, channel, kind, cycle), choices as text."""
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


def write_batch(rows: list[tuple]) -> list[int]:
    """The outbox rows of a batch (values of BATCH_FIELDS) and their history in one statement;
    returns the ids written, sent by one task after commit. INSERT … ON CONFLICT DO NOTHING: a
    step already written (the unique constraint) is skipped, so it is neither sent nor copied to
    the history twice. This is what bulk_create(ignore_conflicts=True) and bulk_history_create
    would write, without their cost (a model instance per row and per history row: more than the
    sweep's whole budget per approval, docs/performance.md), and with the ids, which bulk_create
    does not return when it ignores conflicts."""
    if not rows:
        return []
    now, held = timezone.now(), {}
    for kind in {row[3] for row in rows}:
        held[kind] = held_until(kind, now)
    rows = [(*row, held[row[3]]) for row in rows]
    if connection.vendor != "postgresql":
        return _write_batch_portable(rows)
    user = _history_model().get_default_history_user(Notification())  # as bulk_history_create
    ids = sorted(pk for pk, *_key in _insert_outbox(rows, now=timezone.now(), reason=None, user=user))
    if ids:
        transaction.on_commit(lambda: _enqueue_batch(ids))
    return ids


def _write_batch_portable(rows: list[tuple]) -> list[int]:
    """The same rows through the ORM, for the embedded SQLite of `make run` (slower, same result:
    a step already written is skipped)."""
    from simple_history.utils import bulk_create_with_history

    fresh = []
    for values in rows:
        fields = dict(
            zip(
                ("about_id", "recipient_id", "channel", "kind", "cycle", "body", "link", "not_before"), values,
                strict=True,
            )
        )  # fmt: skip
        key = {k: fields[k] for k in ("about_id", "recipient_id", "channel", "kind", "cycle")}
        if not Notification.objects.filter(**key).exists():
            fresh.append(Notification(**fields))
    ids = [n.pk for n in bulk_create_with_history(fresh, Notification)] if fresh else []
    if ids:
        transaction.on_commit(lambda: _enqueue_batch(ids))
    return ids


@functools.cache
def _batch_fields() -> list:
    return [Notification._meta.get_field(name) for name in BATCH_FIELDS]


def _insert_outbox(rows: list[tuple], *, now, reason, user) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING of `rows` (values of BATCH_FIELDS; every other column its
    default, `created_at` now) and their history rows ("+", `user`, `reason`), in one
    statement; returns (id, about_id, recipient, channel, kind, cycle) of each row written."""
    sql, rest = _outbox_sql()
    defaults = [now if getattr(f, "auto_now_add", False) else f.get_db_prep_save(f.get_default(), connection)
                for f in rest]  # fmt: skip
    _placeholders, arrays = column_arrays(_batch_fields(), rows)
    with bound_cursor() as cursor:
        cursor.execute(sql, [*defaults, *arrays, now, reason, "+", user and user.pk])
        return cursor.fetchall()


@functools.cache
def _outbox_sql() -> tuple[str, list]:
    """The statement of `_insert_outbox` and the columns it fills with their defaults (made
    once: reading a model's history manager builds a class each time)."""
    meta, quote = Notification._meta, connection.ops.quote_name
    given = _batch_fields()
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.name not in BATCH_FIELDS]
    arrays, _lists = column_arrays(given, [])
    history = _history_model()._meta
    key = [meta.pk.column, *(history.get_field(name).column for name in BATCH_FIELDS[:5])]
    sql = """
        WITH written AS (
            INSERT INTO {table} ({columns})
            SELECT {values}, {defaults} FROM unnest({arrays}) AS v({names})
            ON CONFLICT DO NOTHING
            RETURNING *
        )
        {history} RETURNING {key}
    """.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(f.column) for f in given + rest),
        values=", ".join(f"v.{quote(f.column)}" for f in given),
        defaults=", ".join(f"%s::{f.db_type(connection)}" for f in rest),
        arrays=arrays,
        names=", ".join(quote(f.column) for f in given),
        history=history_insert_sql(Notification, "written"),
        key=", ".join(quote(column) for column in key),
    )
    return sql, rest


@functools.cache
def _history_model():
    return Notification.history.model


def notify_critical(*, user: User, kind: str, body: str, link: str = "") -> list[Notification]:
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


# --- Queueing ---


def _send_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from unioncore.notifications import tasks  # the tasks module imports the services

    for notification_id in ids:
        try:
            tasks.send_notification.delay(notification_id)
        except Exception:  # the row stays pending; requeue_stale queues it again
            logger.exception("Could not queue notification %s", notification_id)


def _enqueue_batch(ids: list[int]) -> None:
    from unioncore.notifications import tasks

    try:
        tasks.send_notifications.delay(ids)
    except Exception:  # the rows stay pending; requeue_stale queues them again
        logger.exception("Could not queue %s notifications (%s…)", len(ids), ids[0])


def _send_wave() -> None:
    """After commit: make sure a task will send this wave's rows (see WAVE_SECONDS)."""
    from unioncore.notifications import tasks

    try:
        if tasks.send_pending_notifications.app.conf.task_always_eager:
            tasks.send_pending_notifications.delay()  # no broker: at once, every time
        elif cache.add(WAVE_KEY, 1, timeout=WAVE_SECONDS):
            tasks.send_pending_notifications.apply_async(countdown=WAVE_DELAY_SECONDS)
    except Exception:  # the rows stay pending; requeue_stale queues them again
        logger.exception("Could not queue the pending notifications")


def pending_notification_ids(*, after: int = 0, limit: int = SEND_PENDING_LIMIT) -> list[int]:
    """The outbox rows still to send (pending, written in the last day), in the order they were
    written, from id `after` on: what a wave task hands to the send tasks."""
    now = timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING, pk__gt=after)
        .filter(created_at__gt=now - REQUEUE_WITHIN)
        .filter(_due_now(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def requeue_stale(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Queue again the pending rows whose task never ran (sending is idempotent), and the rows
    held through the quiet hours once they are due."""
    now = now or timezone.now()
    lost = Q(not_before__isnull=True, created_at__lte=now - REQUEUE_AFTER, created_at__gt=now - REQUEUE_WITHIN)
    released = Q(not_before__lte=now, not_before__gt=now - REQUEUE_WITHIN)
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(lost | released)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    _send_after_commit(ids)
    return len(ids)


# --- Sending one message ---


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
        send_mail(catalogue.subject(notification.kind), notification.body, None, [recipient.email])
    except Exception as error:  # SMTP refusals, connection errors
        logger.exception("Email failed on notification %s", notification.pk)
        return f"Email error: {error}"
    return ""


def _email_fallback(notification: Notification) -> Notification | None:
    """The one email copy of a failed SMS (seed), if the user has an email address."""
    if not notification.recipient.email or Notification.objects.filter(fallback_of=notification).exists():
        return None
    fallback = Notification(
        about_id=notification.about_id, recipient=notification.recipient, channel=Channel.EMAIL,
        kind=notification.kind, cycle=notification.cycle, body=notification.body, link=notification.link,
        fallback_of=notification,
    )  # fmt: skip
    try:
        with transaction.atomic():
            fallback.save()
    except IntegrityError:  # this step already went to this user by email
        return None
    return fallback


OPTED_OUT = "The recipient texted STOP: sent by email instead, if they have an address."


def _opted_out(notification: Notification) -> str:
    """STOP respected: a text that is not critical is not sent to someone who opted out."""
    if notification.channel != Channel.SMS or catalogue.is_critical(notification.kind):
        return ""
    try:
        opted_out = notification.recipient.sms_opt_out.opted_out
    except SmsOptOut.DoesNotExist:
        return ""
    return OPTED_OUT if opted_out else ""


def send_notification(*, notification_id: int) -> str:
    """Send one outbox row, once: taken with SKIP LOCKED, sent only while pending, cancelled if
    the app that owns its kind says it is no longer due. A failed SMS sends the same message
    once by email when the user has an address. Returns the row's status ("skipped" if another
    worker holds it or it is gone)."""
    fallback = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "recipient__sms_opt_out")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "skipped"
        if notification.status != NotificationStatus.PENDING:
            return notification.status
        if notification.not_before is not None and notification.not_before > timezone.now():
            return "held"  # quiet hours: requeue_stale queues it when they end
        reason = catalogue.cancel_reason(notification) or _opted_out(notification)
        if reason:
            notification.status, notification.error = NotificationStatus.CANCELLED, reason[:300]
        else:
            notification.attempts += 1
            error = _deliver(notification)
            if error:
                notification.status, notification.error = NotificationStatus.FAILED, error[:300]
            else:
                notification.status, notification.sent_at = NotificationStatus.SENT, timezone.now()
        if notification.about_id is None and notification.link:  # a magic link is a key: keep no copy
            notification.body = notification.body.replace(notification.link, "[link removed once sent]")
            notification.link = ""
        notification.save()
        if notification.channel == Channel.SMS and (
            notification.status == NotificationStatus.FAILED or notification.error == OPTED_OUT
        ):
            fallback = _email_fallback(notification)
    if fallback is not None:
        send_notification(notification_id=fallback.pk)  # at once, not via the queue
    return notification.status


# --- STOP / START ---


def _set_opt_out(*, user: User, by: User, via: str, opted_out: bool) -> SmsOptOut:
    if via not in OptOutVia.values:
        raise RuleViolation(NotificationError.BAD_VIA, "An opt-out comes by text, from the portal or from the console.")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one answer at a time per person
    choice = SmsOptOut.objects.filter(user=user).first() or SmsOptOut(user=user)
    if choice.pk is not None and choice.opted_out == opted_out:
        return choice  # already so: nothing to record
    choice.opted_out, choice.via, choice.changed_at = opted_out, via, timezone.now()
    choice._history_user = by
    choice.save()
    return choice


@transaction.atomic
def sms_opt_out(*, user: User, by: User, via: str) -> SmsOptOut:
    """No more texts but the critical ones (STOP). Safe to repeat."""
    return _set_opt_out(user=user, by=by, via=via, opted_out=True)


@transaction.atomic
def sms_opt_in(*, user: User, by: User, via: str) -> SmsOptOut:
    """Texts again (START). Safe to repeat."""
    return _set_opt_out(user=user, by=by, via=via, opted_out=False)


def sms_inbound(*, from_number: str, body: str) -> str:
    """A text to the hall's number (the provider's webhook): STOP or START from a known phone is
    recorded as that person's answer; anything else is left alone. Returns "stopped", "started"
    or "ignored"."""
    word = " ".join((body or "").upper().split())
    if word not in STOP_WORDS and word not in START_WORDS:
        return "ignored"
    user = User.objects.filter(phone=from_number).first() if from_number else None
    if user is None:
        return "ignored"
    if word in STOP_WORDS:
        sms_opt_out(user=user, by=user, via=OptOutVia.SMS)
        return "stopped"
    sms_opt_in(user=user, by=user, via=OptOutVia.SMS)
    return "started"
