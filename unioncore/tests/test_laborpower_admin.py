"""The staff page for LaborPower imports: upload a file, read its dry run (counts, every rejected
row, the errors as CSV), confirm, and the import runs as a task with progress."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Member
from unioncore import tasks
from unioncore.imports import CHANGE_REASON, jobs
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import check_uploaded_imports, upload_checked
from unioncore.tests.factories import ImportJobFactory, StaffFactory, UserFactory
from unioncore.tests.samples import UPLOAD, sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


def upload(client, kind="members", data=None, name="members.csv"):
    file = SimpleUploadedFile(name, sample(kind) if data is None else data, content_type="text/csv")
    return client.post(UPLOAD, {"kind": kind, "file": file})


def page(client, job) -> str:
    response = client.get(reverse("admin:unioncore_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_upload_page_is_linked_from_the_console(as_dispatcher):
    listing = as_dispatcher.get(reverse("admin:unioncore_importjob_changelist")).content.decode()
    assert UPLOAD in listing
    assert "Upload a LaborPower file" in as_dispatcher.get(UPLOAD).content.decode()


@pytest.mark.sqlite
def test_an_upload_queues_its_dry_run_and_the_page_shows_the_report_once_the_worker_ran_it(
    as_dispatcher, dispatcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(as_dispatcher)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:unioncore_importjob_change", args=[job.pk])
    assert len(queued) == 1, "the dry run is queued for the worker once the upload commits"
    assert (job.status, job.rows, job.uploaded_by) == (ImportJobStatus.CHECKING, 0, dispatcher), "not run here"
    assert job.file.read() == sample("members"), "the file is stored for the task"
    html = page(as_dispatcher, job)
    assert "Checking the file" in html
    assert 'http-equiv="refresh"' in html
    assert "Import it now" not in html

    assert tasks.check_import_job(job.pk) == ImportJobStatus.CHECKED  # the worker's task, run here
    job.refresh_from_db()
    assert (job.status, job.rows, job.created) == (ImportJobStatus.CHECKED, 9, 9)
    assert tasks.check_import_job(job.pk) == ImportJobStatus.CHECKED, "a redelivered message changes nothing"
    html = page(as_dispatcher, job)
    assert 'http-equiv="refresh"' not in html
    assert "Dry run of 9 members rows" in html
    assert "Import it now (9 created, 0 updated)" in html
    assert not Member.objects.exists()


def test_rejected_rows_are_listed_and_downloadable_and_cannot_be_confirmed(as_dispatcher):
    bad = (
        sample("members").replace(b"0012346", b"00A2346").replace(b"inside_wireperson,active,(360)", b"x,active,(360)")
    )
    upload(as_dispatcher, data=bad)
    (job,) = check_uploaded_imports()
    html = page(as_dispatcher, job)
    assert "Rejected rows" in html
    assert "00A2346" in html
    assert "Import it now" not in html
    response = as_dispatcher.get(reverse("admin:unioncore_importjob_errors", args=[job.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "members-errors.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["line"], r["column"]) for r in rows] == [("3", "card_number"), ("4", "classification")]
    response = as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]), follow=True)
    assert "has rejected rows" in response.content.decode()
    assert ImportJob.objects.get().status == ImportJobStatus.CHECKED


def test_confirming_queues_the_task_which_imports_as_the_confirming_user(
    as_dispatcher, dispatcher, django_capture_on_commit_callbacks
):
    upload(as_dispatcher)
    (job,) = check_uploaded_imports()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert len(queued) == 1, "one task enqueued once the confirmation commits"
    job.refresh_from_db()
    assert (job.status, job.confirmed_by) == (ImportJobStatus.QUEUED, dispatcher)
    assert "Importing" in page(as_dispatcher, job)
    assert 'http-equiv="refresh"' in page(as_dispatcher, job)

    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE  # the task, run here
    job.refresh_from_db()
    assert (job.created, job.finished_at is not None) == (9, True)
    member = Member.objects.get(card_number="0012345")
    history = member.history.get()
    assert (history.history_user, history.history_change_reason) == (dispatcher, CHANGE_REASON)
    assert "Imported 9 members rows" in page(as_dispatcher, job)

    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE  # run twice: nothing more
    assert member.history.count() == 1
    with django_capture_on_commit_callbacks(execute=False) as queued:
        as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert not queued, "a finished import is not queued again"


def test_the_page_shows_the_progress_of_a_running_import(as_dispatcher):
    job = ImportJobFactory(
        status=ImportJobStatus.RUNNING, progress_phase="writing dispatches", progress_done=50_000,
        progress_total=200_000,
    )  # fmt: skip
    html = page(as_dispatcher, job)
    assert 'value="25"' in html
    assert "50000 of 200000 rows (25%)" in html
    assert 'http-equiv="refresh"' in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("members.xlsx", b"PK\x03\x04 a workbook", "Upload a CSV file"),
        ("members.csv", b"PK\x03\x04\x00\x00 a workbook renamed", "not a text file"),
        ("members.csv", b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_csv_is_a_form_error(as_dispatcher, name, data, message):
    response = as_dispatcher.post(UPLOAD, {"kind": "members", "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_oversize_file_is_a_form_error(as_dispatcher, settings):
    settings.LABORPOWER_UPLOAD_MAX_BYTES = 1000
    response = upload(as_dispatcher)
    assert response.status_code == 200
    assert "at most 1000" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_unknown_kind_is_a_form_error(as_dispatcher):
    response = upload(as_dispatcher, kind="payroll", data=sample("members"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_only_dispatchers_and_admins_import(client, officer):
    job = ImportJobFactory()
    client.force_login(officer)  # officers may read the reports, not import
    assert client.get(UPLOAD).status_code == 403
    assert client.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk])).status_code == 403
    client.force_login(UserFactory())  # a member: not the console at all
    assert client.get(UPLOAD).status_code == 302
    client.force_login(StaffFactory(groups=["admin"]))
    assert client.get(UPLOAD).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgresql_only(
    reason="progress is written from a second connection while the import's transaction is open (SQLite: one writer)"
)
def test_progress_is_written_while_the_import_runs(settings, tmp_path):
    job = upload_checked(kind="members", data=sample("members"), by=StaffFactory())
    seen = []
    jobs.import_job_confirm(job_id=job.pk, by=job.uploaded_by)
    writer = jobs._ProgressWriter(job.pk)
    try:
        writer("writing members", 4, 9)
        seen.append(ImportJob.objects.values_list("progress_phase", "progress_done", "progress_total").get(pk=job.pk))
    finally:
        writer.close()
    assert seen == [("writing members", 4, 9)]
    job = jobs.import_job_run(job_id=job.pk)
    assert (job.status, job.progress_phase, job.progress_done, job.progress_total) == (
        ImportJobStatus.DONE, "writing members", 9, 9,
    )  # fmt: skip
