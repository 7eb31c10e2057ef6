"""LaborPower's employer lists (issue 17, decision 0026): the sample export imports as it comes —
one employer per name with every list it is on, repeats merged (the latest bond wins), a junk
phone blank with a warning, "46" and "0046" one local — a re-import changes nothing, and a bad
row refuses the whole file. Expected figures come from the sample file itself."""

import csv
import datetime
import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from dispatch.enums import LABORPOWER_GROUPS
from dispatch.laborpower.employer_lists import employer_code_for, employer_name_key
from dispatch.models import Employer, EmployerContract
from dispatch.tests.factories import EmployerContractFactory, EmployerFactory
from unioncore import imports, tasks
from unioncore.imports import CHANGE_REASON
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import check_uploaded_imports

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower" / "employer-lists.csv"


def sample() -> bytes:
    return SAMPLE.read_bytes()


def run(data: bytes, by, **kw):
    return imports.run("employer_lists", data, by=by, **kw)


def bond_of(text: str) -> datetime.date | None:
    return datetime.datetime.strptime(text, "%m/%d/%Y").date() if text else None


def sample_rows() -> list[dict]:
    """The sample's rows as csv reads them, with their line numbers (the header is line 1)."""
    rows = list(csv.DictReader(io.StringIO(sample().decode("utf-8-sig"))))
    for line, row in enumerate(rows, start=2):
        row["line"] = line
        row["key"] = employer_name_key(row["NAME"])
        row["code"] = LABORPOWER_GROUPS[row["LIST"]].value
        row["order"] = (bond_of(row["BOND EXPIRES"]) or datetime.date.min, line)
    return rows


def by_employer(rows) -> dict[str, list[dict]]:
    """name key -> its rows, the latest bond first (then the later line)."""
    found = defaultdict(list)
    for row in rows:
        found[row["key"]].append(row)
    return {key: sorted(rs, key=lambda r: r["order"], reverse=True) for key, rs in found.items()}


def e164(text: str) -> str | None:
    digits = "".join(c for c in text if c.isdigit())
    return f"+1{digits}" if len(digits) == 10 else None


@pytest.fixture
def imported(system_user):
    report = run(sample(), system_user)
    assert report.ok, report.errors[:5]
    assert report.written
    return report


def test_every_row_of_the_sample_imports_one_employer_per_name(imported, system_user):
    rows = sample_rows()
    employers = by_employer(rows)
    assert imported.rows == len(rows)
    assert imported.created == len(employers) == Employer.objects.count()
    assert (imported.updated, imported.unchanged) == (0, 0)
    assert set(Employer.objects.values_list("name_key", flat=True)) == set(employers)
    assert EmployerContract.objects.count() == len({(r["key"], r["code"]) for r in rows})
    employer = Employer.objects.get(name_key=rows[0]["key"])
    assert (employer.name, employer.code) == (rows[0]["NAME"], employer_code_for(rows[0]["key"]))
    history = employer.history.get()
    assert (history.history_user, history.history_change_reason) == (system_user, CHANGE_REASON)


def test_an_employer_on_several_lists_holds_every_contract_code(imported):
    employers = by_employer(sample_rows())
    several = {key: {r["code"] for r in rs} for key, rs in employers.items() if len({r["code"] for r in rs}) > 1}
    assert several, "the sample has employers on several lists"
    held = defaultdict(set)
    for key, code in EmployerContract.objects.values_list("employer__name_key", "contract_code"):
        held[key].add(code)
    assert held == {key: {r["code"] for r in rs} for key, rs in employers.items()}


def test_repeats_in_one_list_are_merged_and_the_latest_bond_wins(imported):
    rows = sample_rows()
    lists = defaultdict(list)
    for row in rows:
        lists[row["key"], row["code"]].append(row)
    repeated = {k: sorted(rs, key=lambda r: r["order"], reverse=True) for k, rs in lists.items() if len(rs) > 1}
    assert repeated, "the sample repeats employers within a list"
    contracts = {(c.employer.name_key, c.contract_code): c for c in EmployerContract.objects.select_related("employer")}
    for (key, code), same in repeated.items():
        contract = contracts[key, code]
        assert contract.bond_expires == bond_of(same[0]["BOND EXPIRES"]), same
        assent = next((r["ASSENT"] for r in same if r["ASSENT"]), "")
        assert contract.assent == assent, same
    merged = {w.line for w in imported.warnings if w.column == "name" and "merged with line" in w.reason}
    assert merged == {r["line"] for same in repeated.values() for r in same[1:]}


def test_each_list_keeps_its_own_bond_and_assent(imported):
    for (key, code), contract in {
        (c.employer.name_key, c.contract_code): c for c in EmployerContract.objects.select_related("employer")
    }.items():
        same = sorted(
            (r for r in sample_rows() if (r["key"], r["code"]) == (key, code)), key=lambda r: r["order"], reverse=True
        )
        assert contract.bond_expires == bond_of(same[0]["BOND EXPIRES"])


def test_phone_fax_and_home_local_come_from_the_row_with_the_latest_bond(imported):
    for key, rows in by_employer(sample_rows()).items():
        employer = Employer.objects.get(name_key=key)
        phone = next(filter(None, (e164(r["PHONE"]) for r in rows)), None)
        fax = next(filter(None, (e164(r["FAX"]) for r in rows)), None)
        local = next((r["HOME LOCAL"].zfill(4) for r in rows if r["HOME LOCAL"]), "")
        assert (employer.phone.as_e164 if employer.phone else None) == phone, rows
        assert (employer.fax.as_e164 if employer.fax else None) == fax, rows
        assert employer.home_local == local, rows


def test_a_junk_phone_is_imported_blank_with_a_warning(imported, system_user):
    junk = [r for r in sample_rows() if r["PHONE"] and not e164(r["PHONE"])]
    assert junk, "the sample has a junk phone"
    warned = {(w.line, w.column, w.value) for w in imported.warnings if w.reason.startswith("Not a phone number")}
    assert warned == {(r["line"], "phone", r["PHONE"]) for r in junk}
    alone = run(b"LIST,NAME,PHONE,FAX\nWIREPERSON,Lonely Electric,(,206-555-0100\n", system_user)
    assert alone.ok, alone.errors
    assert sorted((w.line, w.column) for w in alone.warnings) == [(2, "list"), (2, "phone")], "list: the others"
    lonely = Employer.objects.get(name_key="lonely electric")
    assert lonely.phone is None
    assert lonely.fax.as_e164 == "+12065550100"


def test_46_and_0046_are_the_same_local(imported, system_user):
    employers = by_employer(sample_rows())
    short = {k for k, rs in employers.items() if next((r["HOME LOCAL"] for r in rs if r["HOME LOCAL"]), "") == "46"}
    assert short, "the sample writes 46 for the local an employer is kept with"
    assert set(Employer.objects.filter(name_key__in=short).values_list("home_local", flat=True)) == {"0046"}
    assert not Employer.objects.exclude(home_local="").exclude(home_local__regex=r"^[0-9]{4}$").exists()
    # The same lists writing 46 where they wrote 0046 change nothing.
    text = sample().decode()
    written_short = re.sub(r",0046(\r?)$", r",46\1", text, flags=re.MULTILINE)
    assert written_short.count(",46\r\n") > text.count(",46\r\n")
    report = run(written_short.encode(), system_user)
    assert report.ok, report.errors[:5]
    assert (report.created, report.updated, report.unchanged) == (0, 0, imported.created)


def test_importing_the_same_file_again_changes_nothing(imported, system_user):
    histories = Employer.history.count(), EmployerContract.history.count()
    again = run(sample(), system_user)
    assert again.ok, again.errors[:5]
    assert (again.created, again.updated, again.unchanged) == (0, 0, imported.created)
    assert "Nothing to change" in again.summary()
    assert (Employer.history.count(), EmployerContract.history.count()) == histories


def test_a_broken_row_refuses_the_whole_file_and_writes_nothing(system_user):
    lines = sample().decode().splitlines()
    lines[5] = lines[5].replace("WIREPERSON", "TREE TRIMMING", 1)  # line 6
    fields = lines[9].split(",")
    fields[1] = "02/30/2020"  # line 10: a bond date that does not exist
    lines[9] = ",".join(fields)
    report = run("\n".join(lines).encode(), system_user)
    assert not report.ok
    assert not report.written
    assert [(e.line, e.column) for e in report.errors] == [(6, "list"), (10, "bond_expires")]
    assert "TREE TRIMMING" in report.errors[0].reason
    assert "LT FXT MAINT" in report.errors[0].reason, "the error names the known lists"
    assert "not a date that exists" in report.errors[1].reason
    assert not Employer.objects.exists()
    assert not Employer.history.exists()


def test_a_single_list_without_a_list_column_takes_the_group_option(system_user):
    data = (
        b"Name,Bond Expires,Assent,Phone,Fax,Home Local,Notes\nCedar Power,03/14/2026,b,360-628-0820,,46,call first\n"
    )
    refused = run(data, system_user)
    assert [(e.line, e.column) for e in refused.errors] == [(2, "list")]
    assert "no LIST column" in refused.errors[0].reason
    report = run(data, system_user, options={"group": "LT FXT MAINT"})
    assert report.ok, report.errors
    assert [(w.line, w.column) for w in report.warnings] == [(1, "notes")], "the unknown column is ignored"
    employer = Employer.objects.get()
    assert (employer.home_local, employer.phone.as_e164) == ("0046", "+13606280820")
    contract = employer.contracts.get()
    assert (contract.contract_code, contract.bond_expires, contract.assent) == (
        "LFM",
        datetime.date(2026, 3, 14),
        "B",
    )


def test_an_employer_brought_in_with_its_code_is_found_by_its_name(system_user):
    known = EmployerFactory(code="EMP0103", name="Cedar Power, Inc.")
    EmployerContractFactory(employer=known, contract_code="MARINE")
    report = run(b"LIST,NAME,BOND EXPIRES\nWIREPERSON,CEDAR POWER INC,12/31/2027\n", system_user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 1)
    known.refresh_from_db()
    assert (known.code, known.name, known.name_key) == ("EMP0103", "Cedar Power, Inc.", "cedar power inc")
    assert set(known.contracts.values_list("contract_code", flat=True)) == {"MARINE", "WIREPERSON"}
    # Renamed in UnionCore, it is still the employer of that list name.
    Employer.objects.filter(pk=known.pk).update(name="Cedar Power (Bremerton)")
    again = run(b"LIST,NAME,BOND EXPIRES\nWIREPERSON,CEDAR POWER INC,12/31/2027\n", system_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_two_employers_of_one_name_are_a_row_error(system_user):
    EmployerFactory(code="A1", name="Sound Electric")
    EmployerFactory(code="B2", name="SOUND ELECTRIC")
    report = run(b"LIST,NAME\nWIREPERSON,Sound Electric\n", system_user)
    assert [(e.line, e.column) for e in report.errors] == [(2, "name")]
    assert "A1, B2" in report.errors[0].reason


def test_the_name_key_and_the_made_code():
    assert employer_name_key("Acme Electric, L.L.C.") == employer_name_key("ACME  ELECTRIC LLC") == "acme electric llc"
    assert employer_name_key("A & B Electric") == "a and b electric"
    assert employer_name_key("Acme Electric Inc") != employer_name_key("Acme Electric LLC")
    code = employer_code_for("pioneer technologies llc")
    assert code == employer_code_for("pioneer technologies llc"), "the same name makes the same code"
    assert code.startswith("PIONEERTECHNO-")
    assert len(code) == 20
    assert employer_code_for("pioneer technologies llc", 1) != code


def test_columns_are_found_by_name_in_any_order_and_spelling(system_user):
    data = (
        b"home local,Phone #,Employer Name,Group,Letter of Assent,Bond Exp,Fax Number\r\n"
        b"46,(206) 555-0134,Sound Electric,sound & comm,a,1/5/2027,\r\n"
    )
    report = run(data, system_user)
    assert report.ok, report.errors
    assert not report.warnings
    employer = Employer.objects.get()
    contract = employer.contracts.get()
    assert (employer.name, employer.home_local, employer.phone.as_e164, employer.fax) == (
        "Sound Electric",
        "0046",
        "+12065550134",
        None,
    )
    assert (contract.contract_code, contract.assent, contract.bond_expires) == ("S&C", "A", datetime.date(2027, 1, 5))


@pytest.mark.parametrize(
    ("group", "code"), [("LT FXT MAINT", "LFM"), ("lfm", "LFM"), ("# group tv & appl", "TV&APPL"), ("S&C", "S&C")]
)
def test_the_group_option_takes_laborpower_spellings_and_our_codes(system_user, group, code):
    report = run(b"NAME\nCedar Power\n", system_user, options={"group": group})
    assert report.ok, report.errors
    assert Employer.objects.get().contracts.get().contract_code == code


def test_an_unknown_group_option_is_refused_before_reading(system_user):
    report = run(b"NAME\nCedar Power\n", system_user, options={"group": "TREE TRIMMING"})
    assert [(e.line, e.column) for e in report.errors] == [(0, "option group")]
    assert not Employer.objects.exists()


def test_a_blank_list_cell_takes_the_group_option_and_without_it_is_a_row_error(system_user):
    data = b"LIST,NAME\nWIREPERSON,Cedar Power\n,Summit Power\n"
    refused = run(data, system_user)
    assert [(e.line, e.column) for e in refused.errors] == [(3, "list")]
    report = run(data, system_user, options={"group": "RESIDENTIAL"})
    assert report.ok, report.errors
    assert Employer.objects.get(name="Summit Power").contracts.get().contract_code == "RESIDENTIAL"


def test_a_bad_home_local_and_a_missing_name_are_row_errors(system_user):
    report = run(b"LIST,NAME,HOME LOCAL\nWIREPERSON,Cedar Power,TC\nWIREPERSON,,0046\n", system_user)
    assert [(e.line, e.column) for e in report.errors] == [(2, "home_local"), (3, "name")]
    assert not Employer.objects.exists()


def test_a_later_file_updates_bond_and_phone_and_keeps_codes_it_does_not_list(imported, system_user):
    employer = Employer.objects.filter(contracts__contract_code="WIREPERSON").order_by("pk").first()
    codes = set(employer.contracts.values_list("contract_code", flat=True))
    data = f"LIST,NAME,BOND EXPIRES,PHONE\nWIREPERSON,{employer.name},12/31/2030,206-555-0188\n".encode()
    report = run(data, system_user)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    employer.refresh_from_db()
    assert employer.phone.as_e164 == "+12065550188"
    assert set(employer.contracts.values_list("contract_code", flat=True)) == codes
    unlisted = EmployerContract.objects.filter(contract_code="WIREPERSON").count() - 1
    assert [(w.line, w.column) for w in report.warnings] == [(2, "list")]
    assert report.warnings[0].reason.startswith(f"{unlisted} employers in UnionCore hold WIREPERSON but are not on")
    assert Employer.objects.filter(contracts__contract_code="WIREPERSON").count() == unlisted + 1, "they keep it"
    wire = employer.contracts.get(contract_code="WIREPERSON")
    assert wire.bond_expires == datetime.date(2030, 12, 31)
    assert wire.history.first().history_change_reason == CHANGE_REASON


def test_a_blank_or_junk_value_never_erases_what_unioncore_holds(system_user):
    data = b"LIST,NAME,PHONE,FAX,BOND EXPIRES\nWIREPERSON,Lonely Electric,(,,\n"
    assert run(data, system_user).ok
    employer = Employer.objects.get()
    contract = employer.contracts.get()
    Employer.objects.filter(pk=employer.pk).update(phone="+12065550177", fax="+12065550178")  # staff corrected them
    type(contract).objects.filter(pk=contract.pk).update(bond_expires=datetime.date(2027, 6, 30))
    again = run(data, system_user)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    employer.refresh_from_db()
    assert (employer.phone.as_e164, employer.fax.as_e164) == ("+12065550177", "+12065550178")
    assert employer.contracts.get().bond_expires == datetime.date(2027, 6, 30)


# --- the command -------------------------------------------------------------------------------


def test_the_command_imports_the_sample_and_again_changes_nothing(system_user):
    employers = len(by_employer(sample_rows()))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_laborpower", "employer_lists", str(SAMPLE), stdout=out, stderr=err)
    assert f"{employers} created, 0 updated, 0 unchanged" in out.getvalue()
    assert "warning: Not a phone number: imported blank." in err.getvalue()
    assert Employer.objects.count() == employers
    out = io.StringIO()
    call_command("import_laborpower", "employer_lists", str(SAMPLE), stdout=out, stderr=io.StringIO())
    assert "Nothing to change" in out.getvalue()


def test_the_command_takes_the_group_of_a_single_list(tmp_path, system_user):
    path = tmp_path / "lt-fxt-maint.csv"
    path.write_bytes(b"BOND EXPIRES,ASSENT,NAME,PHONE,FAX,HOME LOCAL\r\n03/14/2027,A,CEDAR POWER,360-628-0820,,46\r\n")
    with pytest.raises(CommandError):
        call_command("import_laborpower", "employer_lists", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Employer.objects.exists()
    out = io.StringIO()
    call_command(
        "import_laborpower", "employer_lists", str(path), "--option", "group=LT FXT MAINT", stdout=out,
        stderr=io.StringIO(),
    )  # fmt: skip
    assert "Options: group=LFM." in out.getvalue()
    assert Employer.objects.get().contracts.get().contract_code == "LFM"


def test_the_command_refuses_a_broken_file_and_writes_nothing(tmp_path, system_user):
    path = tmp_path / "lists.csv"
    path.write_bytes(sample().replace(b"LT FXT MAINT", b"LT FIXT MAINT", 1))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_laborpower", "employer_lists", str(path), stdout=io.StringIO(), stderr=err)
    line = next(r["line"] for r in sample_rows() if r["LIST"] == "LT FXT MAINT")
    assert f"line {line}, list ('LT FIXT MAINT'): error: Unknown list" in err.getvalue()
    assert not Employer.objects.exists()


# --- the admin upload page ---------------------------------------------------------------------


@pytest.fixture
def as_dispatcher(client, dispatcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(dispatcher)
    return client


def upload(client, data: bytes, **options):
    """Upload on the admin page; the worker's dry run follows (run here)."""
    file = SimpleUploadedFile("employer-lists.csv", data, content_type="text/csv")
    fields = {f"employer_lists-{name}": value for name, value in options.items()}
    response = client.post(reverse("admin:unioncore_importjob_add"), {"kind": "employer_lists", "file": file, **fields})
    check_uploaded_imports()
    return response


def job_page(client, job) -> str:
    return client.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()


def test_the_admin_upload_checks_the_sample_and_the_confirmed_import_writes_it(as_dispatcher, dispatcher):
    employers = len(by_employer(sample_rows()))
    assert "employer_lists-group" in as_dispatcher.get(reverse("admin:unioncore_importjob_add")).content.decode()
    assert upload(as_dispatcher, sample()).status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.rows, job.created) == (ImportJobStatus.CHECKED, len(sample_rows()), employers)
    html = job_page(as_dispatcher, job)
    assert "Warnings" in html
    assert "Repeated on the WIREPERSON list: merged with line" in html
    assert any(w["reason"] == "Not a phone number: imported blank." for w in job.warnings), "in the CSV too"
    assert f"Import it now ({employers} created, 0 updated)" in html
    assert not Employer.objects.exists(), "the dry run writes nothing"
    as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert Employer.objects.count() == employers
    assert Employer.objects.first().history.get().history_user == dispatcher


def test_the_admin_upload_of_one_list_takes_its_group(as_dispatcher):
    data = b"BOND EXPIRES,ASSENT,NAME,PHONE,FAX,HOME LOCAL\r\n03/14/2027,A,CEDAR POWER,360-628-0820,,46\r\n"
    upload(as_dispatcher, data, group="MARINE")
    job = ImportJob.objects.get()
    assert (job.status, job.created, job.options) == (ImportJobStatus.CHECKED, 1, {"group": "MARINE"})
    as_dispatcher.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert Employer.objects.get().contracts.get().contract_code == "MARINE"


def test_the_admin_upload_lists_a_broken_row_and_cannot_be_confirmed(as_dispatcher):
    upload(as_dispatcher, sample().replace(b"# GROUP MARINE", b"# GROUP MARINA", 1))
    job = ImportJob.objects.get()
    assert job.errors
    html = job_page(as_dispatcher, job)
    assert "Rejected rows" in html
    assert "# GROUP MARINA" in html
    assert "Import it now" not in html
    assert not Employer.objects.exists()
