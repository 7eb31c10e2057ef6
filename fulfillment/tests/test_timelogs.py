import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from fulfillment.enums import FundsState, SegmentKind, TimeLogStatus, VerifiedBy
from fulfillment.models import AUTO_APPROVAL_SETTLE as SETTLE
from fulfillment.models import Dispute, TimeLog, Times
from fulfillment.services import timelogs
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


def t(hour, minute=0, day=MONDAY):
    return at(day, hour).replace(minute=minute)


def get(time_log):
    return TimeLog.objects.get(pk=time_log.pk)


def worked_day(shift, clock, *, lunch=True):
    """Clock in 7:00, lunch 11:00–11:30, stop at 15:30, submit: 8 h billable, pending."""
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    if lunch:
        timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11))
        timelogs.timelog_segment_end(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11, 30))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15, 30))
    clock.move_to(t(15, 35))
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)


# --- The shift ---


def test_a_full_day_is_submitted_with_its_lunch_and_a_four_hour_timer(shift, clock):
    time_log = worked_day(shift, clock)
    assert time_log.status == S.PENDING_VERIFICATION
    assert time_log.worker_times == Times(t(7), t(15, 30), 0, 30)
    assert time_log.worker_times.billable_minutes == 8 * 60
    assert time_log.auto_approval_time == t(15, 35) + 4 * H
    assert list(time_log.segments.values_list("kind", flat=True)) == ["lunch"]


def test_only_the_dispatched_member_clocks_in_and_only_once(shift, clock):
    with pytest.raises(RuleViolation) as stranger:
        timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.supervisor)
    assert stranger.value.code == "not_allowed"
    timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    with pytest.raises(RuleViolation) as twice:
        timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    assert twice.value.code == "already_clocked_in"
    assert TimeLog.objects.count() == 1


@pytest.mark.postgresql_only(reason="matches PostgreSQL's constraint name in the error")
def test_the_database_itself_refuses_a_second_open_shift(shift, clock):
    """The constraint the clock-in relies on is in the migrated schema (an AlterField of the
    dispatch column once dropped it along with the column's own index)."""
    from django.db import IntegrityError, transaction

    timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    with pytest.raises(IntegrityError, match="one_open_time_log_per_dispatch"), transaction.atomic():
        TimeLog.objects.create(dispatch=shift.dispatch, worker=shift.worker, clock_in_at=timezone.now())


def test_submit_without_clock_out_is_refused(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)
    assert refused.value.code == "not_clocked_out"
    assert get(time_log).status == S.WORKING


def test_a_draft_edit_shows_the_worker_edited_badge(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6, 30), clock_out=t(15))
    time_log = get(time_log)
    assert time_log.worker_edited is True
    assert time_log.calculated_times() == Times(t(7), t(15), 0, 0)
    assert time_log.worker_times == Times(t(6, 30), t(15), 0, 0)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"clock_in": t(15), "clock_out": t(7)}, "end_before_start"),
        ({"clock_in": t(7), "clock_out": t(15), "break_minutes": -5}, "negative_break"),
        ({"clock_in": t(7), "clock_out": t(8), "break_minutes": 30, "lunch_minutes": 30}, "breaks_too_long"),
    ],
)
def test_bad_draft_times_are_refused_and_nothing_changes(shift, clock, fields, code):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, **fields)
    assert refused.value.code == code
    assert get(time_log).worker_times == Times(t(7), t(15), 0, 0)


def test_a_worker_cannot_edit_while_pending_verification(shift, clock):
    time_log = worked_day(shift, clock)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6), clock_out=t(15))
    assert refused.value.message == (
        "Cannot edit timesheet in Pending_Verification. Supervisor must approve, edit, or dispute first."
    )


# --- The negotiation loop ---


def test_the_supervisor_approves_and_the_funds_are_released(shift, clock):
    time_log = worked_day(shift, clock)
    time_log = timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.supervisor)
    assert (time_log.status, time_log.funds_state, time_log.verified_how) == (
        S.VERIFIED, FundsState.RELEASED, VerifiedBy.SUPERVISOR,
    )  # fmt: skip
    assert time_log.amount == Decimal("480.00")  # 8 h × 60.00
    assert time_log.history.first().history_user == shift.supervisor


def test_any_supervisor_manager_or_admin_of_the_employer_may_verify_and_nobody_else(shift, clock):
    time_log = worked_day(shift, clock)
    for outsider in (shift.other_employer_supervisor, shift.worker):
        with pytest.raises(RuleViolation) as refused:
            timelogs.timelog_verify(timelog_id=time_log.pk, by=outsider)
        assert refused.value.code == "not_allowed"
    assert timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.manager).status == S.VERIFIED


def test_an_edit_needs_a_note(shift, clock):
    time_log = worked_day(shift, clock)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note=" ")
    assert refused.value.code == "note_required"
    assert get(time_log).status == S.PENDING_VERIFICATION
    assert get(time_log).auto_approval_time == time_log.auto_approval_time, "no timer touched"


def test_a_change_of_a_minute_or_less_is_not_an_edit(shift, clock):
    time_log = worked_day(shift, clock)
    time_log = timelogs.timelog_edit(
        timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7, 1), clock_out=t(15, 30), lunch_minutes=30,
        note="rounding",
    )  # fmt: skip
    assert time_log.status == S.VERIFIED
    assert time_log.billable_minutes == 8 * 60, "the worker's version stands"


def test_the_whole_loop_resets_the_timer_to_four_full_hours_at_each_step(shift, clock):
    time_log = worked_day(shift, clock)
    clock.move_to(t(18))  # 2 h 25 min left on the first timer
    time_log = timelogs.timelog_edit(
        timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), lunch_minutes=30,
        note="left at 2",
    )  # fmt: skip
    assert (time_log.status, time_log.auto_approval_time) == (S.PENDING_WORKER_REVIEW, t(22))
    clock.move_to(t(21, 59))
    time_log = timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=shift.worker, comment="I was there till 3:30")
    assert (time_log.status, time_log.auto_approval_time) == (S.PENDING_SUPERVISOR_REEVALUATION, t(21, 59) + 4 * H)
    clock.move_to(t(23))
    time_log = timelogs.timelog_edit(
        timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(15), lunch_minutes=30,
        note="gate log says 3:00",
    )  # fmt: skip
    assert (time_log.status, time_log.auto_approval_time) == (S.PENDING_WORKER_REVIEW, t(23) + 4 * H)
    time_log = timelogs.timelog_accept_edit(timelog_id=time_log.pk, by=shift.worker)
    assert (time_log.status, time_log.billable_minutes, time_log.verified_how) == (
        S.VERIFIED, 7 * 60 + 30, VerifiedBy.WORKER_ACCEPTED,
    )  # fmt: skip


def test_a_reject_needs_a_comment(shift, clock):
    time_log = worked_day(shift, clock)
    timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note="x")
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=shift.worker, comment="")
    assert refused.value.code == "comment_required"
    assert get(time_log).status == S.PENDING_WORKER_REVIEW


def test_an_impasse_is_a_dispute_that_freezes_the_funds(shift, clock):
    time_log = worked_day(shift, clock)
    timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note="x")
    timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=shift.worker, comment="no")
    time_log = timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="impasse")
    assert (time_log.status, time_log.funds_state, time_log.auto_approval_time) == (
        S.DISPUTED, FundsState.FROZEN, None,
    )  # fmt: skip
    assert time_log.dispute_record.reason == "impasse"


def test_staff_resolve_a_dispute_with_final_times(shift, clock, officer):
    from django.contrib.auth.models import Permission

    time_log = worked_day(shift, clock)
    timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="no-show after lunch")
    timelogs.dispute_message_add(timelog_id=time_log.pk, by=shift.worker, body="I was on the roof")
    officer.user_permissions.add(Permission.objects.get(codename="change_timelog"))
    officer = type(officer).objects.get(pk=officer.pk)
    time_log = timelogs.timelog_resolve_dispute(
        timelog_id=time_log.pk, by=officer, clock_in=t(7), clock_out=t(15), lunch_minutes=30, note="split"
    )
    assert (time_log.status, time_log.funds_state, time_log.amount) == (
        S.VERIFIED,
        FundsState.RELEASED,
        Decimal("450.00"),
    )
    assert time_log.dispute_record.messages.count() == 1


def test_verified_is_final(shift, clock):
    time_log = worked_day(shift, clock)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.supervisor)
    for step in (
        lambda: timelogs.timelog_edit(
            timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(9), note="x"
        ),
        lambda: timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="late"),
        lambda: timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.supervisor),
    ):
        with pytest.raises(RuleViolation) as refused:
            step()
        assert refused.value.code == "verified_locked"


# --- Kiosk and force clock-out ---


def test_kiosk_stop_without_an_edit_verifies_at_once(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(15))
    time_log = timelogs.timelog_kiosk_stop(timelog_id=time_log.pk, by=shift.supervisor)
    assert (time_log.status, time_log.verified_how, time_log.billable_minutes) == (S.VERIFIED, VerifiedBy.KIOSK, 480)


def test_kiosk_stop_with_an_edit_goes_to_the_worker(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(15))
    time_log = timelogs.timelog_kiosk_stop(
        timelog_id=time_log.pk, by=shift.supervisor, times=Times(t(7), t(14)), note="left early"
    )
    assert (time_log.status, time_log.auto_approval_time) == (S.PENDING_WORKER_REVIEW, t(15) + 4 * H)


def test_kiosk_stop_of_a_draft_the_worker_corrected_verifies_the_workers_version(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6), clock_out=t(15))
    clock.move_to(t(16))
    time_log = timelogs.timelog_kiosk_stop(timelog_id=time_log.pk, by=shift.supervisor)
    assert (time_log.status, time_log.worker_edited) == (S.VERIFIED, True)
    assert time_log.final_times == Times(t(6), t(15)), "stopping the draft as it is keeps the worker's hour"
    assert time_log.billable_minutes == 540


def test_kiosk_times_that_are_the_workers_draft_are_no_edit(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6), clock_out=t(15))
    clock.move_to(t(16))
    same = timelogs.timelog_kiosk_stop(timelog_id=time_log.pk, by=shift.supervisor, times=Times(t(6), t(15)))
    assert same.status == S.VERIFIED


def test_kiosk_times_that_undo_the_workers_correction_go_to_the_worker(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6), clock_out=t(15))
    clock.move_to(t(16))
    time_log = timelogs.timelog_kiosk_stop(
        timelog_id=time_log.pk, by=shift.supervisor, times=Times(t(7), t(15)), note="You started at 7."
    )
    assert time_log.status == S.PENDING_WORKER_REVIEW


def test_force_clock_out_starts_the_timer(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(20))
    time_log = timelogs.timelog_force_clock_out(
        timelog_id=time_log.pk, by=shift.supervisor, at=t(15, 30), reason="Forgot to clock out"
    )
    assert (time_log.status, time_log.clock_out_at, time_log.auto_approval_time) == (
        S.PENDING_VERIFICATION, t(15, 30), t(20) + 4 * H,
    )  # fmt: skip


# --- Retroactive entries ---


def test_a_retroactive_entry_waits_for_the_supervisor_with_a_timer_from_submission(shift, clock):
    clock.move_to(t(19))
    time_log = timelogs.timelog_retroactive_submit(
        dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=t(7), clock_out=t(15), note="phone died"
    )
    assert (time_log.status, time_log.auto_approval_time, time_log.last_editor) == (
        S.PENDING_SUPERVISOR_VERIFICATION, t(23), shift.worker,
    )  # fmt: skip
    with pytest.raises(RuleViolation):
        timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(9), note="x")
    assert (
        timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="not on site").status == S.DISPUTED
    )


def test_a_retroactive_entry_over_an_open_shift_takes_it_over(shift, clock):
    open_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(19))
    entry = timelogs.timelog_retroactive_submit(
        dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=t(7, 15), clock_out=t(15, 15)
    )
    assert entry.pk == open_log.pk
    assert (entry.status, entry.worker_times, entry.auto_approval_time) == (
        S.PENDING_SUPERVISOR_VERIFICATION, Times(t(7, 15), t(15, 15)), t(23),
    )  # fmt: skip
    assert TimeLog.objects.count() == 1


def test_half_open_intervals_a_shift_ending_at_seven_does_not_overlap_one_starting_at_seven(shift, clock):
    clock.move_to(t(22))
    first = timelogs.timelog_retroactive_submit(dispatch_id=shift.dispatch.pk, by=shift.worker,
                                                clock_in=t(3), clock_out=t(7))  # fmt: skip
    timelogs.timelog_verify(timelog_id=first.pk, by=shift.supervisor)
    second = timelogs.timelog_retroactive_submit(dispatch_id=shift.dispatch.pk, by=shift.worker,
                                                 clock_in=t(7), clock_out=t(15))  # fmt: skip
    assert second.pk != first.pk
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_retroactive_submit(dispatch_id=shift.dispatch.pk, by=shift.worker,
                                            clock_in=t(6), clock_out=t(8))  # fmt: skip
    assert refused.value.code == "overlaps_final"


# --- The 4-hour timer ---


def test_silence_at_step_one_approves_the_workers_version_at_four_hours(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    assert timelogs.auto_approve_due(now=time_log.auto_approval_time - M, by=system_user) == 0
    clock.move_to(time_log.auto_approval_time + SETTLE)
    assert timelogs.auto_approve_due(by=system_user) == 1
    time_log = get(time_log)
    assert (time_log.status, time_log.verified_how, time_log.billable_minutes) == (
        S.VERIFIED, VerifiedBy.AUTO_APPROVAL, 480,
    )  # fmt: skip
    assert time_log.history.first().history_user == system_user


def test_silence_of_the_worker_lets_the_supervisors_edit_stand(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    time_log = timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14),
                                     lunch_minutes=30, note="left at 2")  # fmt: skip
    clock.move_to(time_log.auto_approval_time + SETTLE)
    timelogs.auto_approve_due(by=system_user)
    assert get(time_log).billable_minutes == 6 * 60 + 30


def test_silence_of_the_supervisor_at_step_three_lets_the_workers_version_stand(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note="x")
    time_log = timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=shift.worker, comment="no")
    clock.move_to(time_log.auto_approval_time + SETTLE)
    timelogs.auto_approve_due(by=system_user)
    assert get(time_log).billable_minutes == 480


def test_a_row_changed_after_its_deadline_is_skipped(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    clock.move_to(time_log.auto_approval_time + M)
    # A change after the deadline (update() does not touch auto_now, so say it).
    TimeLog.objects.filter(pk=time_log.pk).update(supervisor_note="looked at it late", updated_at=t(19, 36))
    assert timelogs.auto_approve_due(by=system_user) == 0
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_the_sweep_twice_approves_once(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    clock.move_to(time_log.auto_approval_time + SETTLE)
    assert timelogs.auto_approve_due(by=system_user) == 1
    assert timelogs.auto_approve_due(by=system_user) == 0
    assert get(time_log).history.filter(history_change_reason="Auto-approved after 4 hours").count() == 1


def test_the_sweep_waits_the_settle_interval_past_the_deadline(shift, clock, system_user):
    """Decision 0035: at the deadline and for AUTO_APPROVAL_SETTLE after it the time log is still
    open (a dispute filed by the deadline is still taking its lock); then the sweep approves."""
    time_log = worked_day(shift, clock)
    for moment in (time_log.auto_approval_time, time_log.auto_approval_time + SETTLE - datetime.timedelta(seconds=1)):
        clock.move_to(moment)
        assert timelogs.auto_approve_due(by=system_user) == 0, f"approved at {moment}"
    clock.move_to(time_log.auto_approval_time + SETTLE)
    assert timelogs.auto_approve_due(by=system_user) == 1


def test_a_dispute_at_the_deadline_finds_the_log_open_and_the_sweep_then_leaves_it(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    clock.move_to(time_log.auto_approval_time)
    timelogs.auto_approve_due(by=system_user)
    time_log = timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="never showed")
    assert (time_log.status, time_log.funds_state) == (S.DISPUTED, FundsState.FROZEN)
    clock.move_to(time_log.dispute_record.opened_at + SETTLE + M)
    assert timelogs.auto_approve_due(by=system_user) == 0
    assert not time_log.history.filter(status=S.VERIFIED).exists(), "the log was verified on the way"


def test_a_dispute_after_the_deadline_cannot_reverse_an_auto_approval(shift, clock, system_user):
    time_log = worked_day(shift, clock)
    clock.move_to(time_log.auto_approval_time + M)
    timelogs.auto_approve_due(by=system_user)
    approved = get(time_log)
    history = approved.history.count()
    for filed_at in (None, approved.auto_approval_time):  # now, or claiming to be from the deadline
        with pytest.raises(RuleViolation) as refused:
            timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="too late", filed_at=filed_at)
        assert refused.value.code == "verified_locked"
        assert "auto-approved on Mon Dec 7 at 7:36 PM" in refused.value.message
    after = get(time_log)
    assert (after.status, after.funds_state, after.amount) == (S.VERIFIED, FundsState.RELEASED, approved.amount)
    assert (after.history.count(), Dispute.objects.count()) == (history, 0), "a refused dispute wrote something"


def test_the_timer_is_four_hours_of_utc_across_the_dst_change(shift, system_user):
    # Saturday 31 Oct 2026 → Sunday 1 Nov 2026: clocks in Los Angeles fall back at 2:00.
    with time_machine.travel(at(datetime.date(2026, 10, 31), 23), tick=False) as clock:
        time_log = timelogs.timelog_clock_in(
            dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(15, day=datetime.date(2026, 10, 31))
        )
        timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(23, day=datetime.date(2026, 10, 31)))
        time_log = timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)
        submitted = at(datetime.date(2026, 10, 31), 23)
        assert time_log.auto_approval_time - submitted == 4 * H
        # 4 h of UTC later the wall clock in Los Angeles says 2:00, not 3:00.
        local = time_log.auto_approval_time.astimezone(at(MONDAY).tzinfo)
        assert (local.day, local.hour) == (1, 2)
        clock.move_to(time_log.auto_approval_time - M)
        assert timelogs.auto_approve_due(by=system_user) == 0
        clock.move_to(time_log.auto_approval_time + SETTLE)
        assert timelogs.auto_approve_due(by=system_user) == 1


def test_a_verified_time_log_is_corrected_by_a_new_linked_one(shift, clock):
    time_log = worked_day(shift, clock)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.supervisor)
    clock.move_to(t(17))  # a correction, like any manual entry, does not end in the future (decision 0036)
    with pytest.raises(RuleViolation) as no_note:
        timelogs.timelog_correction_submit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(7), clock_out=t(16),
                                           lunch_minutes=30, note="")  # fmt: skip
    assert no_note.value.code == "note_required"
    correction = timelogs.timelog_correction_submit(
        timelog_id=time_log.pk, by=shift.worker, clock_in=t(7), clock_out=t(16), lunch_minutes=30,
        note="stayed to finish the panel",
    )  # fmt: skip
    assert (correction.status, correction.correction_of_id) == (S.PENDING_SUPERVISOR_VERIFICATION, time_log.pk)
    correction = timelogs.timelog_verify(timelog_id=correction.pk, by=shift.supervisor)
    assert correction.reconciliation_amount == Decimal("30.00")  # half an hour at 60.00
    original = get(time_log)
    assert (original.status, original.amount) == (S.VERIFIED, Decimal("480.00")), "the original never changes"
