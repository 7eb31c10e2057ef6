import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from dispatch.models import Dispatch
from fulfillment import rules
from fulfillment.enums import (
    ON_SHIFT,
    OPEN_STATUSES,
    TIMED_STATUSES,
    AcknowledgementMethod,
    FundsState,
    SegmentKind,
    SyncStatus,
    TimeLogStatus,
    VerifiedBy,
)
from unioncore.audit import history_user

S = TimeLogStatus
AUTO_APPROVAL_DELAY = datetime.timedelta(hours=4)
# The sweep approves a time log only once its deadline is this far behind (decision 0035): a
# dispute filed by the deadline has had that long to take the row's lock, so it never meets a
# verified log, and an approval once written stands.
AUTO_APPROVAL_SETTLE = datetime.timedelta(seconds=30)
EDIT_THRESHOLD_MINUTES = 1  # seed: a change of billable time of more than 1 minute is an edit


@dataclass(frozen=True)
class Times:
    """One party's version of a shift."""

    clock_in: datetime.datetime
    clock_out: datetime.datetime
    break_minutes: int = 0
    lunch_minutes: int = 0

    @property
    def billable_minutes(self) -> int:
        worked = (self.clock_out - self.clock_in).total_seconds() / 60
        return max(0, round(worked) - self.break_minutes - self.lunch_minutes)

    def differs_from(self, other: "Times") -> bool:
        return abs(self.billable_minutes - other.billable_minutes) > EDIT_THRESHOLD_MINUTES


def amount_for(minutes: int, rate: Decimal | None) -> Decimal:
    """What `minutes` of billable time earn at an hourly `rate`, half up to the cent. Multiplied
    before dividing, so a half cent is exactly half (110 min at $52.47 is $96.195: $96.20; divided
    first, the repeating 1.8333… made it $96.19)."""
    return (Decimal(minutes) * (rate or Decimal("0")) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


# The same two rules in SQL, for the sweep's set-based approval (PostgreSQL; decision 0052). They
# must give what the Python above gives: `round()` of a float8 is round-half-even there as in
# Python, the seconds are exact numeric before the one float division, and numeric arithmetic is
# exact (test_sweep_bulk checks the ties: half minutes, half cents).
class BillableMinutesSQL(models.Func):
    """`Times(clock_in, clock_out, break, lunch).billable_minutes` of four columns."""

    output_field = models.IntegerField()
    arity = 4

    def as_sql(self, compiler, connection, **extra):
        (start, p1), (end, p2), (pause, p3), (lunch, p4) = (compiler.compile(e) for e in self.source_expressions)
        sql = (
            f"GREATEST(0, round(EXTRACT(EPOCH FROM ({end}) - ({start}))::float8 / 60)::integer"
            f" - COALESCE({pause}, 0) - COALESCE({lunch}, 0))"
        )
        return sql, [*p2, *p1, *p3, *p4]


class AmountSQL(models.Func):
    """`amount_for(minutes, rate)`: numeric arithmetic is exact, round() is half away from zero."""

    output_field = models.DecimalField(max_digits=10, decimal_places=2)
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (minutes, p1), (rate, p2) = (compiler.compile(e) for e in self.source_expressions)
        return f"round(({minutes})::numeric * COALESCE({rate}, 0) / 60, 2)", [*p1, *p2]


def _times_fields(prefix: str, label: str):
    return {
        f"{prefix}_clock_in": models.DateTimeField(f"{label} clock-in", null=True, blank=True),
        f"{prefix}_clock_out": models.DateTimeField(f"{label} clock-out", null=True, blank=True),
        f"{prefix}_break_minutes": models.PositiveIntegerField(f"{label} break (min)", null=True, blank=True),
        f"{prefix}_lunch_minutes": models.PositiveIntegerField(f"{label} lunch (min)", null=True, blank=True),
    }


# The foreign keys of TimeLog whose history rows need no index (decision 0062).
HISTORY_UNINDEXED = ["dispatch", "worker", "last_editor", "verified_by", "correction_of", "ended_by"]


class TimeLog(FSMModelMixin, models.Model):
    """One shift of a dispatched member, from clock-in to verification."""

    # No index of its own: the (dispatch, status) index leads with it (one index fewer to write on
    # every shift's change: decision 0062).
    dispatch = models.ForeignKey(Dispatch, on_delete=models.PROTECT, related_name="time_logs", db_index=False)
    # No index of its own: time_log_worker_newest_first (Meta.indexes) leads with it.
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_logs", db_index=False
    )
    status = FSMField(max_length=40, choices=TimeLogStatus, default=S.WORKING, protected=True)
    # What the clock recorded (UTC).
    clock_in_at = models.DateTimeField(null=True, blank=True)
    clock_out_at = models.DateTimeField(null=True, blank=True)
    locals().update(_times_fields("worker", "worker's"))
    worker_edited = models.BooleanField(default=False, help_text="The worker changed the calculated times in draft")
    worker_comment = models.TextField(blank=True, help_text="Why the worker rejected the supervisor's edit")
    locals().update(_times_fields("supervisor", "supervisor's"))
    supervisor_note = models.TextField(blank=True)
    locals().update(_times_fields("final", "verified"))
    billable_minutes = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    funds_state = models.CharField(max_length=16, choices=FundsState, default=FundsState.HELD)
    # The 4-hour deadline (UTC). Indexed only while it runs (see Meta), so the sweep's scan stays
    # as short as the number of timers running, however many verified rows pile up.
    auto_approval_time = models.DateTimeField(null=True, blank=True)
    timer_cycle = models.PositiveIntegerField(default=0, help_text="Increases each time the 4-hour timer restarts")
    # Who last edited, who verified: never looked up by that person (users are never deleted,
    # PROTECT), so no index, which every approval would only write to (decision 0064).
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_how = models.CharField(max_length=24, choices=VerifiedBy, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    is_retroactive = models.BooleanField(default=False)
    note = models.TextField(blank=True, help_text="The worker's note on a manual entry")
    correction_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )  # indexed where set (Meta.indexes)
    # Who ended the shift for the worker, and why: a force clock-out or an ejection (decision 0036).
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The supervisor (or lending admin) who forced the clock-out or ejected the worker",
    )  # fmt: skip  (indexed where set: Meta.indexes)
    end_reason = models.TextField(
        blank=True, default="", db_default="", help_text="Why the shift was ended for the worker"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The history is read by time log (its `id`) and by date; an index on each of its foreign
    # keys would only be written, on every change of every shift (decision 0062).
    history = HistoricalRecords(get_user=history_user, no_db_index=HISTORY_UNINDEXED)

    class Meta:
        ordering = ("-clock_in_at", "-id")
        permissions = [
            ("act_as_lending_admin", "Can verify, dispute and clock out time logs as the lending admin"),
            ("enter_long_manual_entry", "Can enter a member's manual entry longer than the hall's limit"),
        ]
        indexes = [
            models.Index(fields=["dispatch", "status"]),
            # A member's time logs newest first (the phone's list, the portal's hours): the page
            # is read off the index instead of sorting all of their shifts.
            models.Index(fields=["worker", "-clock_in_at", "-id"], name="time_log_worker_newest_first"),
            models.Index(
                fields=["auto_approval_time"], condition=Q(status__in=TIMED_STATUSES), name="time_log_running_timers"
            ),
            # Rarely set: only the rows that have one are in these (a lookup by it still uses them).
            models.Index(
                fields=["correction_of"], condition=Q(correction_of__isnull=False), name="time_log_corrections"
            ),
            models.Index(fields=["ended_by"], condition=Q(ended_by__isnull=False), name="time_log_ended_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dispatch"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_time_log_per_dispatch",
                violation_error_message="This dispatch already has an open time log.",
            ),
            models.CheckConstraint(
                condition=Q(clock_out_at__isnull=True)
                | Q(clock_in_at__isnull=True)
                | Q(clock_out_at__gt=F("clock_in_at")),
                name="time_log_out_after_in",
            ),
        ]

    def __str__(self):
        return f"Time log {self.pk} — {self.dispatch.member} ({self.get_status_display()})"

    # --- The versions of the shift ---

    def calculated_times(self, *, until=None) -> Times | None:
        """The clock's times; with `until`, those of a running shift as if stopped then (a break
        or lunch still running ends then too, as the stop would end it)."""
        clock_out = self.clock_out_at or until
        if self.clock_in_at is None or clock_out is None:
            return None
        minutes = self.segment_minutes(until=until)
        return Times(self.clock_in_at, clock_out, minutes[SegmentKind.BREAK], minutes[SegmentKind.LUNCH])

    def segment_minutes(self, *, until=None) -> dict[str, int]:
        totals = {kind: 0 for kind in SegmentKind.values}
        for segment in self.segments.all():
            ended = segment.ended_at or until
            if ended:
                totals[segment.kind] += round((ended - segment.started_at).total_seconds() / 60)
        return totals

    def _get(self, prefix: str) -> Times | None:
        clock_in, clock_out = getattr(self, f"{prefix}_clock_in"), getattr(self, f"{prefix}_clock_out")
        if clock_in is None or clock_out is None:
            return None
        return Times(
            clock_in,
            clock_out,
            getattr(self, f"{prefix}_break_minutes") or 0,
            getattr(self, f"{prefix}_lunch_minutes") or 0,
        )

    def _set(self, prefix: str, times: Times) -> None:
        setattr(self, f"{prefix}_clock_in", times.clock_in)
        setattr(self, f"{prefix}_clock_out", times.clock_out)
        setattr(self, f"{prefix}_break_minutes", times.break_minutes)
        setattr(self, f"{prefix}_lunch_minutes", times.lunch_minutes)

    worker_times = property(lambda self: self._get("worker"))
    supervisor_times = property(lambda self: self._get("supervisor"))
    final_times = property(lambda self: self._get("final"))

    def set_worker_times(self, times: Times) -> None:
        self._set("worker", times)

    def set_supervisor_times(self, times: Times) -> None:
        self._set("supervisor", times)

    @property
    def reconciliation_amount(self) -> Decimal | None:
        """For a verified correction: what it adds to (or takes back from) the original."""
        if self.correction_of_id is None or self.amount is None or self.correction_of.amount is None:
            return None
        return self.amount - self.correction_of.amount

    # --- Timer ---

    def start_timer(self, now: datetime.datetime) -> None:
        """The full 4 hours from now (UTC arithmetic), whatever was left."""
        self.auto_approval_time = now + AUTO_APPROVAL_DELAY
        self.timer_cycle += 1

    def stop_timer(self) -> None:
        self.auto_approval_time = None

    # --- Transitions: memory only; services lock, call one, save ---

    @transition(field=status, source=rules.source("start_break"), target=S.BREAK)
    def start_break(self):
        pass

    @transition(field=status, source=rules.source("start_lunch"), target=S.LUNCH)
    def start_lunch(self):
        pass

    @transition(field=status, source=rules.source("start_travel"), target=S.TRAVEL_TIME)
    def start_travel(self):
        pass

    @transition(field=status, source=rules.source("back_to_work"), target=S.WORKING)
    def back_to_work(self):
        pass

    @transition(field=status, source=rules.source("stop_work"), target=S.DRAFT)
    def stop_work(self):
        pass

    @transition(field=status, source=rules.source("submit"), target=S.PENDING_VERIFICATION)
    def submit(self):
        pass

    @transition(field=status, source=rules.source("force_clock_out"), target=S.PENDING_VERIFICATION)
    def force_clock_out(self):
        pass

    @transition(field=status, source=rules.source("request_worker_review"), target=S.PENDING_WORKER_REVIEW)
    def request_worker_review(self):
        pass

    @transition(field=status, source=rules.source("reject_edit"), target=S.PENDING_SUPERVISOR_REEVALUATION)
    def reject_edit(self):
        pass

    @transition(
        field=status,
        source=[*ON_SHIFT, S.DRAFT, S.PENDING_VERIFICATION, S.PENDING_WORKER_REVIEW, S.PENDING_SUPERVISOR_REEVALUATION],
        target=S.PENDING_SUPERVISOR_VERIFICATION,
    )
    def take_retroactive_entry(self):
        pass

    @transition(field=status, source=[*ON_SHIFT, S.DRAFT, *TIMED_STATUSES], target=S.VERIFIED)
    def verify(self):
        # Verified is final (decision 0035): no transition leaves it.
        self.funds_state = FundsState.RELEASED

    @transition(field=status, source=rules.source("dispute"), target=S.DISPUTED)
    def dispute(self):
        self.stop_timer()
        self.funds_state = FundsState.FROZEN

    @transition(field=status, source=rules.source("resolve"), target=S.VERIFIED)
    def resolve(self):
        self.funds_state = FundsState.RELEASED


class TimeSegment(models.Model):
    """A break, a lunch or a stretch of travel inside a shift (kept, so breaks can be shown)."""

    time_log = models.ForeignKey(TimeLog, on_delete=models.CASCADE, related_name="segments")
    kind = models.CharField(max_length=8, choices=SegmentKind)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("started_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="segment_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.started_at:%H:%M}"


class ClockInAcknowledgement(models.Model):
    """Permanent proof that the employer saw a clock-in (append-only)."""

    time_log = models.ForeignKey(TimeLog, on_delete=models.PROTECT, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=24, choices=AcknowledgementMethod)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("acknowledged_at",)

    def __str__(self):
        return f"Clock-in of time log {self.time_log_id} seen by {self.user} ({self.get_method_display()})"


class ProjectPhoto(models.Model):
    """A photo of the project the worker sent with a clock-in or an offline event (seed: a
    project photo may be attached). Shown to the supervisor beside the shift; it never changes
    the time log (decision 0036). The file is under MEDIA_ROOT, or the storage STORAGES names."""

    time_log = models.ForeignKey(TimeLog, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="timelogs/photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField(help_text="Bytes")
    taken_at = models.DateTimeField(help_text="The phone's time of the event it came with")
    event = models.CharField(max_length=24, help_text="The event it came with: clock_in, clock_out, …")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("taken_at", "id")

    def __str__(self):
        return f"Photo of time log {self.time_log_id} ({self.event})"


class Ejection(models.Model):
    """The site sent a clocked-in worker off within the clock-in ladder's 25 minutes (seed: tacit
    approval is the failure to eject): the shift ended then, and the hall is to look at the
    dispatch. Open until union staff mark it seen (the console's flag)."""

    time_log = models.OneToOneField(TimeLog, on_delete=models.PROTECT, related_name="ejection")
    dispatch = models.ForeignKey(Dispatch, on_delete=models.PROTECT, related_name="ejections")
    ejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    ejected_at = models.DateTimeField(default=timezone.now)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The union staff member who took it up",
    )  # fmt: skip
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_note = models.TextField(blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-ejected_at", "-id")
        indexes = [models.Index(fields=["seen_at", "ejected_at"])]

    def __str__(self):
        return f"Ejection from the site, time log {self.time_log_id}"


class Dispute(models.Model):
    time_log = models.OneToOneField(TimeLog, on_delete=models.PROTECT, related_name="dispute_record")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return f"Dispute on time log {self.time_log_id}"


class DisputeMessage(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("at", "id")

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"


class TimeLogOfflineSync(models.Model):
    """A raw event recorded on a device while offline, kept as received."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_uuid = models.UUIDField()
    event_type = models.CharField(max_length=24)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the event as sent, to spot a reused id")
    payload = models.JSONField(default=dict)
    device_time = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    clock_offset_seconds = models.IntegerField(help_text="received_at − device_time")
    clock_suspect = models.BooleanField(default=False, help_text="Device clock more than 5 minutes off")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_log = models.ForeignKey(TimeLog, null=True, blank=True, on_delete=models.PROTECT, related_name="sync_events")
    status = models.CharField(max_length=16, choices=SyncStatus, default=SyncStatus.PENDING)
    result = models.JSONField(default=dict, blank=True)
    conflict_with = models.ForeignKey(
        TimeLog, null=True, blank=True, on_delete=models.PROTECT, related_name="sync_conflicts"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("device_time", "id")
        constraints = [models.UniqueConstraint(fields=["worker", "client_uuid"], name="sync_event_once_per_worker")]

    def __str__(self):
        return f"{self.event_type} {self.client_uuid} ({self.get_status_display()})"


def open_sync_conflict() -> Exists:
    """Whether a time log has an offline clock-out waiting for the supervisor's choice: while it
    does, its 4-hour timer is paused (the sweep and the reminders pass it by; decision 0035)."""
    return Exists(TimeLogOfflineSync.objects.filter(conflict_with=OuterRef("pk"), status=SyncStatus.CONFLICT))


ZERO = Decimal("0.00")
