"""Issue #6: the 4-hour auto-approval sweep. 1,000 due time logs approved among 1,000,000 rows
within 1.5x of the same 1,000 among 10,000 (the partial index on running timers keeps the scan
as short as the number of timers, however long the verified history), and at least 10,000
approvals per second (1,000 in 0.1 s at most; issue 23, was 2,000 in issue 6).

The world: a few dispatches made through the factories and services (one without a primary site
contact, whose messages go to the employer's admins). Time logs are written by SQL
(`INSERT … SELECT generate_series`): the due rows (pending_verification, a fifth pending the
worker's review of an edit, deadlines in the past), and around them a history that is mostly
verified, with some disputes and some running timers (deadlines in the next 4 hours).

Case A (`small` rows in all) lives in copies of the time-log, outbox and history tables in a
schema of its own; case B (`size` rows) in the real tables, the same due rows among many more.
`search_path` chooses the case before each run, so A and B runs alternate, as in
harness.compare, and drift in the machine falls on both alike. Each sweep runs in a savepoint
rolled back afterwards, so every run approves the same rows. A run counts the whole sweep: the
locking reads, the UPDATEs, the history, the outbox rows and their history. Not counted: the
task queued after commit (one per batch; the benchmark never commits). Before timing, one sweep
of each case is checked: every due row approved as the rules say, the same number of queries
in both cases, and (from 100,000 rows) the locking read of case B planned on the partial index.

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (fulfillment/tests/test_bench_smoke.py, at a tiny size).
"""

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench import harness
from dispatch.enums import EmployerRole
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import TIMED_STATUSES, FundsState, TimeLogStatus, VerifiedBy
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from fulfillment.services.timelogs import AUTO_APPROVED
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from unioncore.audit import history_insert_sql, system_user
from unioncore.notifications.models import Notification
from unioncore.sql import bound_cursor

NAME = "fulfillment_sweep"
DEFAULT_SIZE = 1_000_000  # case B: rows in all
SMALL = 10_000  # case A: rows in all
DUE = 1_000  # due rows, the same in both cases
TARGET_RATIO = 1.5  # B within 1.5x of A
TARGET_RATE = 10_000  # approvals per second, case B (issue 23)
FLOOR_RATIO = 2.0  # the sweep within 2x of its rows written alone (printed, not judged)
# Crews of ten: the due rows fall on DISPATCHES dispatches (each to its own employer), so a site
# contact is told of ten at once, in one text (decision 0064); the last names no site contact.
DISPATCHES = 100
# Shares of the history rows (the rest are verified).
RUNNING_PERCENT = 2  # a timer running, deadline in the next 4 hours
DISPUTED_PERCENT = 1
SMALL_CASE = "bench_sweep_small"  # the schema of case A's tables
INDEX = "time_log_running_timers"
INDEX_CHECKED_FROM = 100_000  # rows; on fewer the planner may rightly prefer another plan

S = TimeLogStatus
CASE_TABLES = (TimeLog, TimeLog.history.model, Notification, Notification.history.model)

COLUMNS = """
    status, clock_in_at, clock_out_at,
    worker_clock_in, worker_clock_out, worker_break_minutes, worker_lunch_minutes, worker_edited, worker_comment,
    supervisor_clock_in, supervisor_clock_out, supervisor_break_minutes, supervisor_lunch_minutes, supervisor_note,
    final_clock_in, final_clock_out, final_break_minutes, final_lunch_minutes, billable_minutes, amount,
    funds_state, auto_approval_time, timer_cycle, verified_at, verified_how, is_retroactive, note,
    created_at, updated_at, dispatch_id, worker_id, last_editor_id, verified_by_id
"""

# Row n of the due ones: deadline 1 to 180 minutes ago; a shift of 8 h 30 with a 30-minute lunch
# ending 5 minutes before the submission (deadline − 4 h). Every fifth is waiting on the
# worker's review of an edit (the supervisor's version: an hour less).
DUE_SQL = f"""
    WITH s AS (
        SELECT n, 1 + n %% %(k)s AS d, n %% 5 = 0 AS edited,
               %(now)s::timestamptz - (1 + n %% 180) * interval '1 minute' AS deadline
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
    ), t AS (
        SELECT s.*, deadline - interval '4 hours' AS submitted,
               deadline - interval '4 hours 5 minutes' AS clock_out,
               deadline - interval '12 hours 35 minutes' AS clock_in
          FROM s
    )
    INSERT INTO fulfillment_timelog ({COLUMNS})
    SELECT CASE WHEN edited THEN 'pending_worker_review' ELSE 'pending_verification' END, clock_in, clock_out,
           clock_in, clock_out, 0, 30, false, '',
           CASE WHEN edited THEN clock_in END, CASE WHEN edited THEN clock_out - interval '1 hour' END,
           CASE WHEN edited THEN 0 END, CASE WHEN edited THEN 30 END,
           CASE WHEN edited THEN 'Left an hour early' ELSE '' END,
           NULL, NULL, NULL, NULL, NULL, NULL,
           'held', deadline, CASE WHEN edited THEN 2 ELSE 1 END, NULL, '', false, '',
           clock_in, submitted, (%(dispatch)s::bigint[])[d], (%(worker)s::bigint[])[d],
           CASE WHEN edited THEN (%(supervisor)s::bigint[])[d] ELSE (%(worker)s::bigint[])[d] END, NULL
      FROM t
"""

# Row n of the history: a shift of 8 h 30 (lunch 30) starting a day and n × 17 minutes ago,
# verified (a tenth of them auto-approved, their deadline kept), disputed, or with its timer
# running (deadline 1 to 239 minutes ahead: in the index, after every due row).
HISTORY_SQL = f"""
    WITH s AS (
        SELECT n, 1 + n %% %(k)s AS d,
               CASE WHEN (n * 7919) %% 100 < %(running)s THEN 'running'
                    WHEN (n * 7919) %% 100 < %(running)s + %(disputed)s THEN 'disputed'
                    ELSE 'verified' END AS kind,
               n %% 10 = 0 AS auto,
               %(now)s::timestamptz - interval '1 day' - n * interval '17 minutes' AS clock_in
          FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
    ), t AS (
        SELECT s.*, clock_in + interval '8 hours 30 minutes' AS clock_out,
               CASE WHEN kind = 'running' THEN %(now)s::timestamptz + (1 + n %% 239) * interval '1 minute'
                    ELSE clock_in + interval '12 hours 35 minutes' END AS deadline
          FROM s
    )
    INSERT INTO fulfillment_timelog ({COLUMNS})
    SELECT CASE kind WHEN 'running' THEN 'pending_verification' ELSE kind END,
           CASE WHEN kind = 'running' THEN deadline - interval '12 hours 35 minutes' ELSE clock_in END,
           CASE WHEN kind = 'running' THEN deadline - interval '4 hours 5 minutes' ELSE clock_out END,
           CASE WHEN kind = 'running' THEN deadline - interval '12 hours 35 minutes' ELSE clock_in END,
           CASE WHEN kind = 'running' THEN deadline - interval '4 hours 5 minutes' ELSE clock_out END,
           0, 30, false, '',
           NULL, NULL, NULL, NULL, '',
           CASE WHEN kind = 'verified' THEN clock_in END, CASE WHEN kind = 'verified' THEN clock_out END,
           CASE WHEN kind = 'verified' THEN 0 END, CASE WHEN kind = 'verified' THEN 30 END,
           CASE WHEN kind = 'verified' THEN 480 END,
           CASE WHEN kind = 'verified' THEN round(8 * (%(wage)s::numeric[])[d], 2) END,
           CASE kind WHEN 'verified' THEN 'released' WHEN 'disputed' THEN 'frozen' ELSE 'held' END,
           CASE WHEN kind = 'running' OR (kind = 'verified' AND auto) THEN deadline END,
           1,
           CASE WHEN kind = 'verified' THEN CASE WHEN auto THEN deadline ELSE clock_out + interval '2 hours' END END,
           CASE WHEN kind = 'verified' THEN CASE WHEN auto THEN 'auto_approval' ELSE 'supervisor' END ELSE '' END,
           false, '',
           clock_in,
           CASE WHEN kind = 'running' THEN deadline - interval '4 hours' ELSE clock_out + interval '2 hours' END,
           (%(dispatch)s::bigint[])[d], (%(worker)s::bigint[])[d], (%(worker)s::bigint[])[d],
           CASE WHEN kind = 'verified' THEN
                CASE WHEN auto THEN %(system)s ELSE (%(supervisor)s::bigint[])[d] END END
      FROM t
"""


@dataclass
class World:
    now: datetime.datetime
    dispatches: list[Dispatch]
    rows: int = 0  # time logs written so far
    due: int = 0


def make_world(*, dispatches: int = DISPATCHES) -> World:
    """Accepted dispatches of reachable workers, through the referral and dispatch services, two
    weeks back. Each employer has a site contact and an admin; the last dispatch names no site
    contact (its messages go to the admin)."""
    day = timezone.localdate() - datetime.timedelta(days=14)
    dispatcher = ReachableStaffFactory()
    made = []
    for _ in range(dispatches):
        employer = EmployerFactory()
        SiteUserFactory(employer=employer)
        SiteUserFactory(employer=employer, role=EmployerRole.ADMIN)
        made.append(on_the_job(worker=WorkerFactory(), employer=employer, by=dispatcher, day=day))
    Dispatch.objects.filter(pk=made[-1].pk).update(primary_site_contact=None)
    dispatches = Dispatch.objects.filter(pk__in=[d.pk for d in made]).select_related("member").order_by("pk")
    return World(now=timezone.now(), dispatches=list(dispatches))


def _params(world: World, first: int, last: int) -> dict:
    dispatches = world.dispatches
    supervisors = [
        d.primary_site_contact.user_id if d.primary_site_contact_id else d.employer.users.get(role="admin").user_id
        for d in dispatches
    ]
    return {
        "first": first,
        "last": last,
        "k": len(dispatches),
        "now": world.now,
        "dispatch": [d.pk for d in dispatches],
        "worker": [d.member.user_id for d in dispatches],
        "supervisor": supervisors,
        "wage": [d.wage_rate for d in dispatches],
        "system": system_user().pk,
        "running": RUNNING_PERCENT,
        "disputed": DISPUTED_PERCENT,
    }


def add_due(world: World, count: int) -> None:
    params = _params(world, world.rows + 1, world.rows + count)
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, params)
    world.rows += count
    world.due += count


def add_history(world: World, count: int) -> None:
    """`count` more rows that are not due, then fresh planner statistics (as autovacuum would
    have them)."""
    if count > 0:
        with connection.cursor() as cursor:
            cursor.execute(HISTORY_SQL, _params(world, world.rows + 1, world.rows + count))
        world.rows += count
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE fulfillment_timelog")


def copy_small_case() -> None:
    """Case A's tables: the time logs as they are now, with an empty outbox and history, in the
    schema SMALL_CASE (indexes, constraints and defaults copied; foreign keys are not needed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {SMALL_CASE}")
        for model in CASE_TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"CREATE TABLE {SMALL_CASE}.{table} (LIKE public.{table} INCLUDING ALL)")
        table = connection.ops.quote_name(TimeLog._meta.db_table)
        cursor.execute(f"INSERT INTO {SMALL_CASE}.{table} SELECT * FROM public.{table}")
        cursor.execute(f"ANALYZE {SMALL_CASE}.{table}")


def use_case(schema: str | None) -> None:
    """Case A's tables (`SMALL_CASE`) or the real ones (None) for what follows in this
    transaction; everything else always comes from the real schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', %s, true)", [f"{schema}, public" if schema else "public"])


FLOOR = "bench_sweep_floor"  # the schema of the floor's bare tables
FLOOR_BODY = 200  # characters: about the length of an auto-approval message with its link
FLOOR_TABLES = (TimeLog, TimeLog.history.model, Notification, Notification.history.model)


def make_floor() -> None:
    """The floor's tables: the four the sweep writes, with their columns, defaults and identities
    only (no index, no constraint, no trigger), in the schema FLOOR."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {FLOOR}")
        for model in FLOOR_TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"CREATE TABLE {FLOOR}.{table} (LIKE public.{table} INCLUDING DEFAULTS INCLUDING IDENTITY)")


def floor_writes(world: World) -> None:
    """The rows a sweep of the due time logs writes, written with nothing else, into the bare
    tables: the due rows' new versions (whole rows), their history rows, a message each to the
    worker and one to each dispatch's site contact (the sweep's text length; decision 0064) and
    the messages' history rows — plain INSERT … SELECT, no index, no lock, no rule, no Python.
    What PostgreSQL alone needs on this machine, in this run: a sweep cannot take less
    (decision 0062)."""
    log, notification = (connection.ops.quote_name(m._meta.db_table) for m in (TimeLog, Notification))
    statuses = ", ".join(f"'{status}'" for status in TIMED_STATUSES)
    due = f"(SELECT * FROM public.{log} WHERE status IN ({statuses}) AND auto_approval_time <= %s) AS due"
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path = {FLOOR}")
        cursor.execute(f"INSERT INTO {log} SELECT due.* FROM {due}", [world.now])
        cursor.execute(history_insert_sql(TimeLog, log), [world.now, AUTO_APPROVED, "~", None])
        cursor.execute(
            f"""INSERT INTO {notification} (about_id, recipient_id, channel, kind, cycle, body, link, status,
                                             attempts, error, created_at)
                SELECT id, worker_id, 'sms', 'auto_approved', timer_cycle, repeat('x', %s), repeat('y', 60),
                       'pending', 0, '', %s
                  FROM {log}
                 UNION ALL
                SELECT DISTINCT ON (dispatch_id) id, last_editor_id, 'sms', 'auto_approved_crew', timer_cycle,
                       repeat('x', %s), repeat('y', 60), 'pending', 0, '', %s
                  FROM {log} ORDER BY 1""",
            [FLOOR_BODY, world.now, FLOOR_BODY, world.now],
        )
        cursor.execute(history_insert_sql(Notification, notification), [world.now, None, "+", None])
        cursor.execute("SET LOCAL search_path = public")


def timed_floor(world: World) -> float:
    with transaction.atomic():
        seconds = harness.time_once(lambda: floor_writes(world))
        transaction.set_rollback(True)
    return seconds


def sweep(world: World) -> int:
    return timelogs.auto_approve_due(now=world.now, by=system_user())  # the task's batch (settings)


def timed_sweep(world: World, schema: str | None) -> float:
    """One sweep of a case, timed, then rolled back: the next run finds the same rows due."""
    use_case(schema)
    approved = []
    with transaction.atomic():
        seconds = harness.time_once(lambda: approved.append(sweep(world)))
        transaction.set_rollback(True)
    if approved != [world.due]:
        raise harness.BenchmarkError(f"the sweep approved {approved[0]} time logs, not {world.due}")
    return seconds


def check(world: World, schema: str | None) -> dict:
    """One sweep of a case (rolled back) approves every due row exactly as the rules say, with one
    history row each and the messages; returns its query count and the plan of its locking read."""
    use_case(schema)
    with transaction.atomic():
        (approved, (sql, params)), queries = harness.count_queries(lambda: _sweep_capturing(world))
        _check_outcome(world, approved)
        transaction.set_rollback(True)
    with bound_cursor() as cursor:  # as the sweep sends it: the parameters apart
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {"queries": queries, "uses_index": INDEX in plan, "plan": plan}


def _sweep_capturing(world: World) -> tuple[int, tuple[str, list]]:
    """The sweep, and the statement and parameters of its first locking read (for EXPLAIN)."""
    sent = []

    def capture(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        approved = sweep(world)
    return approved, next((sql, params) for sql, params in sent if "FOR UPDATE" in sql)


def _check_outcome(world: World, approved: int) -> None:
    if approved != world.due:
        raise harness.BenchmarkError(f"the sweep approved {approved} time logs, not {world.due}")
    rates = {d.pk: d.wage_rate for d in world.dispatches}
    done = TimeLog.objects.filter(verified_how=VerifiedBy.AUTO_APPROVAL, verified_at=world.now)
    wrong = 0
    for t in done.only("status", "dispatch_id", "worker_clock_out", "supervisor_clock_out", "billable_minutes",
                       "amount", "auto_approval_time", "funds_state", "final_clock_out"):  # fmt: skip
        standing = t.supervisor_clock_out if t.supervisor_clock_out else t.worker_clock_out
        amount = (Decimal(t.billable_minutes) / 60 * rates[t.dispatch_id]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        wrong += (
            t.status != S.VERIFIED
            or t.funds_state != FundsState.RELEASED
            or t.final_clock_out != standing
            or t.amount != amount
            or t.auto_approval_time is None
        )
    history = TimeLog.history.filter(history_change_reason=AUTO_APPROVED, history_user=system_user()).count()
    workers, site = told()
    if (done.count(), wrong, history, workers, site) != (world.due, 0, world.due, world.due, world.due):
        raise harness.BenchmarkError(
            f"{done.count()} auto-approved, {wrong} wrong, {history} history rows, {workers} workers and "
            f"{site} site contacts' time logs told for {world.due} due time logs"
        )


def told() -> tuple[int, int]:
    """Of the auto-approved time logs: how many were told to their workers, one message each, and
    how many to their site contacts, alone or in the one text for a crew's batch (decision 0064),
    whose first word is how many it covers. A time log told twice to its worker counts as none."""
    workers = set(TimeLog.objects.values_list("worker_id", flat=True))
    approved = Notification.objects.filter(kind="auto_approved")
    to_workers = Counter(approved.filter(recipient__in=workers).values_list("about_id", flat=True))
    alone = approved.exclude(recipient__in=workers).count()
    crews = Notification.objects.filter(kind="auto_approved_crew").values_list("body", flat=True)
    return sum(n == 1 for n in to_workers.values()), alone + sum(int(body.split()[0]) for body in crews)


class Scale(harness.Result):
    """The sweep among `size` rows (measured) against the same sweep among `small` (baseline)."""

    def line(self) -> str:
        rows = f"  ({self.rows} due among {self.notes['rows_big']:,} vs {self.notes['rows_small']:,} rows)"
        return super().line() + rows


class Throughput(harness.Result):
    """Approvals per second against the target rate: `baseline` is the time the target allows."""

    def line(self) -> str:
        rate = self.rows / self.measured_s
        return (
            f"{self.name:<28} measured {rate:,.0f} approvals/s ({harness._ms(self.measured_s)} for {self.rows})"
            f"  target >= {self.rows / self.baseline_s:,.0f}/s ({harness._ms(self.baseline_s)})"
            f"  ratio {self.ratio:.2f}  target <= {self.target_ratio:.1f}  {self.verdict}"
        )

    def as_dict(self):
        return {**super().as_dict(), "approvals_per_second": round(self.rows / self.measured_s, 1)}

    @property
    def verdict(self) -> str:
        if self.judged:
            return super().verdict
        word, floor = "PASS" if self.passed else "FAIL", self.notes["floor_ms"]
        return f"{word} (not judged: the rows alone take {floor:.1f} ms here; decision 0062)"


class Floor(harness.Result):
    """The sweep (measured) against the floor: its rows written alone into bare tables (baseline).
    Printed, not judged: what the sweep adds to what PostgreSQL must do anyway."""

    @property
    def verdict(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} (printed, not judged: decision 0062)"

    def line(self) -> str:
        floor_rate = self.rows / self.baseline_s
        return super().line() + f"  (the rows alone: {floor_rate:,.0f} approvals/s)"


def run(
    *,
    size: int = DEFAULT_SIZE,
    repeat: int = 21,
    warmup: int = 3,
    small: int = SMALL,
    due: int = DUE,
    dispatches: int = DISPATCHES,
) -> list[harness.Result]:
    world = make_world(dispatches=dispatches)
    add_due(world, due)
    add_history(world, small - due)
    copy_small_case()
    small_rows = world.rows
    add_history(world, size - world.rows)
    checks = {"small": check(world, SMALL_CASE), "big": check(world, None)}
    if checks["big"]["queries"] != checks["small"]["queries"]:
        raise harness.BenchmarkError(f"{checks['small']['queries']} queries among {small_rows} rows, "
                                     f"{checks['big']['queries']} among {world.rows}")  # fmt: skip
    if not checks["big"]["uses_index"] and world.rows >= INDEX_CHECKED_FROM:
        raise harness.BenchmarkError(f"the sweep's locking read does not use {INDEX}:\n{checks['big']['plan']}")

    make_floor()
    # Alternating, as harness.compare does; each run times the sweep (or the floor) alone.
    for _ in range(warmup):
        timed_sweep(world, SMALL_CASE)
        timed_sweep(world, None)
        timed_floor(world)
    small_runs, big_runs, floor_runs = [], [], []
    for _ in range(max(repeat, 1)):
        small_runs.append(timed_sweep(world, SMALL_CASE))
        big_runs.append(timed_sweep(world, None))
        floor_runs.append(timed_floor(world))
    use_case(None)

    notes = {
        "rows_small": small_rows,
        "rows_big": world.rows,
        "queries": checks["big"]["queries"],
        "plan_small": checks["small"]["plan"],
        "plan_big": checks["big"]["plan"],
    }
    scale = Scale(f"{NAME}_scale", big_runs, small_runs, TARGET_RATIO, rows=due, notes=notes)
    budget = due / TARGET_RATE
    # The literal rate is judged where the machine can meet it: not when writing the sweep's rows
    # alone, with nothing else, already takes longer than the budget (decision 0062).
    floor_s = statistics.median(floor_runs)
    rate = Throughput(
        f"{NAME}_rate", big_runs, [budget], 1.0, rows=due, judged=floor_s < budget,
        notes={"target_per_second": TARGET_RATE, "floor_ms": round(floor_s * 1000, 3)},
    )  # fmt: skip
    floor = Floor(f"{NAME}_floor", big_runs, floor_runs, FLOOR_RATIO, rows=due, judged=False)
    return [scale, rate, floor]
