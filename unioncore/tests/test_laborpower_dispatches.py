"""LaborPower dispatch history (issue 10): ended dispatches come across as they ended, an open one
puts the member on the job (one job at a time), re-runs change nothing, changes are audited."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dispatch import services
from dispatch.enums import DispatchStatus, EndReason
from dispatch.models import Dispatch, JobRequest
from unioncore import imports
from unioncore.imports import CHANGE_REASON

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"
HEADER = b"card_number,employer_code,start_date,end_date,type,end_reason,wage_rate,book_code\r\n"


def sample(kind: str) -> bytes:
    return (SAMPLES / f"{kind}.csv").read_bytes()


@pytest.fixture
def world(system_user):
    for kind in ("members", "employers"):
        report = imports.run(kind, sample(kind), by=system_user)
        assert report.ok, report.errors


def imported(by, data=None, **kw):
    return imports.run("dispatches", data or sample("dispatches"), by=by, **kw)


def dispatch_of(card, employer, start):
    return Dispatch.objects.get(member__card_number=card, employer__code=employer, start_date=start)


def test_the_sample_imports_ended_dispatches_as_they_ended_and_open_ones_on_the_job(world, dispatcher):
    report = imported(dispatcher)
    assert report.ok, report.errors
    assert report.created == 10
    laid_off = dispatch_of("0012346", "EMP0101", datetime.date(2024, 3, 4))
    assert (laid_off.status, laid_off.end_reason, laid_off.end_date) == (
        DispatchStatus.COMPLETED,
        EndReason.LAID_OFF,
        datetime.date(2024, 9, 30),
    )
    assert dispatch_of("0012347", "EMP0103", datetime.date(2024, 11, 12)).status == DispatchStatus.TERMINATED
    assert dispatch_of("0012352", "EMP0103", datetime.date(2024, 7, 8)).status == DispatchStatus.TERMINATED
    on_the_job = dispatch_of("0012348", "EMP0102", datetime.date(2025, 7, 14))
    assert (on_the_job.status, on_the_job.type, on_the_job.wage_rate) == ("accepted", "by_name", Decimal("64.90"))
    assert dispatch_of("0012345", "EMP0102", datetime.date(2024, 6, 3)).type == "short_call"
    created = on_the_job.history.get()
    assert (created.history_user, created.history_change_reason) == (dispatcher, CHANGE_REASON)


def test_dispatches_of_one_employer_year_and_book_share_one_history_request(world, dispatcher):
    assert imported(dispatcher).ok
    request = dispatch_of("0012345", "EMP0101", datetime.date(2024, 3, 4)).job_request
    assert (request.is_history, request.start_date) == (True, datetime.date(2024, 1, 1))
    assert (request.status, request.workers_wanted, request.book_classification, request.region) == (
        "filled",
        3,
        "inside_wireperson",
        "seattle",
    )
    assert sorted(request.dispatches.values_list("member__card_number", flat=True)) == ["0012345", "0012346", "0012349"]
    technician = dispatch_of("0012352", "EMP0103", datetime.date(2024, 7, 8)).job_request
    assert technician.book_classification == "technician"
    assert JobRequest.objects.filter(is_history=True).count() == 8  # 10 dispatches, 3 on one request
    assert request.history.get().history_user == dispatcher


def test_re_running_the_file_changes_nothing(world, dispatcher):
    assert imported(dispatcher).ok
    histories = Dispatch.history.count() + JobRequest.history.count()
    again = imported(dispatcher)
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert "Nothing to change" in again.summary()
    assert Dispatch.history.count() + JobRequest.history.count() == histories


def test_a_changed_end_date_updates_the_dispatch_with_a_history_row(world, system_user, dispatcher):
    assert imported(system_user).ok
    changed = sample("dispatches").replace(b"03/04/2024,09/30/2024", b"03/04/2024,10/04/2024")
    changed = changed.replace(b"07/14/2025,,by_name,,", b"07/14/2025,08/29/2025,by_name,quit,")
    report = imported(dispatcher, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 8), report.errors
    moved = dispatch_of("0012346", "EMP0101", datetime.date(2024, 3, 4))
    assert moved.end_date == datetime.date(2024, 10, 4)
    latest = moved.history.latest()
    assert (latest.history_user, latest.history_change_reason, latest.history_type) == (dispatcher, CHANGE_REASON, "~")
    ended = dispatch_of("0012348", "EMP0102", datetime.date(2025, 7, 14))
    assert (ended.status, ended.end_reason) == (DispatchStatus.TERMINATED, EndReason.QUIT)


def test_bad_rows_are_each_named_and_nothing_is_written(world, system_user):
    rows = [
        b"0012345,EMP0101,05/01/2024,04/30/2024,normal,laid_off,62.15,",  # line 2: ends before it starts
        b"0012345,EMP9999,05/01/2024,05/30/2024,normal,laid_off,62.15,",  # line 3: unknown employer
        b"0099999,EMP0101,05/01/2024,05/30/2024,normal,laid_off,62.15,",  # line 4: unknown member
        b"0012346,EMP0101,05/01/2024,,normal,quit,62.15,",  # line 5: an end reason without an end
        b"0012346,EMP0102,05/01/2024,05/20/2024,normal,,62.15,",  # line 6: an end without a reason
        b"0012347,EMP0101,02/30/2024,,normal,,62.15,",  # line 7: a date that does not exist
        b"0012348,EMP0101,05/01/2024,,normal,,-1.00,WIRE_XYZ_1",  # line 8: negative wage, unknown book
        b"0012349,EMP0101,05/01/2024,,normal,,62.15,",  # line 9: open ...
        b"0012349,EMP0102,06/01/2024,,normal,,62.15,",  # line 10: ... and open again
        b"0012350,EMP0101,05/01/2024,05/30/2024,normal,laid_off,62.15,",  # line 11: ...
        b"0012350,EMP0101,05/01/2024,06/30/2024,normal,laid_off,62.15,",  # line 12: the same dispatch twice
    ]
    report = imported(system_user, HEADER + b"\r\n".join(rows) + b"\r\n")
    assert {(e.line, e.column) for e in report.errors} == {
        (2, "end_date"),
        (3, "employer_code"),
        (4, "card_number"),
        (5, "end_reason"),
        (6, "end_reason"),
        (7, "start_date"),
        (8, "wage_rate"),
        (8, "book_code"),
        (10, "end_date"),
        (12, "start_date"),
    }
    assert "line 9" in next(e.reason for e in report.errors if e.line == 10)
    assert "line 11" in next(e.reason for e in report.errors if e.line == 12)
    assert "import employers first" in next(e.reason for e in report.errors if e.line == 3)
    assert not Dispatch.objects.exists()
    assert not JobRequest.objects.exists()


def test_an_open_dispatch_for_a_member_already_on_the_job_is_a_row_error(world, system_user):
    assert imported(system_user).ok
    again = HEADER + b"0012348,EMP0101,09/02/2025,,normal,,62.15,\r\n"
    report = imported(system_user, again)
    assert [(e.line, e.column) for e in report.errors] == [(2, "end_date")]
    assert "already on the job" in report.errors[0].reason
    # Ending the first job in the same file frees the member for the next one.
    both = again + b"0012348,EMP0102,07/14/2025,08/29/2025,by_name,laid_off,64.90,WIRE_SEA_1\r\n"
    report = imported(system_user, both)
    assert (report.created, report.updated) == (1, 1), report.errors
    assert Dispatch.objects.get(member__card_number="0012348", status="accepted").employer.code == "EMP0101"


def test_an_ended_dispatch_does_not_reopen(world, system_user):
    assert imported(system_user).ok
    reopened = sample("dispatches").replace(b"2024-11-12,2025-01-10,normal,quit,", b"2024-11-12,,normal,,")
    report = imported(system_user, reopened)
    assert [(e.line, e.column) for e in report.errors] == [(9, "end_date")]
    assert dispatch_of("0012347", "EMP0103", datetime.date(2024, 11, 12)).status == DispatchStatus.TERMINATED


def test_a_dry_run_writes_no_dispatch(world, system_user):
    report = imported(system_user, dry_run=True)
    assert (report.created, report.written) == (10, False)
    assert not Dispatch.objects.exists()
    assert not JobRequest.objects.exists()


def test_an_imported_open_dispatch_is_ended_by_the_dispatcher_as_any_other(world, system_user, dispatcher):
    assert imported(system_user).ok
    on_the_job = dispatch_of("0012350", "EMP0101", datetime.date(2025, 8, 4))
    services.dispatch_end(
        dispatch_id=on_the_job.pk, by=dispatcher, end_reason=EndReason.LAID_OFF, end_date=datetime.date(2025, 8, 6)
    )
    on_the_job.refresh_from_db()
    assert on_the_job.status == DispatchStatus.COMPLETED
