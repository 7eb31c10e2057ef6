"""A time log's messages and the escalation ladders (seed: Escalation Protocol).

Every message is a row of the kernel's outbox (`unioncore.notifications`, decision 0045) — one
per recipient, channel, ladder step and timer cycle, unique, `about_id` the time log — written
in the transaction of the event that caused it, then sent after commit. A step can therefore
never be sent twice, and a message about a state the time log has left is cancelled instead of
sent (`_cancel_reason`, registered with the catalogue).

Ladders are not task countdowns: `run_escalations` (beat, every minute) writes the steps that
have come due, from the clock-in time and from the 4-hour deadline kept on the time log."""

import datetime
import hashlib
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes

from dispatch.enums import EmployerRole
from dispatch.models import Dispatch, EmployerUser
from fulfillment import rules
from fulfillment.enums import ON_SHIFT, SUPERVISOR_WAITS, TIMED_STATUSES, AcknowledgementMethod
from fulfillment.enums import TimeLogStatus as S
from fulfillment.errors import FulfillmentError
from fulfillment.models import AUTO_APPROVAL_DELAY, ClockInAcknowledgement, TimeLog, open_sync_conflict
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User
from unioncore.notifications import catalogue
from unioncore.notifications import services as outbox
from unioncore.notifications.models import Notification

__all__ = [
    "announce",
    "announce_many",
    "card_link",
    "card_link_timelog_id",
    "run_escalations",
    "timelog_acknowledge",
]

logger = logging.getLogger(__name__)

# The ladders (seed). Clock-in: from the clock-in notification (its steps in fulfillment.rules,
# which the eject window follows); end of shift: from the start of the 4-hour timer
# (auto_approval_time − 4 h), restarted with each new timer cycle.
REMINDER_AFTER = datetime.timedelta(minutes=60)
URGENT_AFTER = datetime.timedelta(hours=3)
LINK_SALT = "fulfillment.timelog-card"
LINK_MAX_AGE = datetime.timedelta(days=14)

# Who must act while each timed status waits (the silent party loses at the deadline).
WORKER_WAITS = (S.PENDING_WORKER_REVIEW,)


@dataclass(frozen=True)
class Message:
    """One kind of message. `while_status`: sent only while the time log is still in one of
    these statuses and in the timer cycle the message was written for, else cancelled;
    `until_acknowledged`: cancelled once the clock-in has been acknowledged; `critical`: a step
    of a ladder that runs on a timer, so it goes at once, quiet hours or not (seed)."""

    kind: str
    subject: str
    text: str
    while_status: tuple = ()
    until_acknowledged: bool = False
    critical: bool = False


MESSAGES = {
    m.kind: m
    for m in [
        Message(
            "clock_in_t0", "Clock-in",
            "Clock-in: {worker} started work at {worksite} ({employer}) at {clock_in}. Open to confirm: {link}",
            critical=True,
        ),
        Message(
            "clock_in_t15", "Clock-in not confirmed",
            "Clock-in not confirmed after 15 minutes: {worker} at {worksite} since {clock_in}. "
            "The site contact has not opened it. Open: {link}",
            while_status=ON_SHIFT, until_acknowledged=True, critical=True,
        ),
        Message(
            "clock_in_t25", "Clock-in not confirmed — tacit approval",
            "Clock-in not confirmed after 25 minutes: {worker} at {worksite} ({employer}) since {clock_in}. "
            "Attendance stands (tacit approval) unless the worker is sent off. Open: {link}",
            while_status=ON_SHIFT, until_acknowledged=True, critical=True,
        ),
        Message(
            "verify_t0", "Verify hours",
            "Verify hours: {worker} submitted {hours} for {day} at {worksite}. "
            "Approve, edit or dispute by {deadline}: {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "verify_t60", "Reminder: verify hours",
            "Reminder, verify hours: {worker}, {day}, {hours}. Auto-approved at {deadline} if no one acts: {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "verify_t3h", "URGENT: hours auto-approve in 1 hour",
            "URGENT: {worker}'s {hours} for {day} will be auto-approved at {deadline}. Verify now: {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "reevaluate_t0", "Worker rejected your edit",
            'Worker rejected your edit: {worker}, {day}: "{comment}". '
            "Correct the times or file a dispute by {deadline}: {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "retroactive_t0", "Manual timesheet entry",
            "Worker submitted manual timesheet entry. Please verify. {worker}, {day}: {hours}. {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "retroactive_replaced_t0", "Manual timesheet entry (correction)",
            "Worker submitted manual timesheet entry. Please verify. It corrects the recorded shift of "
            "{worker} on {day}: {hours}. {link}",
            while_status=SUPERVISOR_WAITS, critical=True,
        ),
        Message(
            "review_t0", "Your hours were edited",
            'Your supervisor changed your hours for {day} to {hours}: "{note}". Accept or reject by {deadline}: {link}',
            while_status=WORKER_WAITS, critical=True,
        ),
        Message(
            "review_t60", "Reminder: review the edit of your hours",
            "Reminder: accept or reject the change of your hours for {day} to {hours} by {deadline}, "
            "or it stands: {link}",
            while_status=WORKER_WAITS, critical=True,
        ),
        Message(
            "review_t3h", "URGENT: the edit of your hours stands in 1 hour",
            "URGENT: the change of your hours for {day} to {hours} stands at {deadline} unless you reject it: {link}",
            while_status=WORKER_WAITS, critical=True,
        ),
        Message(
            "auto_approved", "Timesheet auto-approved",
            "Timesheet auto-approved after 4 hours. {silent} {worker}, {day}: {hours}. {link}",
            while_status=(S.VERIFIED,),  # only for an approval that stands (decision 0035)
        ),
        # The site contact's auto-approvals of one sweep batch, when there are several: one text
        # for the crew, not one per time log (decision 0064). Its `about_id` is the first of them.
        Message(
            "auto_approved_crew", "Timesheets auto-approved",
            "{count} timesheets of your crew auto-approved after 4 hours. {silent} {workers}. "
            "See them: {link}",
            while_status=(S.VERIFIED,),
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
            critical=True,
        ),
        Message(
            "sync_conflict_t0", "Offline clock-out to settle",
            "Offline clock-out to settle: {worker}'s phone sent a clock-out for {day} after the shift was "
            "ended at {clock_out}. Choose which clock-out stands: {link}",
            critical=True,
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

# A kind that a site contact would get for several time logs of one batch (`announce_many`),
# and the one message they get instead, for all of them (decision 0064).
CREW_DIGESTS = {"auto_approved": "auto_approved_crew"}
CREW_NAMES_SHOWN = 3  # names in the text; the page behind the link lists them all

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
    return card_links([time_log.pk])[time_log.pk]


def card_links(ids) -> dict[int, str]:
    """The card links of many time logs: the very tokens `TimestampSigner(salt=LINK_SALT).sign`
    makes (test_notifications checks it, and that they open), with the clock read once and the
    signing key derived once, not per link (a sweep's batch signs hundreds)."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    stamp, sep, algorithm = signer.timestamp(), signer.sep, signer.algorithm
    # salted_hmac(salt + "signer", value, SECRET_KEY): HMAC keyed by hash(salt + "signer" + key).
    key = hashlib.new(algorithm, force_bytes(signer.salt + "signer") + force_bytes(signer.key)).digest()
    site = settings.SITE_URL.rstrip("/")
    links = {}
    for pk in ids:
        value = f"{pk}{sep}{stamp}"
        signature = signing.b64_encode(hmac.digest(key, value.encode(), algorithm)).decode()
        links[pk] = f"{site}/portal/timelogs/{value}{sep}{signature}/"
    return links


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
    return _minutes(times.billable_minutes)


def _minutes(minutes: int) -> str:
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


def _rows(time_log: TimeLog, users, kind: str, context: _Context) -> list[Notification]:
    """One row per reachable recipient (each once), by phone if they have one, else by email."""
    if not outbox.reachable(users):
        return []
    return outbox.rows_for(
        users, kind=kind, body=MESSAGES[kind].text.format_map(context), link=context["link"],
        about_id=time_log.pk, cycle=time_log.timer_cycle,
    )  # fmt: skip


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
    return outbox.write(rows)


def announce_many(*, time_logs, event: str) -> list[int]:
    """`announce` for a batch of time logs (the auto-approval sweep): every outbox row and its
    history in one statement, one task to send them all after commit; returns the rows' ids.
    A time log here is anything with `pk`, `worker_id`, `dispatch_id`, `timer_cycle`,
    `last_editor_id`, `clock_in_at` and `billable_minutes` (the sweep's `Approved` rows, or a
    TimeLog), so the batch needs no model instance: its recipients come in three queries whatever
    its size (the workers, the dispatches with their site contacts, the borrowing admins of those
    without one), as plain values, and each text is one `str.format` of a few parts (building the
    texts through `_Context` and model instances was nearly half of the sweep's time). A site
    contact due a kind of CREW_DIGESTS for several time logs of the batch gets one text for them
    all instead (`_crew_row`, decision 0064); the workers each get their own."""
    if event not in EVENTS:
        raise ValueError(f"Unknown time-log event {event!r}")
    if not time_logs:
        return []
    workers = {
        pk: (f"{first} {last}".strip() or username, outbox.channel_for(phone, email))
        for pk, first, last, username, phone, email in User.objects.filter(
            pk__in={t.worker_id for t in time_logs}
        ).values_list("pk", "first_name", "last_name", "username", _text("phone"), "email")
    }
    contacts = _site_contacts({t.dispatch_id for t in time_logs})
    links = card_links([t.pk for t in time_logs])
    hall = timezone.get_current_timezone()  # once: each lookup of it costs as much as the rest of a row
    days = {}  # a batch's shifts fall on a few days: each day's text is made once
    rows, crews = [], {}
    for time_log in time_logs:
        name, worker_channel = workers[time_log.worker_id]
        minutes, clock_in, bodies = time_log.billable_minutes, time_log.clock_in_at, {}
        if clock_in:
            local = clock_in.astimezone(hall)
            day = days.get(key := (local.year, local.month, local.day))
            if day is None:
                day = days[key] = local.strftime("%a %b %-d")  # as FIELDS["day"]
        fields = {
            "worker": name,
            "day": day if clock_in else "",
            "hours": _standing_hours(time_log) if minutes is None else _minutes(minutes),
            "silent": _silent_party(time_log),
            "link": links[time_log.pk],
        }
        for recipient, kind in EVENTS[event]:
            if recipient == "worker":
                reached = [(time_log.worker_id, worker_channel)] if worker_channel else []
            else:
                reached = contacts[time_log.dispatch_id]
            if recipient != "worker" and kind in CREW_DIGESTS:
                for user_id, channel in reached:  # written below, alone or in the crew's one text
                    crews.setdefault((user_id, channel, kind, fields["silent"]), []).append((time_log, fields))
                continue
            if reached:
                if kind not in bodies:
                    bodies[kind] = MESSAGES[kind].text.format_map(fields)
                body = bodies[kind]
                for user_id, channel in reached:
                    rows.append((time_log.pk, user_id, channel, kind, time_log.timer_cycle, body, fields["link"]))
    link = crew_link() if crews else ""
    for (user_id, channel, kind, silent), logs in crews.items():
        rows.append(_crew_row(user_id, channel, kind, silent, logs, link=link))
    return outbox.write_batch(rows)


def _crew_row(user_id: int, channel: str, kind: str, silent: str, logs: list, *, link: str) -> tuple:
    """The outbox row telling one site contact of `logs` ((time log, its fields) of one batch, one
    silent party): the message of `kind` for a single time log, else the crew's one text, about
    the first of them, with `link` to the crew page where they are all listed (decision 0064)."""
    if len(logs) == 1:
        ((time_log, fields),) = logs
        body = MESSAGES[kind].text.format_map(fields)
        return (time_log.pk, user_id, channel, kind, time_log.timer_cycle, body, fields["link"])
    logs = sorted(logs, key=lambda log: log[0].pk)
    names = list(dict.fromkeys(fields["worker"] for _time_log, fields in logs))
    shown, more = ", ".join(names[:CREW_NAMES_SHOWN]), len(names) - CREW_NAMES_SHOWN
    fields = {
        "count": len(logs),
        "silent": silent,
        "workers": f"{shown} and {more} more" if more > 0 else shown,
        "link": link,
    }
    first = logs[0][0]
    return (
        first.pk,
        user_id,
        channel,
        CREW_DIGESTS[kind],
        first.timer_cycle,
        MESSAGES[CREW_DIGESTS[kind]].text.format_map(fields),
        link,
    )


def crew_link() -> str:
    """The absolute link to the supervisor's crew page, at its list of recent auto-approvals."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:supervisor-list')}#auto-approved"


def _text(field: str) -> Cast:
    """A column read as its text (a phone number, without parsing it into a PhoneNumber)."""
    return Cast(field, CharField())


def _site_contacts(dispatch_ids) -> dict[int, list[tuple[int, str]]]:
    """`_site_contact` of many dispatches, as (user id, channel) of those who can be reached, each
    once: the primary site contact, or the employer's admins when the dispatch names none."""
    found, without = {}, {}
    contact = "primary_site_contact__user"
    for pk, employer_id, user_id, phone, email in Dispatch.objects.filter(pk__in=dispatch_ids).values_list(
        "pk", "employer_id", f"{contact}_id", _text(f"{contact}__phone"), f"{contact}__email"
    ):
        if user_id is None:
            without.setdefault(employer_id, []).append(pk)
            found[pk] = []
        else:
            channel = outbox.channel_for(phone, email)
            found[pk] = [(user_id, channel)] if channel else []
    if without:
        admins = EmployerUser.objects.filter(employer_id__in=without, role=EmployerRole.ADMIN).order_by("pk")
        for employer_id, user_id, phone, email in admins.values_list(
            "employer_id", "user_id", _text("user__phone"), "user__email"
        ):
            channel = outbox.channel_for(phone, email)
            for pk in without[employer_id]:
                if channel and all(user_id != known for known, _channel in found[pk]):
                    found[pk].append((user_id, channel))
    return found


# --- Still worth sending? (asked by the outbox just before it sends) ---


def _cancel_reason(notification: Notification) -> str:
    """Why a time log's message is no longer worth sending ("" when it still is)."""
    message = MESSAGES.get(notification.kind)
    if message is None or notification.about_id is None or not (message.while_status or message.until_acknowledged):
        return ""
    time_log = TimeLog.objects.filter(pk=notification.about_id).first()
    if time_log is None:
        return ""
    if message.while_status and (
        time_log.status not in message.while_status or time_log.timer_cycle != notification.cycle
    ):
        return f"The time log is now {time_log.get_status_display().lower()}."
    if message.until_acknowledged and time_log.acknowledgements.exists():
        return "The clock-in was acknowledged."
    return ""


def register_messages() -> None:
    """Hand the catalogue this app's time-log messages (fulfillment's AppConfig.ready)."""
    catalogue.register(
        "fulfillment",
        [catalogue.MessageKind(m.kind, f"UnionCore: {m.subject}", m.text, m.critical) for m in MESSAGES.values()],
        cancel_reason=_cancel_reason,
    )


# --- The ladders ---


def _step_written(kinds) -> Exists:
    return Exists(Notification.objects.filter(about_id=OuterRef("pk"), kind__in=kinds, cycle=OuterRef("timer_cycle")))


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
        TimeLog.objects.filter(status__in=ON_SHIFT, created_at__lte=now - rules.CLOCK_IN_TO_BORROWING_ADMIN)
        .exclude(Exists(ClockInAcknowledgement.objects.filter(time_log=OuterRef("pk"))))
        .annotate(t15=_step_written(["clock_in_t15"]), t25=_step_written(["clock_in_t25"]))
        .filter(Q(t15=False) | Q(t25=False, created_at__lte=now - rules.CLOCK_IN_TO_LENDING_ADMIN))
    )

    def write(time_logs):
        admins = _borrowing_admins(t.dispatch.employer_id for t in time_logs)
        rows = []
        for time_log in time_logs:
            context = _Context(time_log)
            if not time_log.t15:
                rows += _rows(time_log, admins.get(time_log.dispatch.employer_id, []), "clock_in_t15", context)
            if not time_log.t25 and time_log.created_at <= now - rules.CLOCK_IN_TO_LENDING_ADMIN:
                rows += _rows(time_log, _lending_admin(time_log), "clock_in_t25", context)
        return len(outbox.write(rows))

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
        return len(outbox.write(rows))

    return _in_batches(due, batch, write)


def run_escalations(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Write the ladder steps that have come due (beat, every minute); return how many rows.
    Each step once per recipient and timer cycle, whatever how often or how concurrently this
    runs; a step is written only while its time log is still in the state it is about."""
    now = now or timezone.now()
    return _clock_in_steps(now, batch) + _end_of_shift_steps(now, batch)


# --- Acknowledgements ---


@transaction.atomic
def timelog_acknowledge(*, timelog_id: int, by: User, method: str) -> ClockInAcknowledgement:
    """Record that the employer saw a clock-in (the deep link clicked, the app opened): permanent
    proof for a dispute, and the end of the clock-in ladder. Append-only: each one is a row."""
    if method not in AcknowledgementMethod.values:
        raise RuleViolation(FulfillmentError.BAD_METHOD, "An acknowledgement is a deep-link click or the app opened.")
    time_log = TimeLog.objects.select_related("dispatch").filter(pk=timelog_id).first()
    if time_log is None:
        raise RuleViolation(CommonError.NOT_FOUND, "No such time log.")
    if not rules.actor_of(by).may_acknowledge(time_log.dispatch.employer_id):
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only the employer's users or union staff acknowledge a clock-in.")
    acknowledgement = ClockInAcknowledgement(time_log=time_log, user=by, method=method, acknowledged_at=timezone.now())
    acknowledgement._history_user = by
    acknowledgement.save()
    return acknowledgement
