"""Phone API (SPEC §9): time logs — the shift, the negotiation loop, offline sync.

Idempotency: clock-in and the shift events carry a `client_uuid`. Each calls its service through
`idempotency.idempotent` (as each event of an offline batch does), which stores the event by
(worker, client_uuid) with its answer: the same key and body again answers the first result and
writes nothing; the same key with another body is a 422. So a phone that lost a response can
simply send it again.
The `clock_out` event stops work and submits (as offline); a draft (after a supervisor's force
clock-out or a kiosk stop in draft) is edited with PATCH and submitted with `submit/`.
"""

import datetime
import functools

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from dispatch.models import Dispatch
from fulfillment import rules, selectors
from fulfillment.enums import OPEN_STATUSES, AcknowledgementMethod, SyncStatus, TimeLogStatus
from fulfillment.errors import FulfillmentError
from fulfillment.models import TimeLog, TimeLogOfflineSync, Times, open_sync_conflict
from fulfillment.selectors import Conflict
from fulfillment.services import idempotency, notifications, photos, sync, timelogs
from fulfillment.services.sync import EVENT_TYPES, SEGMENT_EVENTS
from unioncore.api.base import (
    ApiView,
    DateFilter,
    Error,
    IdFilter,
    InstantField,
    counted,
    filter_parameters,
    filtered,
    page_of,
    paginated,
    unfiltered,
    validated,
    visible_or_404,
)
from unioncore.api.errors import ApiError, error_body, status_for
from unioncore.errors import RuleViolation
from unioncore.models import User
from unioncore.sql import Compiled

SHIFT_EVENTS = tuple(t for t in EVENT_TYPES if t != "clock_in")


# --- Who sees what ---


def visible_timelogs(user: User) -> QuerySet[TimeLog]:
    """A member: their own; an employer user: their employer's; union staff: all."""
    viewer, ids = _viewer(user)
    return _visible(viewer, **ids)


def _viewer(user: User) -> tuple[str, dict]:
    """Which of `_visible`'s forms applies to the user, and its ids."""
    if user.is_staff:
        return "staff", {"user_id": None, "employer_id": None}
    employer_user = getattr(user, "employer_user", None)
    if employer_user is not None:
        return "employer", {"user_id": user.pk, "employer_id": employer_user.employer_id}
    return "member", {"user_id": user.pk, "employer_id": None}


def _visible(viewer: str, *, user_id: int | None, employer_id: int | None) -> QuerySet[TimeLog]:
    logs = TimeLog.objects.select_related("dispatch__employer", "worker")
    if viewer == "staff":
        return logs
    if viewer == "employer":
        return logs.filter(Q(dispatch__employer_id=employer_id) | Q(worker_id=user_id))
    return logs.filter(worker_id=user_id)


def _my_dispatches(user: User) -> QuerySet[Dispatch]:
    return Dispatch.objects.filter(member__user=user)


# --- Output ---


HALL_TIME = "in the hall's time zone, with its offset (2026-12-07T07:00:00-08:00), as every instant the API writes"


class TimesOutput(serializers.Serializer):
    """One party's version of a shift's times."""

    clock_in = serializers.DateTimeField(help_text=f"The start, {HALL_TIME}")
    clock_out = serializers.DateTimeField(help_text=f"The end, {HALL_TIME}")
    break_minutes = serializers.IntegerField(help_text="Unpaid break minutes")
    lunch_minutes = serializers.IntegerField(help_text="Unpaid lunch minutes")
    billable_minutes = serializers.IntegerField(help_text="Paid minutes: the span less breaks and lunch")


def _times(row: dict, prefix: str, local=None, instant=None) -> dict | None:
    """One party's version from a row (see `_row`), its instants in the hall's zone (as the time
    log's own instants: one convention, issue 21) whether they come from the database or from a
    time log a service just changed. `local`: the current time zone, when the caller has it (a
    page asked for it four times a row); `instant`: the caller's writer of an instant (a page's
    remembers the text of each instant it wrote)."""
    clock_in, clock_out = row[f"{prefix}_clock_in"], row[f"{prefix}_clock_out"]
    if clock_in is None or clock_out is None:
        return None
    if instant is None:
        local = local or timezone.get_current_timezone()

        def instant(moment):
            return _iso(moment.astimezone(local))

    # The minutes from the instants as stored: a difference is the same in any zone.
    times = Times(clock_in, clock_out, row[f"{prefix}_break_minutes"] or 0, row[f"{prefix}_lunch_minutes"] or 0)
    # The instants as the JSON renderer would write them, written here: the renderer calls back
    # into Python for each datetime it meets.
    return {
        "clock_in": instant(clock_in),
        "clock_out": instant(clock_out),
        "break_minutes": times.break_minutes,
        "lunch_minutes": times.lunch_minutes,
        "billable_minutes": times.billable_minutes,
    }


def _iso(moment: datetime.datetime) -> str:
    """DRF's JSON of an aware datetime: ISO 8601, UTC as Z."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# What TimeLogOutput reads: the time log's columns it shows, the employer's name and the worker's
# names. A list reads them as `values()` rows (a page of 50 built 200 model instances: a third of
# its time, bench/api_throughput.py); a single time log is turned into the same row.
ROW_COLUMNS = [
    "id", "dispatch_id", "worker_id", "status", "clock_in_at", "clock_out_at",
    *(f"{party}_{column}" for party in ("worker", "supervisor", "final")
      for column in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")),
    "worker_edited", "worker_comment", "supervisor_note", "note", "is_retroactive", "billable_minutes", "amount",
    "funds_state", "auto_approval_time", "verified_at", "verified_how", "ended_by_id", "end_reason", "created_at",
]  # fmt: skip
ROW_RELATED = {
    "employer_id": F("dispatch__employer_id"),
    "employer_name": F("dispatch__employer__name"),
    "worker_username": F("worker__username"),
    "worker_first_name": F("worker__first_name"),
    "worker_last_name": F("worker__last_name"),
}


def output_rows(logs: QuerySet[TimeLog]) -> QuerySet[dict]:
    """`logs` as the rows TimeLogOutput writes."""
    return logs.values(*ROW_COLUMNS, **ROW_RELATED, conflict_open=open_sync_conflict())


def _row(time_log: TimeLog) -> dict:
    worker = time_log.worker
    # The one rule that reads another table: asked only where it decides (verify, edit).
    conflict_open = time_log.status in rules.TIMELOG_RULES["verify"].statuses and (
        TimeLogOfflineSync.objects.filter(conflict_with=time_log, status=SyncStatus.CONFLICT).exists()
    )
    return {
        **{name: getattr(time_log, name) for name in ROW_COLUMNS},
        "employer_id": time_log.dispatch.employer_id,
        "conflict_open": conflict_open,
        "employer_name": time_log.dispatch.employer.name,
        "worker_username": worker.username,
        "worker_first_name": worker.first_name,
        "worker_last_name": worker.last_name,
    }


class TimeLogOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The time log's id")
    dispatch = serializers.IntegerField(source="dispatch_id", help_text="The dispatch worked")
    employer = serializers.CharField(source="dispatch.employer.name", help_text="The employer's name")
    worker = serializers.IntegerField(source="worker_id", help_text="The worker's user id")
    worker_name = serializers.SerializerMethodField(help_text="The worker's first and last name")
    status = serializers.ChoiceField(
        choices=TimeLogStatus.choices, help_text="Where the shift stands: on shift, a draft, waiting on whom, final"
    )
    clock_in_at = serializers.DateTimeField(allow_null=True, help_text=f"The clock-in as recorded, {HALL_TIME}")
    clock_out_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The clock-out as recorded (the phone, the kiosk, a forced one); after an edit the hours that "
        "count are `final_times` (verified) or `standing_minutes`, not this",
    )
    worker_times = serializers.SerializerMethodField()
    supervisor_times = serializers.SerializerMethodField()
    final_times = serializers.SerializerMethodField()
    worker_edited = serializers.BooleanField(help_text="The worker changed the clock's times before submitting")
    worker_comment = serializers.CharField(help_text="Why the worker rejected the supervisor's edit ('' if none)")
    supervisor_note = serializers.CharField(help_text="Why the supervisor edited the times ('' if none)")
    note = serializers.CharField(help_text="The worker's note on a manual entry ('' if none)")
    is_retroactive = serializers.BooleanField(help_text="A manual entry (entered after the fact), not clocked")
    billable_minutes = serializers.IntegerField(allow_null=True, help_text="The verified paid minutes; null until then")
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True,
        help_text="The verified pay: paid hours × the wage rate, a string with two decimals; null until then",
    )  # fmt: skip
    funds_state = serializers.CharField(help_text="held, released (verified) or frozen (disputed)")
    auto_approval_time = serializers.DateTimeField(
        allow_null=True,
        help_text=f"When the waiting version is approved if nobody answers (the 4-hour timer), {HALL_TIME}",
    )
    verified_at = serializers.DateTimeField(allow_null=True, help_text=f"When it was verified, {HALL_TIME}")
    verified_how = serializers.CharField(
        help_text="Who verified: supervisor, staff, kiosk, worker_accepted, auto_approval, dispute_resolution ('')"
    )
    ended_by = serializers.IntegerField(
        source="ended_by_id", allow_null=True, help_text="Who forced the clock-out or ejected the worker"
    )
    end_reason = serializers.CharField(help_text="Why (a force clock-out, an ejection)")
    standing_minutes = serializers.SerializerMethodField(
        help_text="The shift's hours in minutes: verified, or as they stand while they wait (None while open)"
    )
    actions = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=rules.TIMELOG_ACTIONS),
            help_text="What you may do to this time log now (the same rules the server enforces): an event type "
            "to record (`events/`), `edit_draft` (PATCH), `submit`, `accept`, `reject`, `verify`, `edit`, "
            "`dispute`, `eject`, `force_clock_out`, `acknowledge`. Any other is refused (403 or 409)",
        )
    )
    def get_actions(self, time_log) -> list[str]:
        return _actions(_row(time_log), self.context)

    def get_standing_minutes(self, time_log) -> int | None:
        return _standing_minutes(_row(time_log))

    def get_worker_name(self, time_log) -> str:
        return time_log.worker.get_full_name() or time_log.worker.username

    @extend_schema_field(
        TimesOutput(
            allow_null=True,
            help_text="The worker's version (their clock-in to clock-out, or their edit); null while the shift runs",
        )
    )
    def get_worker_times(self, time_log) -> dict | None:
        return _times(_row(time_log), "worker")

    @extend_schema_field(TimesOutput(allow_null=True, help_text="The supervisor's edit, if any"))
    def get_supervisor_times(self, time_log) -> dict | None:
        return _times(_row(time_log), "supervisor")

    @extend_schema_field(
        TimesOutput(
            allow_null=True,
            help_text="The verified version: the hours that count (show these once the time log is verified)",
        )
    )
    def get_final_times(self, time_log) -> dict | None:
        return _times(_row(time_log), "final")

    def to_representation(self, time_log) -> dict:
        """The dict DRF builds field by field (None stays None, every other value through its
        field), written out, from a time log or its row (`output_rows`): DRF's generic loop
        was a third of a page of 50 (bench/api_throughput.py); fulfillment/tests/test_api.py
        compares the two on every status and shape."""
        row = time_log if isinstance(time_log, dict) else _row(time_log)
        # The declared fields themselves (to_representation reads nothing of a field's binding),
        # not `self.fields`: that deep-copies all 22 for each serializer.
        fields = self._declared_fields
        instant = self.context.get("instant")
        if instant is None:  # once a request, not once a row
            instant = self.context["instant"] = _instant_writer()

        def number(value):
            return None if value is None else int(value)

        versions = {prefix: _times(row, prefix, instant=instant) for prefix in ("worker", "supervisor", "final")}
        first_and_last = f"{row['worker_first_name']} {row['worker_last_name']}".strip()  # User.get_full_name
        amount = row["amount"]
        return {
            "id": number(row["id"]),
            "dispatch": number(row["dispatch_id"]),
            "employer": _text(row["employer_name"]),
            "worker": number(row["worker_id"]),
            "worker_name": first_and_last or row["worker_username"],
            "status": _text(row["status"]),
            "clock_in_at": instant(row["clock_in_at"]),
            "clock_out_at": instant(row["clock_out_at"]),
            "worker_times": versions["worker"],
            "supervisor_times": versions["supervisor"],
            "final_times": versions["final"],
            "worker_edited": _flag(row["worker_edited"]),
            "worker_comment": _text(row["worker_comment"]),
            "supervisor_note": _text(row["supervisor_note"]),
            "note": _text(row["note"]),
            "is_retroactive": _flag(row["is_retroactive"]),
            "billable_minutes": number(row["billable_minutes"]),
            "amount": None if amount is None else fields["amount"].to_representation(amount),
            "funds_state": _text(row["funds_state"]),
            "auto_approval_time": instant(row["auto_approval_time"]),
            "verified_at": instant(row["verified_at"]),
            "verified_how": _text(row["verified_how"]),
            "ended_by": number(row["ended_by_id"]),
            "end_reason": _text(row["end_reason"]),
            "standing_minutes": _standing_minutes(row, versions),
            "actions": _actions(row, self.context),
        }


def _instant_writer():
    """DRF's DateTimeField for a request: an instant in the current time zone, ISO 8601, UTC as Z;
    None stays None. Each instant's text is kept for the request: a page's rows repeat their
    instants (a verified shift's clock-in is also its worker's and its final clock-in)."""
    local = timezone.get_current_timezone()
    written: dict = {}

    def instant(value):
        if value is None:
            return None
        text = written.get(value)
        if text is None:
            text = written[value] = _iso(value.astimezone(local))
        return text

    return instant


def _actions(row: dict, context: dict) -> list[str]:
    """The caller's actions on the time log of `row` (fulfillment.rules, as the services check).
    Worked out once a request for each distinct status, worker, employer, open conflict and eject
    window (the only use of the clock-in time and now), since a page's rows mostly share them:
    the rules ran for every row of a page of 50, the list's largest cost of its own."""
    now = context.get("now")
    if now is None:
        now = context["now"] = timezone.now()
    status, worker_id, employer_id = row["status"], row["worker_id"], row["employer_id"]
    conflict_open = bool(row["conflict_open"])
    ejectable = rules.eject_window_open(clocked_in=row["created_at"], now=now)
    key = (status, worker_id, employer_id, conflict_open, ejectable)
    known = context.setdefault("known_actions", {})
    if key not in known:
        known[key] = rules.timelog_actions(
            actor=context["actor"], status=status, worker_id=worker_id, employer_id=employer_id,
            conflict_open=conflict_open, created_at=row["created_at"], now=now,
        )  # fmt: skip
    return list(known[key])


def _standing_minutes(row: dict, versions: dict | None = None) -> int | None:
    """As `fulfillment.selectors.standing_times`, from a row: the final version, else the one that
    stands if nobody answers (the supervisor's while the worker reviews it, else the worker's).
    `versions`: the row's three versions by prefix (`_times`), when the caller has them."""
    if row["status"] in OPEN_STATUSES:
        return None
    for prefix in ("final", "supervisor" if row["status"] == TimeLogStatus.PENDING_WORKER_REVIEW else "worker"):
        times = versions[prefix] if versions is not None else _times(row, prefix)
        if times is not None:
            return times["billable_minutes"]
    return None


def _text(value) -> str | None:
    return None if value is None else str(value)


def _flag(value) -> bool | None:
    return None if value is None else bool(value)


def output_context(request) -> dict:
    """What TimeLogOutput reads of the request: the caller, as the rules see them (one query,
    once per request), for each time log's `actions`."""
    if not hasattr(request, "_timelog_actor"):
        request._timelog_actor = rules.actor_of(request.user)
    return {"actor": request._timelog_actor}


def _answer(time_log_id: int, request) -> Response:
    time_log = visible_timelogs(request.user).get(pk=time_log_id)
    return Response(TimeLogOutput(time_log, context=output_context(request)).data)


class TimesInput(serializers.Serializer):
    """A partial update (decision 0042): each field left out keeps its value in the version
    being edited (the worker's), so an edit of the clock-out alone keeps the breaks."""

    clock_in = InstantField(required=False, help_text="The start, with its offset; left out: kept")
    clock_out = InstantField(required=False, help_text="The end, with its offset; left out: kept")
    break_minutes = serializers.IntegerField(
        min_value=0, required=False, help_text="Unpaid break minutes; left out: kept"
    )
    lunch_minutes = serializers.IntegerField(
        min_value=0, required=False, help_text="Unpaid lunch minutes; left out: kept"
    )


def _partial_times(data: dict) -> dict:
    """The service's arguments of a partial edit: None for each field left out (kept)."""
    return {name: data.get(name) for name in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")}


# --- Lists ---


class TimeLogFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TimeLogStatus.choices)
    # By id, not a model choice: another party's dispatch must be an empty page, not a 400 that
    # tells it exists.
    dispatch = IdFilter(field_name="dispatch_id")
    date = DateFilter(method="on_date", help_text="The hall's local date of the clock-in")

    class Meta:
        model = TimeLog
        fields = ("status", "dispatch", "date")

    def on_date(self, queryset, name, value):
        start = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine(value + datetime.timedelta(days=1), datetime.time()))
        return queryset.filter(clock_in_at__gte=start, clock_in_at__lt=end)


class TimeLogListApi(ApiView):
    """Mine (a member), my employer's (an employer user); newest clock-in first."""

    @extend_schema(
        parameters=filter_parameters(TimeLogFilter),
        responses={200: page_of(TimeLogOutput), 400: Error, 401: Error},
    )
    def get(self, request):
        viewer, ids = _viewer(request.user)
        logs = filtered(TimeLogFilter, request, _visible(viewer, **ids)).order_by(*LIST_ORDER)
        page_rows = None
        if unfiltered(TimeLogFilter, request):  # a phone's usual list: its query compiled once
            page_rows = functools.partial(_LIST_PAGE.rows, viewer, **ids)
        return paginated(
            request, self, logs, TimeLogOutput, read=output_rows, page_rows=page_rows, **output_context(request)
        )


LIST_ORDER = ("-clock_in_at", "-id")  # newest clock-in first
# The unfiltered list's page with its count (as `paginated` reads it), built and compiled once per
# kind of viewer: building and compiling it was a quarter of the request (decision 0063).
_LIST_PAGE = Compiled(lambda viewer, **ids: counted(_visible(viewer, **ids).order_by(*LIST_ORDER), output_rows))


class HoursTotal(serializers.Serializer):
    verified_minutes = serializers.IntegerField(help_text="Verified paid minutes")
    waiting_minutes = serializers.IntegerField(help_text="Paid minutes waiting for an answer (as they stand)")
    shifts = serializers.IntegerField(help_text="How many shifts these minutes come from")


class HoursWeek(HoursTotal):
    """A week's hours."""

    week_start = serializers.DateField(source="key", help_text="The week's Monday (the hall's date)")


class HoursDispatch(HoursTotal):
    """A dispatch's hours."""

    dispatch = serializers.IntegerField(source="key", help_text="The dispatch's id")
    label = serializers.CharField(help_text="The employer and the start date, to show")


class MyHoursApi(ApiView):
    """A member's hours by week (Monday to Sunday, the hall's time) and by dispatch, newest first:
    verified, and waiting for an answer (disputed hours are left out until settled)."""

    Week, DispatchTotal = HoursWeek, HoursDispatch

    class Output(serializers.Serializer):
        weeks = HoursWeek(many=True, help_text="By week, newest first")
        dispatches = HoursDispatch(many=True, help_text="By dispatch, newest first")

    @extend_schema(responses={200: Output, 401: Error})
    def get(self, request):
        weeks, dispatches = selectors.member_hours(user=request.user)
        return Response(
            {"weeks": self.Week(weeks, many=True).data, "dispatches": self.DispatchTotal(dispatches, many=True).data}
        )


# --- The schema of offline sync (issue 21, decision 0041) ---
# A batch's events are read as plain objects (a malformed event is that event's own `failed`
# answer, never the batch's 400); these serializers only describe them, so a generated client
# gets one model per event type and per result status instead of free-form dicts.


class SyncLocation(serializers.Serializer):
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text="Latitude of the clock-in")
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180, help_text="Longitude of the clock-in")
    photo = serializers.CharField(required=False, help_text="A project photo (as the clock-in's `photo`)")


class SyncPhoto(serializers.Serializer):
    photo = serializers.CharField(required=False, help_text="A project photo (as the clock-in's `photo`)")


class SyncDraft(SyncPhoto):
    times = TimesInput(required=False, help_text="The worker's corrected times (a missing break: as recorded)")


class _SyncEvent(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="Made by the phone, new for each action; kept to retry it")
    device_time = serializers.DateTimeField(help_text="The phone's clock when it happened, with its offset")


class SyncClockIn(_SyncEvent):
    type = serializers.ChoiceField(choices=["clock_in"], help_text="The event's type")
    dispatch = serializers.IntegerField(help_text="The dispatch clocked in on")
    payload = SyncLocation(required=False, help_text="Where, and a project photo")


class SyncShiftEvent(_SyncEvent):
    type = serializers.ChoiceField(choices=list(SEGMENT_EVENTS), help_text="The start or end of a break, lunch, travel")
    timelog = serializers.IntegerField(required=False, help_text="The shift's id, if the phone learnt it")
    dispatch = serializers.IntegerField(
        required=False, help_text="Else its dispatch: the worker's latest shift on it that started before"
    )
    payload = SyncPhoto(required=False, help_text="A project photo")


class SyncClockOut(SyncShiftEvent):
    type = serializers.ChoiceField(choices=["clock_out"], help_text="Stop work and submit")
    payload = SyncDraft(required=False, help_text="A project photo, and the worker's corrected times")


SYNC_EVENT = PolymorphicProxySerializer(
    component_name="SyncEvent",
    serializers={"clock_in": SyncClockIn, "clock_out": SyncClockOut, **dict.fromkeys(SEGMENT_EVENTS, SyncShiftEvent)},
    resource_type_field_name="type",
)


class ErrorSummary(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for the app's logic (as `error.code`)")
    message = serializers.CharField(help_text="For people")


class SyncConflict(serializers.Serializer):
    """The competing record of a clock-out someone else already made."""

    time_log = serializers.IntegerField(help_text="The time log someone else ended")
    status = serializers.ChoiceField(choices=TimeLogStatus.choices, help_text="The time log's status as they left it")
    clock_out_at = serializers.DateTimeField(allow_null=True, help_text="Their clock-out")
    by = serializers.IntegerField(allow_null=True, help_text="The user who ended the shift")


class SyncResolution(serializers.Serializer):
    accepted_worker = serializers.BooleanField(help_text="The worker's clock-out was taken")
    by = serializers.IntegerField(help_text="The supervisor (or staff) who settled it")
    at = serializers.DateTimeField(help_text=f"When, {HALL_TIME}")
    time_log_status = serializers.ChoiceField(choices=TimeLogStatus.choices, help_text="The time log's status then")


class SyncSynced(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="The event's client_uuid, as sent")
    status = serializers.ChoiceField(choices=["synced"], help_text="Applied")
    time_log = serializers.IntegerField(help_text="Its time log's id")
    resolution = SyncResolution(required=False, help_text="A conflict the supervisor settled since")


class SyncConflicted(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="The event's client_uuid, as sent")
    status = serializers.ChoiceField(choices=["conflict"], help_text="Someone else already ended this shift")
    time_log = serializers.IntegerField(help_text="Its time log's id")
    conflict = SyncConflict(help_text="Their record: the supervisor chooses which clock-out stands")
    resolution = SyncResolution(required=False, help_text="How the supervisor settled it, once they did")


class SyncFailed(serializers.Serializer):
    client_uuid = serializers.CharField(help_text="As sent (it may be missing or not a UUID: `invalid_event`)")
    status = serializers.ChoiceField(choices=["failed"], help_text="Refused: nothing applied")
    time_log = serializers.IntegerField(allow_null=True, help_text="Its time log's id, if it named one")
    error = ErrorSummary(help_text="Why")
    reused = serializers.BooleanField(required=False, help_text="The client_uuid was used for another event")


SYNC_FIRST_RESULT = PolymorphicProxySerializer(
    component_name="SyncFirstResult",
    serializers={"synced": SyncSynced, "conflict": SyncConflicted, "failed": SyncFailed},
    resource_type_field_name="status",
)


@extend_schema_field(SYNC_FIRST_RESULT)
class SyncFirstResultField(serializers.DictField):
    """The first answer of a duplicate event; the schema's `SyncFirstResult`."""


class SyncDuplicate(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="The event's client_uuid, as sent")
    status = serializers.ChoiceField(
        choices=["duplicate"], help_text="Already received with this body: nothing written"
    )
    time_log = serializers.IntegerField(allow_null=True, help_text="Its time log's id, if any")
    first_result = SyncFirstResultField(help_text="The first answer, unchanged")


SYNC_RESULT = PolymorphicProxySerializer(
    component_name="SyncResult",
    serializers={"synced": SyncSynced, "duplicate": SyncDuplicate, "conflict": SyncConflicted, "failed": SyncFailed},
    resource_type_field_name="status",
)


@extend_schema_field(SYNC_EVENT)
class SyncEventField(serializers.DictField):
    """An event, read as an object; the schema's `SyncEvent`."""


@extend_schema_field(SYNC_RESULT)
class SyncResultField(serializers.DictField):
    """A result as the service wrote it; the schema's `SyncResult`."""


class SyncRefused(Error):
    """The 422 of a batch with a reused `client_uuid`: the error, and every event's result."""

    results = serializers.ListField(child=SyncResultField(), help_text="One result per event, in the order sent")


class ConflictError(Error):
    """A 409: the error; with code `conflict` (a clock-out someone else already made), their record."""

    conflict = SyncConflict(required=False, help_text="Their record, when the code is `conflict`")


REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    location=OpenApiParameter.HEADER,
    enum=["true"],
    response=True,
    description="`true` when this answers a request already received (the first answer again)",
)


# --- The shift (idempotent: each through idempotency.idempotent) ---


class EventResult(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="The event's client_uuid, as sent")
    status = serializers.ChoiceField(choices=["synced"], help_text="Applied (a refusal is an error status)")
    time_log = TimeLogOutput(allow_null=True, help_text="The time log as it stands now")


class DeviceTimeField(InstantField):
    """A device's clock reading: within ten years of the server's now (a clock further off is
    not a clock; its offset would not even fit the sync row)."""

    far_off_message = "The device's clock is more than ten years off."


def _answer_event(request, result: dict, time_log: TimeLog | None, *, created_status: int = 200) -> Response:
    """An idempotent write's answer: the first answer, or that answer again on a replay."""
    replayed = result["status"] == "duplicate"
    if replayed:
        result = result["first_result"]
    if result.get("reused") or result["status"] == "failed":
        error = result["error"]
        response = Response(error_body(error["code"], error["message"]), status=status_for(error["code"]))
    elif result["status"] == "conflict":
        body = error_body(ApiError.CONFLICT, "Your supervisor already ended this shift; they will settle it.")
        response = Response({**body, "conflict": result["conflict"]}, status=ApiError.CONFLICT.status)
    else:
        if time_log is None:  # a replay: read as it stands now
            time_log = visible_timelogs(request.user).get(pk=result["time_log"])
        body = {
            "client_uuid": result["client_uuid"],
            "status": "synced",
            "time_log": TimeLogOutput(time_log, context=output_context(request)).data,
        }
        response = Response(body, status=created_status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class ClockInApi(ApiView):
    """The member clocks in on a dispatch (201). The same `client_uuid` and body again answers the first
    answer again with `Idempotent-Replayed: true`; with another body it is a 422."""

    class Input(serializers.Serializer):
        dispatch = serializers.IntegerField(help_text="The accepted dispatch to clock in on")
        client_uuid = serializers.UUIDField(help_text="Made by the phone, new for each action; kept to retry it")
        device_time = DeviceTimeField(help_text="The phone's clock at the clock-in, with its offset")
        lat = serializers.FloatField(required=False, help_text="Latitude, -90 to 90")
        lng = serializers.FloatField(required=False, help_text="Longitude, -180 to 180")
        photo = serializers.CharField(
            required=False, trim_whitespace=False,
            help_text="A project photo: base64 (or a data: URL) of a JPEG, PNG or WebP of at most 5 MB",
        )  # fmt: skip

        def validate_photo(self, value):
            _photo_checked(value)
            return value

        def validate_lat(self, value):
            _coordinate_checked(value, "latitude")
            return value

        def validate_lng(self, value):
            _coordinate_checked(value, "longitude")
            return value

    @extend_schema(
        request=Input,
        responses={201: EventResult, 400: Error, 404: Error, 409: Error, 422: Error},
        parameters=[REPLAYED],
    )
    def post(self, request):
        data = validated(self.Input, request.data)
        key = idempotency.EventKey(worker=request.user, client_uuid=data["client_uuid"])
        payload = {k: data[k] for k in ("lat", "lng", "photo") if k in data}
        body = idempotency.EventBody(
            type="clock_in", device_time=data["device_time"], dispatch=data["dispatch"], payload=payload
        )
        result, time_log = idempotency.idempotent(
            key, body,
            lambda row: sync.clock_in(
                worker=request.user, dispatch_id=data["dispatch"], at=row.device_time, latitude=data.get("lat"),
                longitude=data.get("lng"), photo=data.get("photo"),
            ),
            several_writes="photo" in data,
        )  # fmt: skip
        return _answer_event(request, result, time_log, created_status=201)


class TimeLogEventApi(ApiView):
    """The worker records a shift event (a break, a lunch, travel, or `clock_out`, which stops work
    and submits). Idempotent by `client_uuid`, as the clock-in."""

    class Input(serializers.Serializer):
        type = serializers.ChoiceField(
            choices=SHIFT_EVENTS, help_text="A break, lunch or travel's start or end, or `clock_out` (stop and submit)"
        )
        client_uuid = serializers.UUIDField(help_text="Made by the phone, new for each action; kept to retry it")
        device_time = DeviceTimeField(help_text="The phone's clock when it happened, with its offset")
        times = TimesInput(required=False, help_text="clock_out only: the worker's corrected times")

    @extend_schema(
        request=Input,
        responses={200: EventResult, 400: Error, 403: Error, 404: Error, 409: ConflictError, 422: Error},
        parameters=[REPLAYED],
    )
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        time_log = visible_or_404(visible_timelogs(request.user), pk)
        if time_log.worker_id != request.user.pk:  # the employer's or staff's view of it: seen, not theirs
            raise PermissionDenied("Only the worker of this time log records its shift events.")
        times = dict(data["times"]) if data.get("times") and data["type"] == "clock_out" else None
        key = idempotency.EventKey(worker=request.user, client_uuid=data["client_uuid"])
        body = idempotency.EventBody(
            type=data["type"], device_time=data["device_time"], timelog=pk, payload={"times": times} if times else {}
        )
        result, time_log = idempotency.idempotent(
            key, body, lambda row: _shift_event(row, request.user, pk, data["type"], times),
            several_writes=data["type"] == "clock_out",
        )  # fmt: skip
        return _answer_event(request, result, time_log)


def _shift_event(row: TimeLogOfflineSync, worker, timelog_id: int, kind: str, times: dict | None):
    """A shift event's service, at the phone's time, on the worker's own time log."""
    row.time_log_id = timelog_id  # a refusal's answer names it, as a batch event's does
    if kind == "clock_out":
        return sync.clock_out(timelog_id, worker=worker, at=row.device_time, times=times)
    segment, service = SEGMENT_EVENTS[kind]
    return service(timelog_id=timelog_id, by=worker, kind=segment, at=row.device_time)


_LOCATION = {"lat": "latitude", "lng": "longitude"}


def _coordinate_checked(value, name: str) -> None:
    """A coordinate the clock-in service would refuse, refused as the input's own 400 (its field
    named, nothing stored): the service's check (timelogs.coordinate), not a second one."""
    try:
        timelogs.coordinate(value, name=name)
    except RuleViolation as refused:
        raise serializers.ValidationError(refused.message, code=refused.code) from None


def _event_faults(event: dict) -> dict:
    """What makes one event of a batch malformed: a device_time readable but more than ten
    years off (or past the calendar's end once in UTC), a `type` that is not text, a location
    that is not a number on Earth ("NaN" included). Unreadable keys and times, unknown types,
    unknown shifts stay the event's own `failed` answer, as documented."""
    faults = {}
    value = event.get("device_time")
    if isinstance(value, str) and _readable_moment(value):
        try:
            DeviceTimeField().run_validation(value)
        except serializers.ValidationError as error:
            faults["device_time"] = " ".join(map(str, error.detail))
    if "type" in event and not isinstance(event["type"], str):
        faults["type"] = "The event type must be text."
    payload = event.get("payload")
    if isinstance(payload, dict):
        where = {}
        for name, coordinate in _LOCATION.items():
            if payload.get(name) is not None:
                try:
                    _coordinate_checked(payload[name], coordinate)
                except serializers.ValidationError as error:
                    where[name] = " ".join(map(str, error.detail))
        if where:
            faults["payload"] = where
    return faults


def _readable_moment(value: str) -> bool:
    try:
        moment = parse_datetime(value)
    except ValueError:
        return False
    return moment is not None and timezone.is_aware(moment)


def _events_well_formed(events: list[dict]) -> None:
    """A batch with a malformed event is a 400 naming each fault by the event's index; nothing
    of it is applied (a client's bug, not a refusal a retry could change)."""
    errors = {str(index): faults for index, event in enumerate(events) if (faults := _event_faults(event))}
    if errors:
        raise serializers.ValidationError({"events": errors})


def _photo_checked(value) -> None:
    """A photo the service would refuse, refused as the input's own 400 (its field named)."""
    try:
        photos.read_photo(value)
    except RuleViolation as refused:
        raise serializers.ValidationError(refused.message, code=refused.code) from None


def _photos_readable(events: list[dict]) -> None:
    """A batch with an unreadable photo is a 400 naming the event (nothing of it applied)."""
    errors = {}
    for index, event in enumerate(events):
        payload = event.get("payload")
        if isinstance(payload, dict) and "photo" in payload:
            try:
                _photo_checked(payload["photo"])
            except serializers.ValidationError as error:
                errors[str(index)] = {"photo": " ".join(map(str, error.detail))}
    if errors:
        raise serializers.ValidationError({"events": errors})


class SyncApi(ApiView):
    """A batch of offline events: one result per event (synced, duplicate, conflict, failed)."""

    class Input(serializers.Serializer):
        events = serializers.ListField(
            child=SyncEventField(), allow_empty=False, max_length=500,
            help_text="1 to 500 events, applied in device-time order",
        )  # fmt: skip
        sent_at = DeviceTimeField(required=False, help_text="The device's clock when it sent the batch")

    class Output(serializers.Serializer):
        results = serializers.ListField(child=SyncResultField(), help_text="One result per event, in the order sent")

    @extend_schema(request=Input, responses={200: Output, 400: Error, 422: SyncRefused})
    def post(self, request):
        data = validated(self.Input, request.data)
        _events_well_formed(data["events"])
        _photos_readable(data["events"])
        results = sync.sync_events(worker=request.user, events=data["events"], sent_at=data.get("sent_at"))
        reused = [r for r in results if r.get("reused")]
        if reused:
            body = error_body(
                FulfillmentError.IDEMPOTENCY_KEY_REUSED,
                "A client_uuid of this batch was already used for a different event.",
                {"events": ", ".join(r["client_uuid"] for r in reused)},
            )
            return Response({**body, "results": results}, status=FulfillmentError.IDEMPOTENCY_KEY_REUSED.status)
        return Response({"results": results})


# --- The worker ---


class TimeLogDraftEditApi(ApiView):
    """The worker edits their draft's times (after a force clock-out or a kiosk stop in draft): a
    partial update, each time left out keeps the draft's value (an omitted break is not 0)."""

    @extend_schema(request=TimesInput, responses={200: TimeLogOutput, 400: Error, 404: Error, 409: Error})
    def patch(self, request, pk: int):
        data = validated(TimesInput, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_draft_edit(timelog_id=pk, by=request.user, **_partial_times(data))
        return _answer(pk, request)


class TimeLogSubmitApi(ApiView):
    """The worker submits their draft: it waits for the supervisor's verification."""

    @extend_schema(request=None, responses={200: TimeLogOutput, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_submit(timelog_id=pk, by=request.user)
        return _answer(pk, request)


class RetroactiveApi(ApiView):
    class Input(serializers.Serializer):
        dispatch = serializers.IntegerField(help_text="The dispatch worked")
        start = InstantField(help_text="The start, with its offset")
        end = InstantField(help_text="The end, with its offset")
        breaks = serializers.IntegerField(min_value=0, default=0, help_text="Break minutes")
        lunch = serializers.IntegerField(min_value=0, default=0, help_text="Lunch minutes")
        note = serializers.CharField(allow_blank=True, default="", help_text="Why by hand, for the supervisor")

    @extend_schema(
        request=Input, responses={201: TimeLogOutput, 400: Error, 404: Error, 409: Error}, parameters=[REPLAYED]
    )
    def post(self, request):
        """The same entry sent again (a double tap, a retry) answers the first one, 201 again,
        with `Idempotent-Replayed: true` (decision 0036). An officer enters one on a member's
        dispatch, longer than the hall's limit if need be."""
        data = validated(self.Input, request.data)
        officer = request.user.has_perm(timelogs.LONG_ENTRY_PERMISSION)
        visible_or_404(Dispatch.objects.all() if officer else _my_dispatches(request.user), data["dispatch"])
        try:
            time_log = timelogs.timelog_retroactive_submit(
                dispatch_id=data["dispatch"], by=request.user, clock_in=data["start"], clock_out=data["end"],
                break_minutes=data["breaks"], lunch_minutes=data["lunch"], note=data["note"],
            )  # fmt: skip
        except RuleViolation as refused:  # the fields by this endpoint's names
            names = {"clock_in": "start", "clock_out": "end", "break_minutes": "breaks", "lunch_minutes": "lunch"}
            refused.fields = {names.get(name, name): message for name, message in refused.fields.items()}
            raise
        response = _answer(time_log.pk, request)
        response.status_code = 201
        if getattr(time_log, "replayed", False):
            response["Idempotent-Replayed"] = "true"
        return response


class TimeLogAcceptApi(ApiView):
    """The worker accepts the supervisor's edit of their times."""

    @extend_schema(request=None, responses={200: TimeLogOutput, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_accept_edit(timelog_id=pk, by=request.user)
        return _answer(pk, request)


class TimeLogRejectApi(ApiView):
    """The worker rejects the supervisor's edit, saying why (`comment`)."""

    class Input(serializers.Serializer):
        comment = serializers.CharField(help_text="Why the edit is wrong, for the supervisor")

    @extend_schema(request=Input, responses={200: TimeLogOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_reject_edit(timelog_id=pk, by=request.user, comment=data["comment"])
        return _answer(pk, request)


# --- The employer ---


class TimeLogVerifyApi(ApiView):
    """A supervisor, manager or admin of the employer (or lending-admin staff) verifies the times."""

    @extend_schema(request=None, responses={200: TimeLogOutput, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_verify(timelog_id=pk, by=request.user)
        return _answer(pk, request)


class TimeLogEditApi(ApiView):
    """The supervisor changes the times, saying why (`note`); the worker then accepts or rejects.
    A partial update of the worker's version: each time left out keeps the worker's value."""

    class Input(TimesInput):
        note = serializers.CharField(help_text="Why, for the worker")

    @extend_schema(request=Input, responses={200: TimeLogOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_edit(timelog_id=pk, by=request.user, note=data["note"], **_partial_times(data))
        return _answer(pk, request)


class TimeLogDisputeApi(ApiView):
    """The supervisor disputes the time log, saying why (`reason`); the hall settles it."""

    class Input(serializers.Serializer):
        reason = serializers.CharField(help_text="Why, for the hall")

    @extend_schema(request=Input, responses={200: TimeLogOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_dispute(timelog_id=pk, by=request.user, reason=data["reason"])
        return _answer(pk, request)


class TimeLogEjectApi(ApiView):
    """The site sends a clocked-in worker off, within 25 minutes of the clock-in (decision 0036)."""

    class Input(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="Why the worker is sent off, for the hall")

    @extend_schema(request=Input, responses={200: TimeLogOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_eject(timelog_id=pk, by=request.user, reason=data["reason"])
        return _answer(pk, request)


class TimeLogForceClockOutApi(ApiView):
    """A supervisor ends a shift the worker forgot, at the time it really ended, saying why."""

    class Input(serializers.Serializer):
        clock_out = InstantField(help_text="When the shift really ended, with its offset (after the clock-in)")
        reason = serializers.CharField(max_length=2000, help_text="Why, for the worker")

    @extend_schema(request=Input, responses={200: TimeLogOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        timelogs.timelog_force_clock_out(timelog_id=pk, by=request.user, at=data["clock_out"], reason=data["reason"])
        return _answer(pk, request)


class TimeLogAcknowledgeApi(ApiView):
    """An employer user (or staff) acknowledges a clock-in: its escalation ladder stops (201)."""

    class Input(serializers.Serializer):
        method = serializers.ChoiceField(
            choices=AcknowledgementMethod.choices, default=AcknowledgementMethod.APP_OPENED,
            help_text="How the clock-in was seen",
        )  # fmt: skip

    class Output(serializers.Serializer):
        id = serializers.IntegerField(help_text="The acknowledgement's id")
        time_log = serializers.IntegerField(source="time_log_id", help_text="The time log acknowledged")
        method = serializers.CharField(help_text="deep_link_clicked or app_opened")
        acknowledged_at = serializers.DateTimeField(help_text=f"When, {HALL_TIME}")

    @extend_schema(request=Input, responses={201: Output, 403: Error, 404: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_timelogs(request.user), pk)
        acknowledgement = notifications.timelog_acknowledge(timelog_id=pk, by=request.user, method=data["method"])
        return Response(self.Output(acknowledgement).data, status=201)


# --- Offline clock-outs to settle (decision 0035) ---


def visible_conflicts(user: User) -> QuerySet[TimeLogOfflineSync]:
    """Conflicts of the time logs the user sees (`visible_timelogs`): another party's is a 404."""
    return TimeLogOfflineSync.objects.filter(
        conflict_with__isnull=False, conflict_with__in=visible_timelogs(user).values("pk")
    )


def _version(times: Times | None) -> dict | None:
    if times is None:
        return None
    return {**vars(times), "billable_minutes": times.billable_minutes}


class SyncConflictOutput(serializers.Serializer):
    """Both versions of the shift: the time log's (`recorded`, as it stands if the supervisor
    keeps it) and the worker's phone (`worker`); `resolution` once settled."""

    id = serializers.IntegerField(help_text="The offline event's id (to resolve it)")
    time_log = serializers.IntegerField(help_text="The time log in question")
    time_log_status = serializers.CharField(help_text="The time log's status")
    worker_name = serializers.CharField(help_text="The worker's name")
    received_at = serializers.DateTimeField(help_text=f"When the phone's clock-out reached the server, {HALL_TIME}")
    device_time = serializers.DateTimeField(help_text=f"The phone's clock-out, {HALL_TIME}")
    ended_by = serializers.IntegerField(allow_null=True, help_text="Who ended the shift first (a supervisor, a kiosk)")
    recorded = TimesOutput(allow_null=True, help_text="The time log's version: stands if the supervisor keeps it")
    worker = TimesOutput(allow_null=True, help_text="The phone's version: the worker reviews it if taken")
    can_take_worker = serializers.BooleanField(help_text="The worker's version can be taken (it is a valid shift)")
    status = serializers.CharField(help_text="conflict (waiting for a choice) or synced (settled)")
    resolution = SyncResolution(allow_null=True, help_text="How it was settled; null while it waits")

    def to_representation(self, conflict: Conflict) -> dict:
        row, time_log = conflict.row, conflict.time_log
        return super().to_representation(
            {
                "id": row.pk,
                "time_log": time_log.pk,
                "time_log_status": time_log.status,
                "worker_name": time_log.worker.get_full_name() or time_log.worker.username,
                "received_at": row.received_at,
                "device_time": row.device_time,
                "ended_by": conflict.ended_by.pk if conflict.ended_by else None,
                "recorded": _version(conflict.standing),
                "worker": _version(conflict.workers),
                "can_take_worker": conflict.can_take,
                "status": row.status,
                "resolution": conflict.resolution,
            }
        )


class SyncConflictListApi(ApiView):
    """The offline clock-outs waiting for a choice: my employer's (an employer user), all (staff),
    my own (a member), oldest first."""

    @extend_schema(responses={200: SyncConflictOutput(many=True), 401: Error})
    def get(self, request):
        rows = visible_conflicts(request.user).filter(status=SyncStatus.CONFLICT)
        return Response([SyncConflictOutput(c).data for c in selectors.conflicts(rows)])


class SyncConflictResolveApi(ApiView):
    """The supervisor settles an offline clock-out: keep the recorded one, or take the worker's
    (which the worker then reviews as any edit)."""

    class Input(serializers.Serializer):
        accept_worker = serializers.BooleanField(
            help_text="true: take the worker's clock-out (sent to them as your edit); false: keep the recorded one"
        )

    @extend_schema(request=Input, responses={200: SyncConflictOutput, 400: Error, 403: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        data = validated(self.Input, request.data)
        visible_or_404(visible_conflicts(request.user), pk)
        sync.sync_conflict_resolve(sync_id=pk, by=request.user, accept_worker=data["accept_worker"])
        [conflict] = selectors.conflicts(TimeLogOfflineSync.objects.filter(pk=pk))
        return Response(SyncConflictOutput(conflict).data)
