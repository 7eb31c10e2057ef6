"""LaborPower imports (issue 10): each sample file imports, a re-run changes nothing, a bad file
writes nothing and names every bad row, APNs and encodings survive."""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dispatch.models import Employer
from members.models import Member, MemberTransaction
from referral.models import BookRegistration, ReferralBook
from referral.selectors import out_of_work_list
from unioncore import imports
from unioncore.imports import CHANGE_REASON

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"


def sample(kind: str) -> bytes:
    return (SAMPLES / f"{kind}.csv").read_bytes()


def rows_of(kind: str) -> list[dict]:
    text = sample(kind).decode("utf-8-sig" if kind != "members" else "cp1252")
    return list(csv.DictReader(io.StringIO(text)))


def run(kind, data, by, **kw):
    return imports.run(kind, data, by=by, **kw)


@pytest.fixture
def members_in(system_user):
    report = run("members", sample("members"), system_user)
    assert report.ok, report.errors
    return report


def test_members_sample_imports_with_card_numbers_as_text(members_in):
    assert members_in.created == 9
    member = Member.objects.get(card_number="0012345")
    assert member.phone.as_e164 == "+12065550134"
    assert Member.objects.filter(card_number="0004410").exists(), "leading zeros kept"


def test_windows_1252_file_keeps_accented_names(members_in):
    assert sample("members").decode("cp1252")  # the sample really is Windows-1252
    with pytest.raises(UnicodeDecodeError):
        sample("members").decode("utf-8")
    member = Member.objects.get(card_number="0012345")
    assert (member.first_name, member.last_name) == ("José", "Álvarez")
    assert Member.objects.get(card_number="0012347").first_name == "Siobhán"


def test_utf8_with_bom_file_imports_with_clean_first_column(system_user):
    assert sample("employers").startswith(b"\xef\xbb\xbf")
    report = run("employers", sample("employers"), system_user)
    assert report.ok, report.errors
    assert report.created == 5
    employer = Employer.objects.get(code="EMP0103")
    assert employer.name == "Olympic Signal & Comm — Kitsap"
    assert sorted(employer.contracts.values_list("contract_code", flat=True)) == ["LFM", "S&C"]
    assert employer.contacts.get().name == "Renée Dubois"


def test_registrations_sample_imports_and_apns_survive_exactly(members_in, system_user):
    report = run("registrations", sample("registrations"), system_user)
    assert report.ok, report.errors
    assert report.created == 9
    for row in rows_of("registrations"):
        registration = BookRegistration.objects.get(member__card_number=row["card_number"], book__code=row["book_code"])
        assert registration.apn == Decimal(row["apn"]), row
    assert str(BookRegistration.objects.get(book__code="WIRE_SEA_1", member__card_number="0012346").apn) == "45810.02"
    exempt = BookRegistration.objects.get(book__code="WIRE_SEA_1", member__card_number="0012349")
    assert exempt.is_exempt
    assert exempt.exempt_reason == "military"


def test_referral_order_after_import_is_the_files_order(members_in, system_user):
    report = run("registrations", sample("registrations"), system_user)
    assert report.ok, report.errors
    for code in ("WIRE_SEA_1", "WIRE_SEA_2"):
        # An exempt member keeps the place but is not available for referral (decision 0028).
        expected = [r["card_number"] for r in rows_of("registrations") if r["book_code"] == code and r["exempt"] != "Y"]
        book = ReferralBook.objects.get(code=code)
        assert [r.member.card_number for r in out_of_work_list(book=book)] == expected


def test_ledger_sample_imports(members_in, system_user):
    report = run("ledger", sample("ledger"), system_user)
    assert report.ok, report.errors
    assert report.created == 8
    fee = MemberTransaction.objects.get(external_ref="LP-FEE-000106")
    assert fee.amount == Decimal("1200.00")
    assert fee.source == "laborpower"
    assert MemberTransaction.objects.get(external_ref="LP-DUES-000104").period.isoformat() == "2025-02-01"


@pytest.mark.parametrize("kind", ["members", "employers", "registrations", "ledger"])
def test_re_running_a_sample_changes_nothing(kind, members_in, system_user):
    if kind != "members":
        assert run(kind, sample(kind), system_user).ok
    histories = _history_count()
    again = run(kind, sample(kind), system_user)
    assert again.ok, again.errors
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == again.rows
    assert "Nothing to change" in again.summary()
    assert _history_count() == histories, "a re-run wrote history rows"


def _history_count() -> int:
    return (
        sum(m.history.count() for m in (Member, MemberTransaction, Employer, BookRegistration))
        + Employer.contracts.rel.related_model.history.count()
    )


def test_a_changed_row_updates_with_a_history_row_naming_the_user_and_reason(members_in, system_user, dispatcher):
    changed = sample("members").replace(b"Kowalski,Piotr,,", b"Kowalski,Peter,,")
    report = run("members", changed, dispatcher)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 8), report.errors
    member = Member.objects.get(card_number="0012348")
    assert member.first_name == "Peter"
    latest = member.history.latest()
    assert latest.history_user == dispatcher
    assert latest.history_change_reason == CHANGE_REASON
    created = member.history.earliest()
    assert (created.history_user, created.history_change_reason) == (system_user, CHANGE_REASON)


def test_registration_history_names_the_import(members_in, dispatcher):
    assert run("registrations", sample("registrations"), dispatcher).ok
    history = BookRegistration.objects.get(book__code="WIRE_SEA_1", member__card_number="0012345").history.first()
    assert (history.history_user, history.history_change_reason) == (dispatcher, CHANGE_REASON)


def test_three_broken_rows_are_all_reported_and_nothing_is_written(system_user):
    text = sample("members").decode("cp1252").splitlines()
    text[2] = text[2].replace("0012346", "00A2346")  # line 3: card number not digits
    text[5] = text[5].replace("inside_wireperson", "astronaut")  # line 6: unknown classification
    text[8] = text[8].replace("0012352", "0012345")  # line 9: card number twice in the file
    report = run("members", "\r\n".join(text).encode("cp1252"), system_user)
    assert not report.ok
    assert {(e.line, e.column) for e in report.errors} == {
        (3, "card_number"),
        (6, "classification"),
        (9, "card_number"),
    }
    assert "line 2" in next(e.reason for e in report.errors if e.line == 9)
    assert Member.objects.count() == 0


def test_one_bad_registration_writes_nothing(members_in, system_user):
    text = sample("registrations").decode().replace("45810.02", "45810.025").replace("WIRE_BRE_1", "WIRE_XYZ_9")
    text = text.replace("06/05/2025", "02/30/2025")
    report = run("registrations", text.encode(), system_user)
    assert {(e.line, e.column) for e in report.errors} == {(4, "apn"), (10, "book_code"), (10, "registered")}
    assert "exist" in next(e.reason for e in report.errors if e.column == "registered")
    assert BookRegistration.objects.count() == 0


def test_a_member_referenced_before_it_exists_is_a_row_error(system_user):
    report = run("ledger", sample("ledger"), system_user)
    assert len(report.errors) == 8
    assert all("import members first" in e.reason for e in report.errors)
    assert MemberTransaction.objects.count() == 0


def test_a_missing_column_rejects_the_file_and_an_extra_one_is_ignored(system_user):
    data = sample("employers").replace(b"employer_code,name", b"employer,name", 1)
    report = run("employers", data, system_user)
    assert {(e.line, e.column) for e in report.errors} == {(1, "employer_code")}
    assert [(w.line, w.column, w.severity) for w in report.warnings] == [(1, "employer", "warning")]
    assert Employer.objects.count() == 0


def test_dry_run_writes_nothing_and_says_what_would_change(members_in, system_user):
    changed = sample("members").replace(b"Kowalski,Piotr,,", b"Kowalski,Peter,,")
    changed += b"0099001,Test,Ana,,inside_wireperson,active,,,,Seattle,WA,98101\r\n"
    histories = _history_count()
    report = run("members", changed, system_user, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 8)
    assert "Dry run" in report.summary()
    assert Member.objects.get(card_number="0012348").first_name == "Piotr"
    assert not Member.objects.filter(card_number="0099001").exists()
    assert _history_count() == histories


def test_command_reports_errors_to_a_csv_and_fails(tmp_path, system_user):
    bad = tmp_path / "members.csv"
    bad.write_bytes(sample("members").replace(b"0012346", b"12A"))
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_laborpower", "members", str(bad), "--report", str(report), stderr=io.StringIO())
    rows = list(csv.DictReader(report.open()))
    assert [(r["line"], r["column"], r["value"]) for r in rows] == [("3", "card_number", "12A")]
    assert Member.objects.count() == 0


def test_command_imports_as_the_named_user(dispatcher):
    out = io.StringIO()
    call_command(
        "import_laborpower", "members", str(SAMPLES / "members.csv"), "--user", dispatcher.username, stdout=out
    )
    assert "9 created" in out.getvalue()
    assert Member.objects.get(card_number="0012345").history.get().history_user == dispatcher
    call_command("import_laborpower", "members", str(SAMPLES / "members.csv"), "--dry-run", stdout=out)
    assert "0 created, 0 updated, 9 unchanged" in out.getvalue()


def test_changed_contract_codes_and_contact_update_the_employer(system_user, dispatcher):
    assert run("employers", sample("employers"), system_user).ok
    changed = sample("employers").replace(b"WIREPERSON;S&C,Mary Okafor,Office Manager", b"S&C;LFM,Mary Okafor,Owner")
    report = run("employers", changed, dispatcher)
    assert (report.updated, report.unchanged) == (1, 4), report.errors
    employer = Employer.objects.get(code="EMP0101")
    assert sorted(employer.contracts.values_list("contract_code", flat=True)) == ["LFM", "S&C"]
    contact = employer.contacts.get()
    assert contact.title == "Owner"
    assert contact.history.latest().history_user == dispatcher


def test_unknown_contract_code_is_a_row_error(system_user):
    report = run("employers", sample("employers").replace(b"MARINE", b"SUBMARINE"), system_user)
    assert [(e.line, e.column) for e in report.errors] == [(5, "contract_codes")]
    assert Employer.objects.count() == 0


def test_a_changed_registration_row_updates_check_marks(members_in, system_user, dispatcher):
    assert run("registrations", sample("registrations"), system_user).ok
    changed = sample("registrations").replace(b"45810.02,06/04/2025 08:31,,1,", b"45810.02,06/04/2025 08:31,,2,")
    report = run("registrations", changed, dispatcher)
    assert (report.updated, report.unchanged) == (1, 8), report.errors
    registration = BookRegistration.objects.get(book__code="WIRE_SEA_1", member__card_number="0012346")
    assert registration.check_marks == 2
    assert registration.history.latest().history_user == dispatcher


def test_a_registration_at_another_apn_is_refused(members_in, system_user):
    assert run("registrations", sample("registrations"), system_user).ok
    moved = sample("registrations").replace(b"45810.02", b"45812.02")
    report = run("registrations", moved, system_user)
    assert [(e.line, e.column) for e in report.errors] == [(4, "apn")]
    assert "45810.02" in report.errors[0].reason


def test_a_ledger_reference_imported_with_other_values_is_refused(members_in, system_user):
    assert run("ledger", sample("ledger"), system_user).ok
    report = run("ledger", sample("ledger").replace(b"48.50,,LP-PAY-000102", b"50.00,,LP-PAY-000102"), system_user)
    assert [(e.line, e.column) for e in report.errors] == [(3, "amount")]


def test_an_exemption_without_an_end_date_is_imported_open_ended_and_flagged(members_in, system_user):
    data = (
        b"card_number,book_code,apn,registered,exempt,exempt_reason,exempt_until\n"
        b'0012346,WIRE_SEA_1,"45,810.02",06/04/2025 08:31,Y,traveling,\n'
    )
    report = run("registrations", data, system_user)
    assert report.ok, report.errors
    (warning,) = report.warnings
    assert (warning.line, warning.column) == (2, "exempt_until")
    assert "open-ended and flagged for review" in warning.reason
    registration = BookRegistration.objects.get()
    assert registration.apn == Decimal("45810.02")  # LaborPower's thousands separator
    assert (registration.is_exempt, registration.exempt_until, registration.exemption_needs_review) == (
        True,
        None,
        True,
    )


def test_the_members_file_may_carry_the_home_local_and_region_as_laborpower_writes_them(system_user):
    data = (
        b"card_number,last_name,first_name,classification,LOCAL,REGION\n"
        b"0077001,Park,Karen,inside_wireperson,46,PT ANGELES\n"
        b"0077002,Moore,Sara,inside_wireperson,TC,\n"
    )
    report = run("members", data, system_user)
    assert report.ok, report.errors
    assert not report.warnings  # LOCAL is the home local: not an unknown column
    found = dict(Member.objects.values_list("card_number", "home_local"))
    assert found == {"0077001": "0046", "0077002": ""}
    assert Member.objects.get(card_number="0077001").preferred_region == "port_angeles"
