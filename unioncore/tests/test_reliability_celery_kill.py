"""A real Celery worker killed with SIGKILL in the middle of the auto-approval sweep (issue #11).

The sweep task (`fulfillment.tasks.sweep_auto_approvals`) is acknowledged late and rejected back
to the queue when its worker process is lost; it approves in batches that commit one by one
(AUTO_APPROVAL_BATCH, small here so that the sweep takes a few seconds), and it is idempotent
(SKIP LOCKED, re-checked rows). So whatever the moment of the kill, after the restart every due
time log is approved exactly once: one history row "auto-approved" each, its messages once.

The worker is a separate process (`celery worker` through `app.worker_main`) on the test
database and the test Redis, consuming a queue of its own. Two ways to die:
- the pool process dies (the OOM killer's way): the worker's main process rejects the message
  back to the queue (`task_reject_on_worker_lost`) and a new pool process runs it again;
- the whole worker dies: the message stays unacknowledged in Redis and is delivered again
  once its visibility timeout has passed (an hour in production, when the next sweep of the
  minute has long done the work; a second here) to the restarted worker.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection

from bench import fulfillment_sweep
from fulfillment.enums import TimeLogStatus, VerifiedBy
from fulfillment.models import TimeLog
from fulfillment.services.timelogs import AUTO_APPROVED
from fulfillment.tasks import sweep_auto_approvals
from unioncore.celery import app

# The worker (another process) keeps the real clock; a shifted run's due time logs would not be due for it
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.real_clock]

DUE = 1_500
BATCH = 10
QUEUE = "reliability-sweep"
LAUNCHER = """
import sys
from unioncore.celery import app
if float(sys.argv[2]):
    app.conf.broker_transport_options = {"visibility_timeout": float(sys.argv[2])}
app.worker_main(["worker", "--pool", sys.argv[1], "--concurrency", "1", "--queues", sys.argv[3],
                 "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"])
"""


def start_worker(pool: str, *, visibility_timeout: float = 0) -> subprocess.Popen:
    s = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unioncore.settings.test",
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "AUTO_APPROVAL_BATCH": str(BATCH),
    }
    if s.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f"{s['USER']}@", f"{s['USER']}:{s['PASSWORD']}@")
    command = [sys.executable, "-c", LAUNCHER, pool, str(visibility_timeout), QUEUE]
    return subprocess.Popen(command, env=env, start_new_session=True)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def approved() -> int:
    return TimeLog.objects.filter(status=TimeLogStatus.VERIFIED, verified_how=VerifiedBy.AUTO_APPROVAL).count()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def pool_processes(worker: subprocess.Popen) -> list[int]:
    with open(f"/proc/{worker.pid}/task/{worker.pid}/children") as children:
        return [int(pid) for pid in children.read().split()]


@pytest.fixture
def due():
    world = fulfillment_sweep.make_world(dispatches=4)
    fulfillment_sweep.add_due(world, DUE)
    app.control.purge()
    return world


def assert_each_approved_exactly_once():
    per_row = Counter(
        TimeLog.history.filter(history_change_reason=AUTO_APPROVED).values_list("id", flat=True)
    )  # fmt: skip
    assert approved() == DUE, f"{approved()} of {DUE} approved"
    assert len(per_row) == DUE, f"{len(per_row)} time logs with an approval in their history"
    assert set(per_row.values()) == {1}, f"approved twice: {[k for k, n in per_row.items() if n > 1][:10]}"
    assert_each_told_once()


def assert_each_told_once():
    """Each worker once about each time log; the site contacts once about each, alone or in the
    one text for a batch of their crew (decision 0064)."""
    assert fulfillment_sweep.told() == (DUE, DUE), "a time log told twice, or not at all"


def kill_mid_sweep(kill) -> int:
    """Wait until two batches are done, then kill: the sweep must not have finished."""
    wait_for(lambda: approved() >= 2 * BATCH, 60, "the sweep to start")
    kill()
    at_kill = approved()
    assert at_kill < DUE, f"the sweep of {DUE} had finished before the kill: make it longer"
    print(f"\n{DUE} due, killed with {at_kill} approved", end="")
    return at_kill


def test_the_pool_process_killed_mid_sweep_of_1500_the_message_comes_back_and_each_is_approved_once(due):
    worker = start_worker("prefork")
    try:
        wait_for(lambda: pool_processes(worker), 60, "the pool process")
        sweep_auto_approvals.apply_async(queue=QUEUE)
        kill_mid_sweep(lambda: [os.kill(pid, signal.SIGKILL) for pid in pool_processes(worker)])
        wait_for(lambda: approved() == DUE, 60, f"all {DUE} approved after the pool process was replaced")
        time.sleep(1)  # a second run, if any, would write its duplicates now
    finally:
        stop(worker)
    assert_each_approved_exactly_once()


def test_the_whole_worker_killed_mid_sweep_of_1500_the_restarted_one_finishes_and_each_is_approved_once(due):
    worker = start_worker("solo")
    try:
        sweep_auto_approvals.apply_async(queue=QUEUE)
        at_kill = kill_mid_sweep(lambda: stop(worker))
        time.sleep(1)
        assert approved() == at_kill, "a dead worker approves nothing"
    finally:
        stop(worker)
    restarted = start_worker("solo", visibility_timeout=1)
    try:
        wait_for(lambda: approved() == DUE, 60, f"all {DUE} approved by the restarted worker")
        time.sleep(1)
    finally:
        stop(restarted)
    assert_each_approved_exactly_once()
