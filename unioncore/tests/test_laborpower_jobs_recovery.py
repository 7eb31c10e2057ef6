"""LaborPower imports whose worker died: the import's transaction rolled back (nothing written)
but the job said "running". After LABORPOWER_IMPORT_STALE_MINUTES of silence the sweep fails it
and its page offers to confirm it again; a redelivered message imports it again, once; a job
that is finished, or that a live worker is importing, is left alone."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connections
from django.urls import reverse

from members.models import Member
from unioncore import tasks
from unioncore.celery import app
from unioncore.imports import jobs
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import at, run_concurrently, upload_checked

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"
DAY = datetime.date(2026, 12, 7)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LABORPOWER_IMPORT_STALE_MINUTES = 30


@pytest.fixture
def clock():
    with time_machine.travel(at(DAY, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


class WorkerKilled(BaseException):
    """What the import sees when its worker is killed: not an Exception, so nothing records it."""


def confirmed(by) -> ImportJob:
    job = upload_checked(kind="members", data=(SAMPLES / "members.csv").read_bytes(), by=by)
    return jobs.import_job_confirm(job_id=job.pk, by=by)


def die_after_writing(monkeypatch):
    """The next import writes every row in its transaction, then its worker dies before the commit."""
    real_run = jobs.run

    def run(*args, **kwargs):
        real_run(*args, **kwargs)
        assert Member.objects.count() == 9, "written, not yet committed"
        raise WorkerKilled

    monkeypatch.setattr(jobs, "run", run)


def killed(job, monkeypatch) -> ImportJob:
    with monkeypatch.context() as patch:
        die_after_writing(patch)
        with pytest.raises(WorkerKilled):
            tasks.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.RUNNING
    assert not Member.objects.exists(), "the import's transaction rolled back"
    return job


def page(client, job) -> str:
    response = client.get(reverse("admin:unioncore_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_silent_import_is_failed_and_its_page_offers_to_confirm_it_again(
    clock, monkeypatch, as_dispatcher, dispatcher, django_capture_on_commit_callbacks
):
    job = killed(confirmed(dispatcher), monkeypatch)
    clock.shift(31 * MINUTE)
    assert tasks.sweep_import_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.summary) == (ImportJobStatus.FAILED, jobs.STALE_ERROR)
    assert job.history.first().history_user.username == "system"
    html = page(as_dispatcher, job)
    assert "The import stopped when its worker stopped; nothing was written. Confirm it again." in html
    assert "Confirm it again (9 created, 0 updated)" in html
    assert 'http-equiv="refresh"' not in html
    assert tasks.sweep_import_jobs() == 0, "a failed job is not failed twice"

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert len(queued) == 1
    job.refresh_from_db()
    assert (job.status, job.started_at, job.finished_at) == (ImportJobStatus.QUEUED, None, None)
    assert "Confirm it again" not in page(as_dispatcher, job)

    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert Member.objects.count() == 9
    assert "Imported 9 members rows" in page(as_dispatcher, job)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert not queued, "a finished import is not confirmed again"


def test_only_staff_who_import_see_the_confirm_again_button(clock, monkeypatch, client, dispatcher, officer):
    job = killed(confirmed(dispatcher), monkeypatch)
    clock.shift(31 * MINUTE)
    assert tasks.sweep_import_jobs() == 1
    client.force_login(officer)
    response = client.get(reverse("admin:unioncore_importjob_change", args=[job.pk]))
    if response.status_code == 200:
        assert "Confirm it again (" not in response.content.decode()
    assert client.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk])).status_code == 403
    assert ImportJob.objects.get(pk=job.pk).status == ImportJobStatus.FAILED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the progress writer's own connection sees the job
@pytest.mark.postgresql_only(reason="the heartbeat is written from a second connection (SQLite: one writer)")
def test_a_running_import_that_shows_signs_of_life_is_left_alone(clock, monkeypatch, dispatcher):
    job = killed(confirmed(dispatcher), monkeypatch)
    clock.shift(29 * MINUTE)
    assert tasks.sweep_import_jobs() == 0
    writer = jobs._ProgressWriter(job.pk)  # the live worker reports progress: its heartbeat
    try:
        writer("writing members", 4, 9)
    finally:
        writer.close()
    clock.shift(25 * MINUTE)  # 54 minutes after it started, 25 after its last progress
    assert tasks.sweep_import_jobs() == 0
    assert tasks.run_import_job(job.pk) == ImportJobStatus.RUNNING, "a redelivery leaves it to its worker"
    assert not Member.objects.exists()
    clock.shift(6 * MINUTE)
    assert tasks.sweep_import_jobs() == 1


def test_a_redelivered_message_of_a_silent_import_imports_it_once(clock, monkeypatch, dispatcher):
    job = killed(confirmed(dispatcher), monkeypatch)
    clock.shift(5 * MINUTE)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.RUNNING, "its worker may still be alive"
    assert not Member.objects.exists()
    clock.shift(26 * MINUTE)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    job.refresh_from_db()
    assert (job.created, job.started_at, job.finished_at) == (9, at(DAY, 9) + 31 * MINUTE, at(DAY, 9) + 31 * MINUTE)
    assert Member.objects.count() == 9
    member = Member.objects.get(card_number="0012345")
    assert member.history.count() == 1
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert member.history.count() == 1, "imported once"
    assert tasks.sweep_import_jobs() == 0


def test_a_finished_import_is_not_run_again_by_a_redelivered_message(clock, dispatcher):
    job = confirmed(dispatcher)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    history = ImportJob.objects.get(pk=job.pk).history.count()
    clock.shift(3 * 60 * MINUTE)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert tasks.sweep_import_jobs() == 0
    assert ImportJob.objects.get(pk=job.pk).history.count() == history
    assert Member.objects.get(card_number="0012345").history.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgresql_only(reason="the sweep writes while the import's transaction is open (SQLite: one writer)")
def test_an_import_the_sweep_failed_meanwhile_does_not_commit_its_rows(clock, monkeypatch, dispatcher):
    """A worker silent too long (but alive) finishes after the sweep failed its job: the page
    says nothing was written, so nothing is."""
    job = confirmed(dispatcher)
    real_run = jobs.run

    def slow_run(*args, **kwargs):
        report = real_run(*args, **kwargs)
        sweep = connections.create_connection("default")  # the sweep, in its own transaction
        try:
            with sweep.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET status = %s, summary = %s WHERE id = %s",
                    [ImportJobStatus.FAILED, jobs.STALE_ERROR, job.pk],
                )
        finally:
            sweep.close()
        return report

    monkeypatch.setattr(jobs, "run", slow_run)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.FAILED
    assert not Member.objects.exists()
    assert ImportJob.objects.get(pk=job.pk).summary == jobs.STALE_ERROR


@pytest.mark.postgresql_only(reason="two sweeps write at once from two connections (SQLite: one writer)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_fail_a_silent_import_once(clock, monkeypatch, dispatcher):
    job = killed(confirmed(dispatcher), monkeypatch)
    clock.shift(31 * MINUTE)
    results = run_concurrently(tasks.sweep_import_jobs, tasks.sweep_import_jobs)
    assert sorted(results) == [0, 1]
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.history.filter(status=ImportJobStatus.FAILED).count() == 1


def test_the_beat_schedule_sweeps_imports_well_within_their_silence_limit(settings):
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["unioncore-sweep-import-jobs"]
    assert entry["task"] == "unioncore.tasks.sweep_import_jobs"
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= settings.LABORPOWER_IMPORT_STALE_MINUTES * 60 / 2
    assert entry["options"]["expires"] < entry["schedule"]
    assert tasks.run_import_job.acks_late
    assert tasks.run_import_job.reject_on_worker_lost


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_unexpected_error_fails_the_import_at_once_and_writes_nothing(clock, monkeypatch, dispatcher):
    """A fault of ours (not of the file) says so on the page right away, not after the sweep."""
    job = confirmed(dispatcher)
    real_run = jobs.run

    def broken_run(*args, **kwargs):
        real_run(*args, **kwargs)  # every row written inside the transaction, then the fault
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "run", broken_run)
    with pytest.raises(RuntimeError):
        tasks.run_import_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.summary) == (ImportJobStatus.FAILED, jobs.UNEXPECTED_ERROR)
    assert not Member.objects.exists()
    assert job.history.first().history_user == dispatcher
