"""The timer against people, and against itself, in real concurrent transactions."""

import datetime

import pytest
import time_machine

from fulfillment.enums import TimeLogStatus, VerifiedBy
from fulfillment.models import AUTO_APPROVAL_DELAY, AUTO_APPROVAL_SETTLE, TimeLog
from fulfillment.services import timelogs
from unioncore.errors import RuleViolation
from unioncore.notifications.models import Notification
from unioncore.testing import at, run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql_only(
        reason="threads racing on their own connections; SQLite's in-memory test database is one connection, one writer"
    ),
]

S = TimeLogStatus
ROUNDS = 100
SUBMITTED = at(datetime.date(2026, 12, 7), 16)
DEADLINE = SUBMITTED + AUTO_APPROVAL_DELAY
SETTLED = DEADLINE + AUTO_APPROVAL_SETTLE  # when the sweep acts on a log due at DEADLINE


def pending_log(shift) -> TimeLog:
    """A submitted day, due for auto-approval at DEADLINE (the world, not the behaviour under test)."""
    with time_machine.travel(SUBMITTED, tick=False):
        time_log = TimeLog(
            dispatch=shift.dispatch, worker=shift.worker, status=S.PENDING_VERIFICATION,
            clock_in_at=SUBMITTED - datetime.timedelta(hours=8), clock_out_at=SUBMITTED,
            worker_clock_in=SUBMITTED - datetime.timedelta(hours=8), worker_clock_out=SUBMITTED,
            worker_break_minutes=0, worker_lunch_minutes=30, auto_approval_time=DEADLINE, timer_cycle=1,
        )  # fmt: skip
        time_log.save()
    return time_log


@pytest.mark.parametrize("tick", [False, True], ids=["the same instant", "the clock running from it"])
def test_a_dispute_filed_at_the_deadline_always_wins_over_the_sweep(shift, system_user, tick):
    """Decision 0035: the dispute and the sweep at the deadline, 100 rounds, each in its own
    thread and connection: at the same instant, and with the clock running on from it (the
    dispute then lands a little after the deadline, within the settle interval). The log is
    never verified, not even for a moment, and nobody is told it was auto-approved."""
    outcomes = {"disputed": 0, "ever verified": 0, "auto-approved messages": 0, "errors": 0}
    with time_machine.travel(DEADLINE, tick=tick):
        for _ in range(ROUNDS):
            time_log = pending_log(shift)
            results = run_concurrently(
                lambda t=time_log: timelogs.timelog_dispute(timelog_id=t.pk, by=shift.supervisor, reason="no-show"),
                lambda: timelogs.auto_approve_due(by=system_user),
            )
            outcomes["errors"] += sum(isinstance(r, Exception) for r in results)
            outcomes["disputed"] += TimeLog.objects.get(pk=time_log.pk).status == S.DISPUTED
            outcomes["ever verified"] += time_log.history.filter(status=S.VERIFIED).exists()
            outcomes["auto-approved messages"] += Notification.objects.filter(
                about_id=time_log.pk, kind="auto_approved"
            ).count()
    with time_machine.travel(SETTLED, tick=False):
        assert timelogs.auto_approve_due(by=system_user) == 0, "a disputed log was approved after all"
    assert outcomes == {"disputed": ROUNDS, "ever verified": 0, "auto-approved messages": 0, "errors": 0}, outcomes


def test_two_sweeps_at_once_approve_each_time_log_once(shift, system_user):
    logs = [pending_log(shift) for _ in range(500)]
    with time_machine.travel(SETTLED, tick=False):
        counts = run_concurrently(
            lambda: timelogs.auto_approve_due(by=system_user, batch=50),
            lambda: timelogs.auto_approve_due(by=system_user, batch=50),
        )
    assert not [c for c in counts if isinstance(c, Exception)], counts
    assert sum(counts) == len(logs), f"{sum(counts)} approvals for {len(logs)} time logs"
    approved = TimeLog.objects.filter(status=S.VERIFIED, verified_how=VerifiedBy.AUTO_APPROVAL).count()
    assert approved == len(logs)
    doubles = sum(
        t.history.filter(history_change_reason="Auto-approved after 4 hours").count() > 1 for t in TimeLog.objects.all()
    )
    assert doubles == 0, f"{doubles} double verifications"
    messages = Notification.objects.filter(kind="auto_approved", recipient=shift.worker).count()
    assert messages == len(logs), f"{messages} auto-approved messages to the worker for {len(logs)} approvals"


def test_a_supervisor_and_the_sweep_at_the_deadline_verify_once(shift, system_user):
    time_log = pending_log(shift)
    with time_machine.travel(SETTLED, tick=False):
        results = run_concurrently(
            lambda: timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.supervisor),
            lambda: timelogs.auto_approve_due(by=system_user),
        )
    verified = [r for r in results if isinstance(r, TimeLog)] + [r for r in results if r == 1]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(verified) + len(refused) + results.count(0) == 2
    assert TimeLog.objects.get(pk=time_log.pk).history.filter(status=S.VERIFIED).count() == 1


def test_two_clock_ins_on_one_dispatch_at_once_open_one_shift(shift):
    """The clock-in does not look for an open shift first: the database's partial unique
    constraint refuses the second, which the service answers as `already_clocked_in`."""
    for _ in range(20):
        results = run_concurrently(
            *[lambda: timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)] * 2
        )
        opened = [r for r in results if isinstance(r, TimeLog)]
        refused = [r.code for r in results if isinstance(r, RuleViolation)]
        assert (len(opened), refused) == (1, ["already_clocked_in"]), results
        TimeLog.objects.filter(pk=opened[0].pk).update(status=S.PENDING_VERIFICATION, clock_out_at=SUBMITTED)
    assert TimeLog.objects.count() == 20
