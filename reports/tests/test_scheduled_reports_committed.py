"""Scheduled reports between connections (decision 0055, amended by 0061): two beat tasks at once
send each due time once, and a run's email goes only once the run is committed. Transactional
tests, in a module of their own: reports/tests/conftest.py's hall holds one transaction open for
its whole module, inside which these could not commit."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem

from reports import framework, services, tasks
from reports.models import ReportSchedule, ScheduledRun
from reports.tests.conftest import MONDAY
from reports.tests.test_scheduled_reports import TUESDAY, _minute, _schedule
from unioncore.testing import at, run_concurrently
from unioncore.tests.factories import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql_only(
        reason="connections of their own; SQLite's in-memory test database is one connection, one writer"
    ),
]


class MailServerLookingAtTheDatabase(locmem.EmailBackend):
    """Django's in-memory outbox that, as each message is handed to it, reads from another
    connection what has been committed: the runs and the schedules' next times."""

    committed: list = []

    def send_messages(self, email_messages):
        def look():
            MailServerLookingAtTheDatabase.committed.append(
                (list(ScheduledRun.objects.values_list("status", flat=True)),
                 list(ReportSchedule.objects.values_list("next_run_at", flat=True)))
            )  # fmt: skip

        (failure,) = run_concurrently(look)
        assert failure is None, failure
        return super().send_messages(email_messages)


def test_two_tasks_at_once_send_each_due_schedule_once():
    officer = StaffFactory(groups=["officer"])
    with time_machine.travel(at(MONDAY, 9), tick=False):
        schedules = []
        for n in range(4):  # Active Contractors: no filters, no rows needed
            saved = services.saved_report_save(
                report=framework.get("active-contractors"), by=officer, name=f"Contractors {n}", filters={}
            )
            schedules.append(_schedule(saved, frequency="daily", format="csv", recipients=f"list{n}@ibew46.example"))
    with time_machine.travel(_minute(TUESDAY, 7, 1), tick=False):
        first, second = run_concurrently(tasks.run_report_schedules, tasks.run_report_schedules)
        assert not isinstance(first, BaseException), first
        assert not isinstance(second, BaseException), second
        assert first["sent"] + second["sent"] == 4
        assert tasks.run_report_schedules() == {"sent": 0, "failed": 0}  # and again: nothing left
    assert sorted(m.to[0] for m in mail.outbox) == [f"list{n}@ibew46.example" for n in range(4)]
    assert sorted(ScheduledRun.objects.values_list("schedule_id", flat=True)) == sorted(s.pk for s in schedules)


def test_the_email_goes_only_once_its_run_is_committed(settings):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerLookingAtTheDatabase"
    MailServerLookingAtTheDatabase.committed = []
    officer = StaffFactory(groups=["officer"])
    with time_machine.travel(at(MONDAY, 9), tick=False):
        saved = services.saved_report_save(
            report=framework.get("active-contractors"), by=officer, name="Contractors", filters={}
        )
        _schedule(saved, frequency="daily", format="csv")
    with time_machine.travel(_minute(TUESDAY, 7, 1), tick=False):
        assert tasks.run_report_schedules() == {"sent": 1, "failed": 0}
    assert MailServerLookingAtTheDatabase.committed == [(["sending"], [at(TUESDAY + datetime.timedelta(days=1), 7)])]
    assert ScheduledRun.objects.get().status == "sent"
