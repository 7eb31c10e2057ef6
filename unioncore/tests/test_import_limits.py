"""An upload cannot hold a web thread or a worker for minutes (issue 20, item 3; decision 0039):
reading a file is linear, with limits on its columns, a field's length and its rows, each refusal
naming its limit; the dry run runs in the worker, never in the request. Also on SQLite (make run)."""

import datetime
import time

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Member
from unioncore import imports, tasks
from unioncore.imports import jobs
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import at
from unioncore.tests.samples import UPLOAD, sample

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite, pytest.mark.usefixtures("media")]
BOUND = 2.0  # seconds: generous; the review's file held a thread for 94 s


def wide_file(header_name) -> bytes:
    """The review's file: 0.9 MB, a header of 100,000 columns and one row of as many fields."""
    header = ",".join(header_name(i) for i in range(100_000))
    return f"{header}\r\n{',' * 99_999}1\r\n".encode()


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


@pytest.mark.parametrize(
    "header_name",
    [lambda i: f"x{i:06d}", lambda i: "address"],
    ids=["100000 unknown columns", "one column repeated 100000 times"],
)
def test_a_header_of_100000_columns_is_refused_at_once_naming_the_limit(system_user, header_name):
    data = wide_file(header_name)
    assert 0.5e6 < len(data) < 1.3e6, len(data)
    report, seconds = timed(lambda: imports.run("members", data, by=system_user, dry_run=True))
    assert seconds < BOUND, f"{seconds:.2f} s"
    assert [(e.line, e.column) for e in report.errors] == [(1, "header")]
    assert "The header has 100000 columns; at most 200 (LABORPOWER_IMPORT_MAX_COLUMNS)" in report.errors[0].reason
    assert len(report.errors[0].value) <= 81, "the report keeps a glimpse of the header, not all of it"


def test_a_row_of_100000_fields_is_refused_at_once(system_user):
    data = sample("members") + b"," * 100_000 + b"1\r\n"
    report, seconds = timed(lambda: imports.run("members", data, by=system_user, dry_run=True))
    assert seconds < BOUND, f"{seconds:.2f} s"
    assert [(e.line, e.column, e.reason) for e in report.errors] == [
        (11, "row", "100001 fields where the header has 12."),
    ]


def test_an_over_long_field_is_the_rows_error_naming_the_limit(system_user, settings):
    settings.LABORPOWER_IMPORT_MAX_FIELD_CHARS = 100
    data = sample("members").replace(b"Seattle", b"S" * 150, 1)
    report = imports.run("members", data, by=system_user)
    (error,) = report.errors
    assert (error.column, error.reason) == (
        "city",
        "A field of 150 characters; at most 100 (LABORPOWER_IMPORT_MAX_FIELD_CHARS).",
    )
    assert error.value == "S" * 80 + "…"
    assert not Member.objects.exists()


def test_a_file_of_more_rows_than_the_limit_is_refused_naming_it(system_user, settings):
    settings.LABORPOWER_IMPORT_MAX_ROWS = 5
    report = imports.run("members", sample("members"), by=system_user)
    assert [(e.column, e.reason) for e in report.errors] == [
        ("file", "More than 5 rows; at most 5 (LABORPOWER_IMPORT_MAX_ROWS): split it."),
    ]
    assert report.rows == 0
    assert not Member.objects.exists()


def test_the_upload_returns_at_once_and_the_worker_refuses_the_wide_file(client, dispatcher):
    client.force_login(dispatcher)
    file = SimpleUploadedFile("wide.csv", wide_file(lambda i: "address"), content_type="text/csv")
    response, seconds = timed(lambda: client.post(UPLOAD, {"kind": "members", "file": file}))
    assert response.status_code == 302
    assert seconds < BOUND, f"{seconds:.2f} s"
    job = ImportJob.objects.get()
    assert (job.status, job.errors) == (ImportJobStatus.CHECKING, []), "nothing of it read in the request"

    status, seconds = timed(lambda: tasks.check_import_job(job.pk))
    assert seconds < BOUND, f"{seconds:.2f} s"
    assert status == ImportJobStatus.CHECKED
    html = client.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()
    assert "Rejected rows" in html
    assert "at most 200 (LABORPOWER_IMPORT_MAX_COLUMNS)" in html
    assert "Import it now" not in html


def test_a_check_whose_worker_went_silent_is_failed_by_the_sweep_and_not_run_twice(dispatcher, settings):
    settings.LABORPOWER_IMPORT_STALE_MINUTES = 30
    upload = SimpleUploadedFile("members.csv", sample("members"), content_type="text/csv")
    nine = at(datetime.date(2026, 12, 7), 9)
    with time_machine.travel(nine, tick=False):
        job = jobs.import_job_upload(kind="members", upload=upload, by=dispatcher)
        assert jobs._start_check(job.pk)[1], "a worker takes it, then dies"
        assert not jobs._start_check(job.pk)[1], "a second delivery leaves a live check alone"
    with time_machine.travel(nine + datetime.timedelta(minutes=29), tick=False):
        assert jobs.import_jobs_sweep(now=nine + datetime.timedelta(minutes=29)) == 0
    with time_machine.travel(nine + datetime.timedelta(minutes=31), tick=False):
        assert jobs.import_jobs_sweep(now=nine + datetime.timedelta(minutes=31)) == 1
    job.refresh_from_db()
    assert (job.status, job.summary) == (ImportJobStatus.FAILED, jobs.STALE_CHECK_ERROR)
    assert tasks.check_import_job(job.pk) == ImportJobStatus.FAILED, "a late message does not check it again"
