"""Scheduled saved reports (issue 24, item 3; decision 0055): due at their time of the hall's
day (the clock moved), run by the Celery beat task, emailed once (Django's in-memory backend),
as Excel, CSV or PDF, optionally in an AES zip that opens with its password only; every run
recorded, a failure too, without stopping the other schedules."""

import datetime
import io
import smtplib
import zipfile

import openpyxl
import pytest
import pyzipper
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, transaction
from django.urls import reverse

from reports import framework, services, tasks
from reports.models import ReportRun, ReportSchedule, SavedReport, ScheduledRun
from reports.tests.conftest import MONDAY
from unioncore.errors import RuleViolation
from unioncore.testing import LA, at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
SEVEN = datetime.time(7, 0)


def _minute(day, hour, minute):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LA)


@pytest.fixture
def saved(hall, officer):
    """The Registration List of book WIRE SEATTLE (9 rows: tier 1, seven; tier 2, two), by APN,
    highest first, showing the name and the APN (and the tier, its grouping column)."""
    officer.email = "president@ibew46.example"
    officer.save()
    return services.saved_report_save(
        report=framework.get("out-of-work-list"), by=officer, name="Seattle wiremen",
        filters="book=WIRE+SEATTLE&sort=-apn", columns=["name", "apn"],
    )  # fmt: skip


def _schedule(saved, **given):
    fields = {"frequency": "weekly", "weekday": 1, "at_time": SEVEN, "format": "xlsx",
              "recipients": "dispatch@ibew46.example, Treasurer@ibew46.example"}  # fmt: skip
    return services.report_schedule_save(by=saved.owner, saved_report_id=saved.pk, **{**fields, **given})


def test_a_weekly_schedule_is_emailed_at_its_time_once(saved, clock):
    schedule = _schedule(saved)  # Monday 9:00: first due Tuesday 7:00, the hall's time
    assert schedule.next_run_at == at(TUESDAY, 7)
    assert schedule.recipients == "dispatch@ibew46.example,Treasurer@ibew46.example"

    clock.move_to(_minute(TUESDAY, 6, 58))
    assert tasks.run_report_schedules() == {"sent": 0, "failed": 0}
    assert mail.outbox == []

    clock.move_to(_minute(TUESDAY, 7, 3))  # the beat's next tick
    assert tasks.run_report_schedules() == {"sent": 1, "failed": 0}
    assert tasks.run_report_schedules() == {"sent": 0, "failed": 0}  # run again: nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dispatch@ibew46.example", "Treasurer@ibew46.example"]
    assert message.subject == "Seattle wiremen (Registration List) — 2026-12-08"
    assert "9 rows" in message.body
    ((name, content, mimetype),) = message.attachments
    assert name == "out-of-work-list-20261208-0703.xlsx"
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["BOOK", "NAME", "APN"]  # the saved columns (and the tier)
    names = [sheet.cell(row, 2).value for row in range(2, 11)]
    assert names[:2] == ["IRWIN, PAT", "HILL, PAT"]  # its sort: APN, highest first, in tier 1
    assert sorted(names) == ["ADAMS, PAT", "BAKER, PAT", "CLARK, PAT", "DAVIS, PAT", "FOSTER, PAT",
                             "GREEN, PAT", "HILL, PAT", "IRWIN, PAT", "JONES, PAT"]  # fmt: skip

    run = ScheduledRun.objects.get()
    assert (run.status, run.row_count, run.slot, run.user, run.error) == ("sent", 9, at(TUESDAY, 7), saved.owner, "")
    assert run.report_run.background
    assert ReportRun.objects.filter(report="out-of-work-list", format="xlsx", user=saved.owner).count() == 1
    schedule.refresh_from_db()
    assert schedule.last_run_for == at(TUESDAY, 7)
    assert schedule.next_run_at == at(TUESDAY + datetime.timedelta(days=7), 7)


def test_a_daily_csv_in_a_zip_opens_with_its_password_and_not_without(saved, clock):
    password = "copper-wire-1946"
    schedule = _schedule(saved, frequency="daily", weekday=3, format="csv", zip_password=password)
    assert schedule.weekday is None  # a daily schedule has no day
    assert password not in schedule.zip_password  # stored encrypted …
    assert not hasattr(schedule.history.first(), "zip_password")  # … and never in the history

    clock.move_to(_minute(TUESDAY, 7, 1))
    assert tasks.run_report_schedules() == {"sent": 1, "failed": 0}
    (message,) = mail.outbox
    assert password not in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("out-of-work-list-20261208-0701.csv.zip", "application/zip")
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        (inner,) = archive.namelist()
        with pytest.raises(RuntimeError):  # no password: refused
            archive.read(inner)
        archive.setpassword(b"not-the-password")
        with pytest.raises(RuntimeError):
            archive.read(inner)
        archive.setpassword(password.encode())
        lines = archive.read(inner).decode("utf-8-sig").splitlines()
    assert lines[0] == "BOOK,NAME,APN"
    assert len(lines) == 1 + 9
    assert lines[1] == 'WIRE SEATTLE : 1,"IRWIN, PAT",46000.08'
    with zipfile.ZipFile(io.BytesIO(content)) as plain:
        plain.setpassword(password.encode())
        with pytest.raises(NotImplementedError):
            plain.read(inner)  # AES, not the old ZipCrypto the standard library (and anyone) can read


def test_a_failure_is_recorded_and_the_other_schedules_still_run(saved, officer, clock):
    broken = services.saved_report_save(
        report=framework.get("out-of-work-list"), by=officer, name="Tacoma", filters="book=WIRE+SEATTLE"
    )
    first = _schedule(broken)  # due first (same time, made first)
    second = _schedule(saved, format="pdf")
    SavedReport.objects.filter(pk=broken.pk).update(filters={"book": "WIRE TACOMA"})  # a book closed since

    clock.move_to(_minute(TUESDAY, 7, 4))
    assert tasks.run_report_schedules() == {"sent": 1, "failed": 1}
    (message,) = mail.outbox
    assert message.subject.startswith("Seattle wiremen")
    assert message.attachments[0][2] == "application/pdf"
    failed = ScheduledRun.objects.get(schedule=first)
    assert failed.status == "failed"
    assert failed.error.startswith("Its filters no longer hold (Book:")
    assert failed.report_run is None
    assert ScheduledRun.objects.get(schedule=second).status == "sent"
    assert ReportRun.objects.filter(background=True).count() == 1  # no audit row of a file not sent
    # Both move on to next week: a failure is not retried every five minutes.
    assert set(ReportSchedule.objects.values_list("next_run_at", flat=True)) == {
        at(MONDAY + datetime.timedelta(days=8), 7)
    }
    assert tasks.run_report_schedules() == {"sent": 0, "failed": 0}


def test_a_schedule_late_by_several_times_runs_once_for_the_latest(saved, clock):
    _schedule(saved, frequency="daily")
    clock.move_to(_minute(TUESDAY + datetime.timedelta(days=2), 9, 0))  # the worker was down two days
    assert tasks.run_report_schedules() == {"sent": 1, "failed": 0}
    assert len(mail.outbox) == 1
    assert ScheduledRun.objects.get().slot == at(TUESDAY + datetime.timedelta(days=2), 7)


def test_bad_recipients_a_weekly_without_its_day_or_a_short_password_are_refused(saved):
    for given, code in [
        ({"recipients": "dispatch@ibew46.example, not an address"}, "bad_schedule"),
        ({"recipients": " , "}, "bad_schedule"),
        ({"weekday": None}, "bad_schedule"),
        ({"zip_password": "short"}, "bad_schedule"),
    ]:
        with pytest.raises(RuleViolation) as refused:
            _schedule(saved, **given)
        assert refused.value.code == code
    with pytest.raises(PermissionDenied):  # another officer's saved report, even shared with them
        services.report_schedule_save(
            by=StaffFactory(groups=["officer"]), saved_report_id=saved.pk, frequency="daily", at_time=SEVEN,
            recipients="x@ibew46.example", format="csv",
        )  # fmt: skip
    assert ReportSchedule.objects.count() == 0


def test_a_report_of_personal_data_is_emailed_to_officers_only(hall, officer, dispatcher):
    officer.email, dispatcher.email = "officer@ibew46.example", "dispatcher@ibew46.example"
    officer.save()
    dispatcher.save()
    eeoc = services.saved_report_save(report=framework.get("eeoc-report"), by=officer, name="EEOC", filters={})
    with pytest.raises(RuleViolation) as refused:
        _schedule(eeoc, recipients="officer@ibew46.example, dispatcher@ibew46.example, hr@example.org")
    assert refused.value.code == "personal_data_recipient"
    assert "dispatcher@ibew46.example, hr@example.org" in refused.value.message
    assert _schedule(eeoc, recipients="OFFICER@ibew46.example").pk


def test_the_next_time_follows_the_halls_clock_through_summer_time():
    slot = services.schedule_next_slot(
        frequency="daily", weekday=None, at_time=SEVEN, after=datetime.datetime(2027, 3, 13, 8, tzinfo=LA)
    )
    assert slot == datetime.datetime(2027, 3, 14, 7, tzinfo=LA)
    assert slot.astimezone(datetime.UTC).hour == 14  # 7:00 PDT (it was 15:00 UTC the day before)
    weekly = services.schedule_next_slot(
        frequency="weekly", weekday=0, at_time=SEVEN, after=datetime.datetime(2027, 12, 27, 7, tzinfo=LA)
    )
    assert weekly == datetime.datetime(2028, 1, 3, 7, tzinfo=LA)  # exactly at its time: the next one


def test_the_beat_runs_the_schedules_every_five_minutes():
    from unioncore.celery import app

    entry = app.conf.beat_schedule["reports-run-schedules"]
    assert entry["task"] == "reports.tasks.run_report_schedules"
    assert entry["schedule"] == 300.0
    assert entry["task"] in app.tasks


def test_an_officer_schedules_it_in_the_console_and_reads_its_runs(saved, client, officer, clock):
    client.force_login(officer)
    add = reverse("admin:reports_reportschedule_add")
    assert f"{add}?saved_report={saved.pk}" in client.get(reverse("admin:reports_index")).content.decode()
    assert client.get(f"{add}?saved_report={saved.pk}").context["adminform"].form.initial["saved_report"] == str(
        saved.pk
    )
    form = {"saved_report": saved.pk, "frequency": "weekly", "weekday": "1", "at_time": "07:00",
            "recipients": "dispatch@ibew46.example", "format": "xlsx", "password": "copper-wire-1946",
            "active": "on"}  # fmt: skip
    bad = client.post(add, {**form, "recipients": "nobody"})
    assert bad.status_code == 200
    assert "Not an email address: nobody." in bad.content.decode()
    assert client.post(add, form).status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.zipped
    assert schedule.history.first().history_user == officer
    clock.move_to(_minute(TUESDAY, 7, 2))
    tasks.run_report_schedules()
    runs = client.get(reverse("admin:reports_scheduledrun_changelist"))
    assert runs.status_code == 200
    assert "Seattle wiremen" in runs.content.decode()
    changed = {**form, "saved_report": "", "at_time": "06:30", "password": "", "remove_password": "on"}
    change = client.post(reverse("admin:reports_reportschedule_change", args=[schedule.pk]), changed)
    assert change.status_code == 302
    client.get(change["Location"])  # (reads the "changed" message)
    schedule.refresh_from_db()
    assert (schedule.at_time, schedule.zipped, schedule.saved_report) == (datetime.time(6, 30), False, saved)
    with pytest.raises(RuleViolation) as refused:  # scheduled: stopped, not deleted
        services.saved_report_delete(saved_report_id=saved.pk, by=officer)
    assert refused.value.code == "saved_in_use"
    other = StaffFactory(groups=["officer"])
    client.force_login(other)
    assert "Seattle wiremen" not in client.get(reverse("admin:reports_scheduledrun_changelist")).content.decode()
    assert client.get(reverse("admin:reports_reportschedule_change", args=[schedule.pk])).status_code == 302


class RefusingMailServer(BaseEmailBackend):
    """A mail server that refuses every message (the test's EMAIL_BACKEND)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"dispatch@ibew46.example": (550, b"Mailbox unavailable")})


def test_a_mail_server_refusing_is_recorded_on_the_run_with_no_audit_row(saved, clock, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    schedule = _schedule(saved)
    clock.move_to(_minute(TUESDAY, 7, 2))
    assert tasks.run_report_schedules() == {"sent": 0, "failed": 1}
    run = ScheduledRun.objects.get()
    assert run.status == "failed"
    assert run.error.startswith("The mail server refused it")
    assert run.report_run is None
    assert run.finished_at is not None
    assert [h.status for h in run.history.order_by("history_id")] == ["sending", "failed"]
    assert not ReportRun.objects.filter(background=True).exists(), "no audit row of a file not sent"
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(TUESDAY + datetime.timedelta(days=7), 7), "not retried every 5 minutes"


@pytest.mark.postgresql_only(reason="the append-only trigger is PostgreSQL's")
def test_a_runs_outcome_is_written_once(saved, clock):
    _schedule(saved)
    clock.move_to(_minute(TUESDAY, 7, 2))
    tasks.run_report_schedules()
    run = ScheduledRun.objects.get()
    for change in ({"status": "failed"}, {"recipients": "someone@else.example"}):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ScheduledRun.objects.filter(pk=run.pk).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ScheduledRun.objects.filter(pk=run.pk).delete()


def test_an_officer_runs_a_schedule_now_from_the_console(saved, client, officer, clock):
    schedule = _schedule(saved)  # Monday 9:00; next due Tuesday 7:00
    client.force_login(officer)
    changelist = reverse("admin:reports_reportschedule_changelist")
    assert "Run now" in client.get(changelist).content.decode()
    clock.move_to(_minute(MONDAY, 10, 15))
    response = client.post(changelist, {"action": "run_now", "_selected_action": [schedule.pk]}, follow=True)
    assert "Seattle wiremen: sent to 2 addresses." in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["dispatch@ibew46.example", "Treasurer@ibew46.example"]
    assert "9 rows" in message.body
    run = ScheduledRun.objects.get()
    assert (run.status, run.slot, run.user, run.row_count) == ("sent", _minute(MONDAY, 10, 15), officer, 9)
    assert run.report_run.user == officer
    assert run.history.order_by("history_id").last().history_user == officer
    schedule.refresh_from_db()
    assert (schedule.next_run_at, schedule.last_run_for) == (at(TUESDAY, 7), None), "its next time stays"

    other = StaffFactory(groups=["officer"])  # not its owner: not in their list, refused by the service
    client.force_login(other)
    refused = client.post(changelist, {"action": "run_now", "_selected_action": [schedule.pk]}, follow=True)
    assert "sent to" not in refused.content.decode()
    with pytest.raises(PermissionDenied):
        services.report_schedule_run_now(schedule_id=schedule.pk, by=other)
    assert len(mail.outbox) == 1
