"""The auto-approval sweep works a batch at a time (one UPDATE, one history INSERT, one outbox
INSERT, one task): each time log of a batch still gets everything a single approval gives it."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm import can_proceed

from dispatch.enums import EmployerRole
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import TIMED_STATUSES, FundsState, TimeLogStatus, VerifiedBy
from fulfillment.models import AUTO_APPROVAL_SETTLE, TimeLog, Times, amount_for
from fulfillment.portal.supervisor_selectors import card_path
from fulfillment.services import notifications, timelogs
from fulfillment.services.timelogs import AUTO_APPROVED
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from unioncore.models import User
from unioncore.notifications import tasks
from unioncore.notifications.enums import Channel, NotificationStatus
from unioncore.notifications.models import Notification
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
H = datetime.timedelta(hours=1)


def t(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


STOPPED, SUBMITTED = t(15, 30), t(15, 35)


@dataclass
class Crew:
    """Workers on the job for one employer: a site contact, a borrowing admin."""

    employer_id: int
    site_contact: User
    admin: User
    lending_admin: User
    dispatches: list[Dispatch]


def crew(workers: int) -> Crew:
    employer = EmployerFactory()
    site_contact = SiteUserFactory(employer=employer).user  # the first user: the site contact
    admin = SiteUserFactory(employer=employer, role=EmployerRole.ADMIN).user
    lending_admin = ReachableStaffFactory()
    dispatches = [
        on_the_job(worker=WorkerFactory(), employer=employer, by=lending_admin, day=MONDAY) for _ in range(workers)
    ]
    return Crew(employer.pk, site_contact, admin, lending_admin, dispatches)


def submitted(dispatch: Dispatch, hall_clock, *, clock_out=STOPPED, at_=SUBMITTED) -> TimeLog:
    """Clocked in at 7:00, stopped at `clock_out`, submitted at `at_`: the 4-hour timer runs."""
    worker = dispatch.member.user
    hall_clock.move_to(t(7))
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=worker, at=clock_out)
    hall_clock.move_to(at_)
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=worker)


def sweep(by: User) -> int:
    return timelogs.auto_approve_due(by=by)


def test_each_time_log_of_a_batch_gets_the_silent_partys_version_its_amount_and_its_history(hall_clock, system_user):
    team = crew(2)
    waiting_on_supervisor = submitted(team.dispatches[0], hall_clock)
    edited = submitted(team.dispatches[1], hall_clock)
    edited = timelogs.timelog_edit(timelog_id=edited.pk, by=team.site_contact, clock_in=t(7), clock_out=t(14),
                                   lunch_minutes=30, note="left at 2")  # fmt: skip
    hall_clock.move_to(edited.auto_approval_time + AUTO_APPROVAL_SETTLE)
    assert sweep(system_user) == 2

    for time_log, minutes in ((waiting_on_supervisor, 8 * 60 + 30), (edited, 6 * 60 + 30)):
        before = time_log.auto_approval_time
        time_log = TimeLog.objects.get(pk=time_log.pk)
        assert (time_log.status, time_log.funds_state, time_log.verified_how, time_log.verified_by) == (
            S.VERIFIED, FundsState.RELEASED, VerifiedBy.AUTO_APPROVAL, system_user,
        )  # fmt: skip
        assert time_log.billable_minutes == minutes
        assert time_log.amount == Decimal(minutes) / 60 * Decimal("60.00")
        assert time_log.auto_approval_time == before  # kept: the moment the timer ran out
        assert time_log.updated_at == edited.auto_approval_time + AUTO_APPROVAL_SETTLE
        last = time_log.history.first()
        assert (last.history_type, last.history_user, last.history_change_reason) == ("~", system_user, AUTO_APPROVED)
        assert (last.status, last.amount, last.final_clock_out) == (S.VERIFIED, time_log.amount,
                                                                    time_log.final_clock_out)  # fmt: skip
    assert TimeLog.objects.get(pk=edited.pk).final_clock_out == t(14)


def test_the_amount_is_rounded_half_up_to_the_cent(hall_clock, system_user):
    team = crew(1)
    Dispatch.objects.filter(pk=team.dispatches[0].pk).update(wage_rate=Decimal("45.01"))
    time_log = submitted(team.dispatches[0], hall_clock, clock_out=t(7, 30))  # 30 minutes: 22.505
    hall_clock.move_to(time_log.auto_approval_time + AUTO_APPROVAL_SETTLE)
    sweep(system_user)
    assert TimeLog.objects.get(pk=time_log.pk).amount == Decimal("22.51")


def test_a_sweep_over_several_batches_approves_each_once(hall_clock, system_user):
    team = crew(3)
    logs = [submitted(d, hall_clock, at_=t(15, 35 + i)) for i, d in enumerate(team.dispatches)]
    hall_clock.move_to(t(20))
    assert timelogs.auto_approve_due(by=system_user, batch=2) == 3
    assert timelogs.auto_approve_due(by=system_user, batch=2) == 0
    approvals = TimeLog.history.filter(id__in=[x.pk for x in logs], history_change_reason=AUTO_APPROVED).count()
    assert approvals == 3, f"{approvals} approval history rows for 3 time logs"


def test_a_batch_tells_every_worker_and_site_contact_and_queues_one_task(
    hall_clock, system_user, monkeypatch, django_capture_on_commit_callbacks
):
    batch_tasks, single_tasks = [], []
    monkeypatch.setattr(tasks.send_notifications, "delay", batch_tasks.append)
    monkeypatch.setattr(tasks.send_notification, "delay", single_tasks.append)
    team = crew(3)
    logs = [submitted(d, hall_clock) for d in team.dispatches]
    hall_clock.move_to(t(19, 35) + AUTO_APPROVAL_SETTLE)
    single_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(system_user) == 3
    to_workers = Notification.objects.filter(kind="auto_approved").order_by("pk")
    assert sorted((n.about_id, n.recipient_id) for n in to_workers) == sorted((x.pk, x.worker_id) for x in logs)
    # The site contact: one text for the three (decision 0064), about the first.
    (to_site,) = Notification.objects.filter(kind="auto_approved_crew")
    assert (to_site.about_id, to_site.recipient_id) == (min(x.pk for x in logs), team.site_contact.pk)
    assert not Notification.objects.filter(kind="auto_approved", recipient=team.site_contact).exists()
    assert batch_tasks == [sorted([n.pk for n in to_workers] + [to_site.pk])]
    assert single_tasks == []
    assert Notification.history.filter(kind__startswith="auto_approved", history_type="+").count() == 4


def test_a_dispatch_without_a_site_contact_tells_the_employers_admins(hall_clock, system_user):
    team = crew(1)
    Dispatch.objects.filter(pk=team.dispatches[0].pk).update(primary_site_contact=None)
    time_log = submitted(team.dispatches[0], hall_clock)
    hall_clock.move_to(time_log.auto_approval_time + AUTO_APPROVAL_SETTLE)
    sweep(system_user)
    recipients = set(Notification.objects.filter(kind="auto_approved").values_list("recipient_id", flat=True))
    assert recipients == {time_log.worker_id, team.admin.pk}


def test_the_site_contact_gets_one_text_naming_the_crew_and_linking_to_its_list(hall_clock, system_user, client):
    team = crew(5)
    logs = [submitted(d, hall_clock) for d in team.dispatches]
    hall_clock.move_to(t(19, 35) + AUTO_APPROVAL_SETTLE)
    assert sweep(system_user) == 5

    (text,) = Notification.objects.filter(recipient=team.site_contact, kind__startswith="auto_approved")
    names = [x.worker.get_full_name() for x in sorted(logs, key=lambda x: x.pk)]
    link = notifications.crew_link()
    assert text.kind == "auto_approved_crew"
    assert text.body == (
        "5 timesheets of your crew auto-approved after 4 hours. Supervisor did not verify within required "
        f"timeframe. {names[0]}, {names[1]}, {names[2]} and 2 more. See them: {link}"
    )
    assert text.link == link
    assert link.endswith("/portal/crew/#auto-approved")
    # Each worker still has a text of their own, with the link to their card.
    assert Notification.objects.filter(kind="auto_approved", recipient__in=[x.worker for x in logs]).count() == 5

    # The crew page lists the five, each opening its card.
    client.force_login(team.site_contact)
    page = client.get("/portal/crew/").content.decode()
    listed = page[page.index('data-testid="auto-approved"') :]
    for time_log in logs:
        member = time_log.dispatch.member
        assert f'<a class="open" href="{card_path(time_log)}">{member.first_name} {member.last_name}</a>' in listed
    # A day later the list has moved on: the texts were read or held by the quiet hours.
    hall_clock.move_to(t(19, 35) + AUTO_APPROVAL_SETTLE + datetime.timedelta(hours=24, minutes=1))
    assert 'data-testid="auto-approved"' not in client.get("/portal/crew/").content.decode()


def test_the_crews_text_comes_apart_by_who_did_not_answer(hall_clock, system_user):
    team = crew(3)
    waiting = [submitted(d, hall_clock) for d in team.dispatches[:2]]
    edited = submitted(team.dispatches[2], hall_clock)
    timelogs.timelog_edit(timelog_id=edited.pk, by=team.site_contact, clock_in=t(7), clock_out=t(14),
                          lunch_minutes=30, note="left at 2")  # fmt: skip
    hall_clock.move_to(t(20) + AUTO_APPROVAL_SETTLE)
    assert sweep(system_user) == 3
    texts = {n.kind: n for n in Notification.objects.filter(recipient=team.site_contact, kind__startswith="auto")}
    assert texts["auto_approved_crew"].body.startswith("2 timesheets of your crew auto-approved after 4 hours. "
                                                       "Supervisor did not verify")  # fmt: skip
    assert texts["auto_approved_crew"].about_id == min(x.pk for x in waiting)
    # Alone in its group, the edited one is the single time log's text, with its card link.
    assert texts["auto_approved"].about_id == edited.pk
    assert texts["auto_approved"].body.startswith("Timesheet auto-approved after 4 hours. Worker did not respond")
    assert "/portal/timelogs/" in texts["auto_approved"].link


def test_a_step_already_written_is_neither_written_again_nor_queued(hall_clock, system_user):
    team = crew(1)
    time_log = submitted(team.dispatches[0], hall_clock)
    earlier = Notification.objects.create(
        about_id=time_log.pk, recipient=time_log.worker, channel=Channel.SMS, kind="auto_approved",
        cycle=time_log.timer_cycle, body="written before",
    )  # fmt: skip
    hall_clock.move_to(time_log.auto_approval_time + AUTO_APPROVAL_SETTLE)
    time_log = timelogs.lock_timelog(time_log.pk)
    ids = notifications.announce_many(time_logs=[time_log], event="auto_approved")
    assert earlier.pk not in ids
    assert len(ids) == 1  # the site contact's
    assert Notification.objects.filter(kind="auto_approved", recipient=time_log.worker).count() == 1
    assert not Notification.history.filter(id=earlier.pk, history_type="+", history_date=t(19, 35)).exists()


def test_the_batch_task_sends_each_message(hall_clock, system_user, sms_outbox):
    team = crew(2)
    logs = [submitted(d, hall_clock) for d in team.dispatches]
    hall_clock.move_to(logs[-1].auto_approval_time + AUTO_APPROVAL_SETTLE)
    sweep(system_user)
    ids = list(
        Notification.objects.filter(kind__startswith="auto_approved").order_by("pk").values_list("pk", flat=True)
    )
    assert tasks.send_notifications.apply(args=[ids]).get() == [NotificationStatus.SENT] * 3
    assert [m.body.split(".")[0] for m in sms_outbox[-3:]] == ["Timesheet auto-approved after 4 hours"] * 2 + [
        "2 timesheets of your crew auto-approved after 4 hours"
    ]


@pytest.mark.postgresql_only(reason="counts the statements of the set-based sweep")
def test_a_batch_costs_the_same_queries_for_one_time_log_as_for_three(hall_clock, system_user):
    team = crew(4)
    first = submitted(team.dispatches[0], hall_clock, at_=t(15, 35))
    for d in team.dispatches[1:]:
        submitted(d, hall_clock, at_=t(15, 45))
    hall_clock.move_to(first.auto_approval_time + AUTO_APPROVAL_SETTLE)
    with CaptureQueriesContext(connection) as one:
        assert sweep(system_user) == 1
    hall_clock.move_to(t(19, 45) + AUTO_APPROVAL_SETTLE)
    with CaptureQueriesContext(connection) as three:
        assert sweep(system_user) == 3
    assert len(three) == len(one), f"{len(one)} queries for one time log, {len(three)} for three"


# The sweep approves by SQL on PostgreSQL and row by row in Python elsewhere (decision 0052):
# these run on both databases, so the two give the same minutes and amounts at the ties.


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(30, 510), (90, 512), (29, 510), (31, 511)], ids=["510.5", "511.5", "below", "above"]
)
def test_a_half_minute_is_rounded_as_the_python_rule_rounds_it_half_to_even(hall_clock, system_user, seconds, minutes):
    team = crew(1)
    out = STOPPED + datetime.timedelta(seconds=seconds)  # 8 h 30 min and `seconds` after 7:00
    time_log = submitted(team.dispatches[0], hall_clock, clock_out=out)
    assert Times(t(7), out).billable_minutes == minutes
    hall_clock.move_to(time_log.auto_approval_time + AUTO_APPROVAL_SETTLE)
    assert sweep(system_user) == 1
    approved = TimeLog.objects.get(pk=time_log.pk)
    assert (approved.billable_minutes, approved.final_clock_out) == (minutes, out)
    assert approved.amount == amount_for(minutes, Decimal("60.00"))


def test_a_half_cent_rounds_up_exactly(hall_clock, system_user):
    team = crew(1)
    Dispatch.objects.filter(pk=team.dispatches[0].pk).update(wage_rate=Decimal("52.47"))
    time_log = submitted(team.dispatches[0], hall_clock, clock_out=t(8, 50))  # 110 minutes: $96.195
    hall_clock.move_to(time_log.auto_approval_time + AUTO_APPROVAL_SETTLE)
    sweep(system_user)
    assert TimeLog.objects.get(pk=time_log.pk).amount == Decimal("96.20") == amount_for(110, Decimal("52.47"))


def test_every_status_the_sweep_approves_from_is_a_source_of_the_verify_transition():
    # The set-based UPDATE writes `verified` over the locking read's timed statuses without
    # calling django-fsm: the transition must allow each of them.
    for status in TIMED_STATUSES:
        assert can_proceed(TimeLog(status=status).verify), status
