"""Issue #7: the phone API under load. `GET /api/v1/timelogs/` (a page of 50) and
`POST /api/v1/timelogs/clock-in/`, each from 32 concurrent clients on loopback against gunicorn
and the real PostgreSQL and Redis, must serve at least 80% (the list; issue 23) and 60% (the
clock-in) of the requests per second of a bare Django JSON view serving the same 50 rows in the
same run, with a p99 latency under 100 ms.

The world (committed: the server is another process): an employer with a site contact; one
member on the job with `size` time logs (their page of 50 is what both the API and the bare
view serve); and one member on the job per clock-in of a round (`clients` × `clock_ins`), each
with a knox token made by `AuthToken.objects.create`, as `auth/login/` does. The first dispatch
goes through the referral and dispatch services; the other members, users and dispatches are
copies written with `bulk_create` (a dispatch as the services leave it: accepted), the reader's
time logs too. Each clock-in is a realistic write: its own member, a fresh `client_uuid`, the
device's time, through the whole path (knox, the write throttle in Redis, `sync_events`,
`timelog_clock_in` with its row lock, history, the outbox and its Celery task on commit).
Between rounds the shifts opened by the clock-ins are closed by SQL (untimed), so the same
members clock in again. The database is vacuumed and analysed once the world is built, as
autovacuum keeps a live one.

The server: gunicorn, `bench.settings` (the test settings with `bench.api_urls`: the project's
URLs plus the bare view `bench/bare/timelogs/`), `WORKERS` processes × `THREADS` threads
(gthread, keep-alive); see docs/performance.md for the choice. The load: one thread per client,
each with its own keep-alive connection (`http.client`), all released together; a round's
throughput is its requests over the wall time from the first request to the last answer, its
latencies each request's send-to-last-byte time. Rounds alternate bare / list / clock-in, so
drift in the (shared) machine falls on all three alike; the share is the median over rounds of
each round's share (the API against the bare view measured seconds before it: the machine's
speed moves by a third between minutes), the requests a second shown are the medians over
rounds, p99 over every timed request of the kind. Before timing, the API's page and the bare view's are
checked to hold the same rows, and after it every clock-in is checked to have opened exactly
one shift with its history row. Any answer other than 200 (lists) or 201 (clock-in) fails.

Two load shapes. Saturated (the rounds above): 32 clients back to back; the throughput cases
and the literal p99 target. With a closed loop the mean latency is clients ÷ throughput
(Little's law), so that p99 says how fast the machine is more than how long a phone waits: it
is printed, not judged (decision 0024). Paced (once, after the rounds): each client one request
every PACE seconds, latency counted from the moment the request was due; the `*_p99_paced`
cases, on which the p99 target is judged.

`python -m bench api_throughput` runs it in a database of its own (`<bench>_api_bench`, made
anew from the benchmark database), since the data must be committed; the smoke test
(unioncore/tests/test_bench_smoke_api.py) runs it at a tiny size in the test database.
"""

import contextlib
import datetime
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from bench import harness

NAME = "api_throughput"
COMMITS = True  # python -m bench runs it outside its rolled-back transaction
DEFAULT_SIZE = 1_000  # time logs of the member whose page is read
CLIENTS = 32
LIST_REQUESTS = 10  # per client and round
CLOCK_INS = 8  # per client and round: the members each client clocks in
ROUNDS = 15  # at most; fewer with --repeat (short rounds, many: a median that drift moves less)
# Then once, paced: each client one request every PACE seconds (32 phones, one request a second
# each), PACED_REQUESTS list requests each and every member's clock-in.
PACE = 1.0
PACED_REQUESTS = 30  # a p99 of 32 × 10 was decided by its 4 worst requests
TARGET_SHARE = 0.6  # of the bare view's requests per second: the clock-in
TARGET_LIST_SHARE = 0.8  # the list (issue 23; was 0.6 in issue 7)
TARGET_P99 = 0.100  # seconds
# 2 cores: 2 processes per core (the GIL lets one thread of a process run Python at a time, and
# while one process waits on PostgreSQL or Redis the other runs), 2 threads each to overlap the
# waits within a process. 4x2 measured at least as well as 2x4 and 3x4. See docs/performance.md.
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "2"))
BARE_PATH = "/bench/bare/timelogs/"
LIST_PATH = "/api/v1/timelogs/"
CLOCK_IN_PATH = "/api/v1/timelogs/clock-in/"
PAGE = 50


@dataclass
class World:
    reader_id: int  # the user whose page is read
    reader_token: str
    writers: list[tuple[int, str]]  # (dispatch id, token) of each member who clocks in
    rows: int


def make_world(*, rows: int, writers: int) -> World:
    from knox.models import AuthToken

    from dispatch.models import Dispatch
    from dispatch.tests.factories import EmployerFactory
    from fulfillment.models import TimeLog
    from fulfillment.tests.factories import (
        ReachableStaffFactory,
        ReachableUserFactory,
        SiteUserFactory,
        TimeLogFactory,
        WorkerFactory,
        on_the_job,
    )
    from members.models import Member
    from members.tests.factories import MemberFactory
    from unioncore.models import User, UserKind

    day = timezone.localdate() - datetime.timedelta(days=14)
    employer = EmployerFactory()
    SiteUserFactory(employer=employer)
    reader = WorkerFactory()
    template = on_the_job(worker=reader, employer=employer, by=ReachableStaffFactory(), day=day)

    # The reader's history: verified days, newest first on the page.
    start = timezone.now() - datetime.timedelta(days=1)
    logs = []
    for n in range(rows):
        clock_in = start - datetime.timedelta(days=n)
        clock_out = clock_in + datetime.timedelta(hours=8, minutes=30)
        logs.append(TimeLogFactory.build(
            dispatch=template, worker=reader.user, status="verified", clock_in_at=clock_in, clock_out_at=clock_out,
            final_clock_in=clock_in, final_clock_out=clock_out, final_break_minutes=0, final_lunch_minutes=30,
            billable_minutes=480, amount="480.00", funds_state="released", verified_at=clock_out,
            verified_how="supervisor", auto_approval_time=None,
        ))  # fmt: skip
    TimeLog.objects.bulk_create(logs, batch_size=1000)

    # The members who clock in: copies of the reader's accepted dispatch.
    users = User.objects.bulk_create([ReachableUserFactory.build(kind=UserKind.MEMBER) for _ in range(writers)])
    members = Member.objects.bulk_create([MemberFactory.build(user=user) for user in users])
    copies = []
    for member in members:
        copy = Dispatch.objects.get(pk=template.pk)
        copy.pk, copy.member, copy.registration, copy.bid = None, member, None, None
        copies.append(copy)
    dispatches = Dispatch.objects.bulk_create(copies)
    tokens = [AuthToken.objects.create(user)[1] for user in users]
    return World(
        reader_id=reader.user_id,
        reader_token=AuthToken.objects.create(reader.user)[1],
        writers=[(d.pk, token) for d, token in zip(dispatches, tokens, strict=True)],
        rows=rows,
    )


def close_shifts(world: World) -> int:
    """End the shifts the clock-ins opened (as if stopped and submitted), so the same members can
    clock in again; untimed, between rounds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fulfillment_timelog SET status = 'pending_verification', "
            "clock_out_at = clock_in_at + interval '1 minute', auto_approval_time = now() + interval '4 hours' "
            "WHERE dispatch_id = ANY(%s) AND status = 'working'",
            [[d for d, _ in world.writers]],
        )
        return cursor.rowcount


# --- The server ---


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(*, workers: int = WORKERS, threads: int = THREADS):
    """gunicorn on a free loopback port against the database Django is connected to; yields the
    port. Redis: BENCH_REDIS_URL (else REDIS_URL)."""
    port = _free_port()
    redis = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis,
        "SENTRY_DSN": "",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(harness.BENCH_DIR.parent),
    }
    # The project's gunicorn.conf.py, as in production; the size and the address given here.
    command = [
        sys.executable, "-m", "gunicorn", "unioncore.wsgi:application",
        "--config", str(harness.BENCH_DIR.parent / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=harness.BENCH_DIR.parent, start_new_session=True)
    _masters[port] = process
    try:
        _wait_until_up(port, process)
        yield port
    finally:
        del _masters[port]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_masters: dict[int, subprocess.Popen] = {}


def worker_pids(port: int) -> list[int]:
    """The gunicorn worker processes of the server on `port` (for tests that kill one)."""
    master = _masters[port].pid
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise harness.BenchmarkError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{BARE_PATH}?worker=0")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise harness.BenchmarkError(f"gunicorn did not answer on port {port} within {timeout} s")


# --- The load ---


@dataclass
class Request:
    method: str
    path: str
    expect: int
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Load:
    requests: int
    seconds: float  # first request sent to last answer read
    latencies: list[float]
    unexpected: Counter  # (status, path) of answers other than the expected one

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def hammer(port: int, plans: list[list[Request]], *, interval: float | None = None) -> Load:
    """Each plan from its own thread over its own keep-alive connection, all released together:
    back to back (closed loop), or with `interval` one request per client every `interval`
    seconds, the clients spread evenly over it (open loop; a request's latency then counts from
    the moment it was due, so time spent waiting for the server to catch up is counted)."""
    barrier = threading.Barrier(len(plans) + 1)
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * len(plans)
    latencies: list[list[float]] = [[] for _ in plans]
    unexpected: Counter = Counter()

    def client(index: int, plan: list[Request]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        mine = latencies[index]
        try:
            barrier.wait()
            first = time.perf_counter()
            for n, request in enumerate(plan):
                sent = time.perf_counter()
                if interval is not None:
                    due = first + (n + index / len(plans)) * interval
                    if due > sent:
                        time.sleep(due - sent)
                    sent = due
                conn.request(request.method, request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - sent)
                if response.status != request.expect:
                    unexpected[(response.status, request.path)] += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            spans[index] = (first, time.perf_counter())
        except Exception as error:
            unexpected[(repr(error), "")] += 1
            spans[index] = (first if "first" in locals() else time.perf_counter(), time.perf_counter())
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i, p), daemon=True) for i, p in enumerate(plans)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    everything = [s for mine in latencies for s in mine]
    return Load(len(everything), seconds, everything, unexpected)


def _auth(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


def list_plans(world: World, *, clients: int, requests: int, bare: bool) -> list[list[Request]]:
    if bare:
        one = Request("GET", f"{BARE_PATH}?worker={world.reader_id}", 200)
    else:
        one = Request("GET", LIST_PATH, 200, headers=_auth(world.reader_token))
    return [[one] * requests for _ in range(clients)]


def clock_in_plans(world: World, *, clients: int) -> list[list[Request]]:
    """Every member clocks in once, each client taking its share of them in turn."""
    device_time = timezone.now().isoformat()
    plans: list[list[Request]] = [[] for _ in range(clients)]
    for n, (dispatch, token) in enumerate(world.writers):
        body = json.dumps({"dispatch": dispatch, "client_uuid": str(uuid.uuid4()), "device_time": device_time})
        headers = {**_auth(token), "Content-Type": "application/json"}
        plans[n % clients].append(Request("POST", CLOCK_IN_PATH, 201, body.encode(), headers))
    return plans


def _get_json(port: int, path: str, headers: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise harness.BenchmarkError(f"GET {path}: {response.status} {body[:300]!r}")
    return json.loads(body)


def check_same_rows(port: int, world: World) -> None:
    api = _get_json(port, LIST_PATH, _auth(world.reader_token))
    bare = _get_json(port, f"{BARE_PATH}?worker={world.reader_id}")
    expected = min(PAGE, world.rows)
    harness.check_same("the page of time logs", [r["id"] for r in api["results"]], [r["id"] for r in bare["results"]])
    if len(api["results"]) != expected or api["count"] != world.rows:
        raise harness.BenchmarkError(f"the API's page has {len(api['results'])} of {api['count']} rows, "
                                     f"not {expected} of {world.rows}")  # fmt: skip


def check_clock_ins(world: World, rounds: int) -> None:
    from fulfillment.models import TimeLog

    dispatches = [d for d, _ in world.writers]
    logs = TimeLog.objects.filter(dispatch_id__in=dispatches)
    per_dispatch = Counter(logs.values_list("dispatch_id", flat=True))
    history = TimeLog.history.filter(dispatch_id__in=dispatches, history_type="+").count()
    if (
        set(per_dispatch.values()) != {rounds}
        or len(per_dispatch) != len(dispatches)
        or history != rounds * len(dispatches)
    ):
        raise harness.BenchmarkError(
            f"{len(dispatches)} members clocked in {rounds} times each: {logs.count()} time logs "
            f"({sorted(set(per_dispatch.values()))} a member), {history} history rows"
        )


# --- The figures ---


class Throughput(harness.Result):
    """Seconds per request of the API (measured) and of the bare view (baseline), one per round:
    the ratio is the median of each round's bare throughput / API throughput (paired by round);
    the target is 1 / TARGET_LIST_SHARE (the list) or 1 / TARGET_SHARE (the clock-in)."""

    @property
    def ratio(self) -> float:
        return statistics.median(api / bare for api, bare in zip(self.measured, self.baseline, strict=True))

    def line(self) -> str:
        api, bare = 1 / self.measured_s, 1 / self.baseline_s
        return (
            f"{self.name:<28} measured {api:,.0f} req/s  baseline {bare:,.0f} req/s (bare view)"
            f"  share {1 / self.ratio:.0%}  ratio {self.ratio:.2f}  target <= {self.target_ratio:.2f}"
            f" (>= {1 / self.target_ratio:.0%})  {self.verdict}"
        )

    def as_dict(self):
        api, bare = 1 / self.measured_s, 1 / self.baseline_s
        return {**super().as_dict(), "requests_per_second": round(api, 1), "baseline_requests_per_second":
                round(bare, 1), "share_of_baseline": round(1 / self.ratio, 3)}  # fmt: skip


class Latency(harness.Result):
    """The p99 of every timed request (measured) against the target (baseline)."""

    def line(self) -> str:
        n = self.notes
        return (
            f"{self.name:<28} p99 {harness._ms(self.measured_s)}  target < {harness._ms(self.baseline_s)}"
            f"  (p50 {n['p50_ms']:.1f} ms, p90 {n['p90_ms']:.1f} ms, max {n['max_ms']:.1f} ms,"
            f" {n['requests']} requests,"
            f" {n['load']}, bare view p99 {n['bare_p99_ms']:.1f} ms)  ratio {self.ratio:.2f}"
            f"  {self.verdict}"
        )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _latency(name: str, loads: list[Load], bare: list[Load], *, load: str, judged: bool = True) -> Latency:
    every = [s for load in loads for s in load.latencies]
    bare_every = [s for load in bare for s in load.latencies]
    notes = {
        "p50_ms": _percentile(every, 50) * 1000,
        "p90_ms": _percentile(every, 90) * 1000,
        "max_ms": max(every) * 1000,
        "requests": len(every),
        "bare_p99_ms": _percentile(bare_every, 99) * 1000,
        "load": load,
    }
    return Latency(name, [_percentile(every, 99)], [TARGET_P99], 1.0, notes=notes, judged=judged)


def _raise_unexpected(what: str, load: Load) -> None:
    if load.unexpected:
        raise harness.BenchmarkError(f"{what}: unexpected answers {dict(load.unexpected)}")


def measure(
    world: World,
    *,
    clients: int,
    list_requests: int,
    rounds: int,
    warmup: int,
    workers: int,
    threads: int,
    pace: float = PACE,
    paced_requests: int = PACED_REQUESTS,
) -> list[harness.Result]:
    bare_loads, list_loads, clock_loads = [], [], []
    with server(workers=workers, threads=threads) as port:
        check_same_rows(port, world)
        clocked = 0
        for n in range(warmup + rounds):
            timed = n >= warmup
            requests = list_requests if timed else max(2, list_requests // 4)
            bare = hammer(port, list_plans(world, clients=clients, requests=requests, bare=True))
            _raise_unexpected("bare view", bare)
            listed = hammer(port, list_plans(world, clients=clients, requests=requests, bare=False))
            _raise_unexpected(f"GET {LIST_PATH}", listed)
            clocks = hammer(port, clock_in_plans(world, clients=clients))
            _raise_unexpected(f"POST {CLOCK_IN_PATH}", clocks)
            clocked += 1
            close_shifts(world)
            if timed:
                bare_loads.append(bare)
                list_loads.append(listed)
                clock_loads.append(clocks)
        paced = {"interval": pace}
        paced_bare = hammer(port, list_plans(world, clients=clients, requests=paced_requests, bare=True), **paced)
        paced_list = hammer(port, list_plans(world, clients=clients, requests=paced_requests, bare=False), **paced)
        paced_clocks = hammer(port, clock_in_plans(world, clients=clients), **paced)
        for what, load in (
            ("bare view, paced", paced_bare),
            ("list, paced", paced_list),
            ("clock-in, paced", paced_clocks),
        ):
            _raise_unexpected(what, load)
        clocked += 1
        close_shifts(world)
    check_clock_ins(world, clocked)

    def spr(loads: list[Load]) -> list[float]:
        return [1 / load.per_second for load in loads]

    notes = {"clients": clients, "workers": workers, "threads": threads, "load_average": os.getloadavg()[0]}
    target = 1 / TARGET_SHARE
    saturated = f"{clients} clients back to back"
    offered = f"{clients} clients, 1 request / {pace:g} s each"
    return [
        Throughput(f"{NAME}_list", spr(list_loads), spr(bare_loads), 1 / TARGET_LIST_SHARE, rows=PAGE,
                   notes={**notes, "requests_per_round": list_loads[0].requests}),
        _latency(f"{NAME}_list_p99", list_loads, bare_loads, load=saturated, judged=False),
        _latency(f"{NAME}_list_p99_paced", [paced_list], [paced_bare], load=offered),
        Throughput(f"{NAME}_clock_in", spr(clock_loads), spr(bare_loads), target,
                   notes={**notes, "requests_per_round": clock_loads[0].requests}),
        _latency(f"{NAME}_clock_in_p99", clock_loads, bare_loads, load=saturated, judged=False),
        _latency(f"{NAME}_clock_in_p99_paced", [paced_clocks], [paced_bare], load=offered),
    ]  # fmt: skip


@contextlib.contextmanager
def own_database():
    """A database of its own, `<bench>_api_bench`, made anew (a copy of the migrated benchmark
    database when nothing else is connected to it, else migrated), for the committed data; the
    benchmark database itself stays empty for the others."""
    from django.core.management import call_command

    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    name = original.removesuffix("_bench") + "_api_bench"
    connection.close()
    try:
        harness._ensure_database({**settings_dict, "NAME": name}, fresh=True)
        settings_dict["NAME"] = name
        call_command("migrate", interactive=False, verbosity=0)
        yield name
    finally:
        connection.close()
        settings_dict["NAME"] = original


def run(
    *,
    size: int = DEFAULT_SIZE,
    repeat: int = ROUNDS,
    warmup: int = 1,
    clients: int = CLIENTS,
    list_requests: int = LIST_REQUESTS,
    clock_ins: int = CLOCK_INS,
    workers: int = WORKERS,
    threads: int = THREADS,
    pace: float = PACE,
    paced_requests: int = PACED_REQUESTS,
    separate_database: bool = True,
) -> list[harness.Result]:
    """`repeat` timed rounds (at most ROUNDS) after `warmup` (at most 1) shorter ones."""
    rounds, warmup = max(1, min(repeat, ROUNDS)), min(warmup, 1)
    with own_database() if separate_database else contextlib.nullcontext():
        world = make_world(rows=size, writers=clients * clock_ins)
        # The planner's statistics and the visibility map, as autovacuum keeps them on a live
        # database (it vacuums tables that only grow, too, since PostgreSQL 13): without the
        # statistics a page of 50 is read by sorting all of the member's time logs (both sides
        # alike); without the visibility map the page's count reads every one of them from the
        # table instead of the index. (The reader owns a third of this small table; in a hall's
        # database a member's shifts are a sliver of it.)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        results = measure(world, clients=clients, list_requests=list_requests, rounds=rounds, warmup=warmup,
                          workers=workers, threads=threads, pace=pace, paced_requests=paced_requests)  # fmt: skip
    return results
