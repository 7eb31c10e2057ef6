"""LaborPower's Registration List imported as the hall exports it (issue 17): the samples shaped
like Local 46's real output (fixtures/laborpower/samples, a copy of shared/laborpower-samples),
every book and tier, the people found by name and home local. The books UnionCore then keeps
print the same ACT / REL, row for row, as LaborPower's own columns; the records export's APNs
agree with every row; and a second import changes nothing. Runs on PostgreSQL and on SQLite."""

import csv
import datetime
import io
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import time_machine

from members.models import Member
from members.selectors import parse_listed_name
from members.tests.factories import MemberFactory
from referral import selectors
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, ReferralBook
from unioncore import imports
from unioncore.imports.base import header_key
from unioncore.testing import at

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower" / "samples"
BOOKS = {
    "wire-seattle": "WIRE SEATTLE", "wire-bremerton": "WIRE BREMERTON", "wire-pt-angeles": "WIRE PT ANGELES",
    "tradeshow": "TRADESHOW", "technician": "TECHNICIAN", "stockman": "STOCKMAN", "tero-appr-wire": "TERO APPR WIRE",
    "utility-worker": "UTILITY WORKER",
}  # fmt: skip
CUT_OVER = datetime.date(2026, 2, 2)  # the day of the hall's real export


def printed(stem: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((SAMPLES / "registration-list-printed" / f"{stem}.csv").read_text())))


def local_of(raw: str) -> str:
    return raw.zfill(4) if raw.isdigit() and int(raw) else ""


@pytest.fixture
def hall_members():
    """The members the Access database would bring: one per person of the lists. A (name, local)
    that a tier lists twice is two people; every name several members share gets its card number
    on the rows (what staff do to settle an ambiguous match). Returns stem -> the file's bytes."""
    lists = {stem: printed(stem) for stem in BOOKS}
    people: Counter = Counter()
    for rows in lists.values():
        per_tier = Counter((r["BOOK #"], r["NAME"], r["LOCAL"]) for r in rows)
        for (_tier, name, local), n in per_tier.items():
            people[name, local] = max(people[name, local], n)
    cards: dict[tuple, list[str]] = {}
    for (name, local), n in sorted(people.items()):
        last, _, given = name.partition(", ")
        first, *middle = given.split()
        cards[name, local] = [
            MemberFactory(
                last_name=last.title(),
                first_name=first.title(),
                middle_name=" ".join(middle),
                home_local=local_of(local),
            ).card_number
            for _ in range(n)
        ]
    # Members sharing a last and first name (a middle initial or a local may still tell them
    # apart, but not always: the test settles every such row, as staff would).
    shared = Counter(parse_listed_name(name)[:2] for name, local in cards for _ in cards[name, local])
    files = {}
    for stem, rows in lists.items():
        seen: Counter = Counter()
        out = io.StringIO()
        writer = csv.DictWriter(out, [*rows[0].keys(), "card_number"])
        writer.writeheader()
        for row in rows:
            key = (row["NAME"], row["LOCAL"])
            nth = seen[row["BOOK #"], key]
            seen[row["BOOK #"], key] += 1
            namesakes = shared[parse_listed_name(row["NAME"])[:2]]
            writer.writerow({**row, "card_number": cards[key][nth] if namesakes > 1 else ""})
        files[stem] = out.getvalue().encode()
    return files


def import_book(stem, data, by, **options):
    options = {"book": BOOKS[stem], "re_sign_from": CUT_OVER, **options}
    with time_machine.travel(at(CUT_OVER, 18), tick=False):
        return imports.run("registration_list", data, by=by, options=options)


def test_the_samples_import_and_the_books_print_laborpowers_act_rel_row_for_row(hall_members, dispatcher):
    for stem, data in hall_members.items():
        report = import_book(stem, data, dispatcher)
        assert report.ok, (stem, report.errors[:5])
        assert report.created == len(printed(stem)), stem
        assert not [w for w in report.warnings if w.column == "position"], (stem, report.warnings[:3])

    for stem in BOOKS:
        by_tier = defaultdict(list)
        for row in printed(stem):
            by_tier[int(row["BOOK #"])].append(row)
        for tier, rows in by_tier.items():
            book = ReferralBook.objects.get(laborpower_name=BOOKS[stem], book_number=tier)
            shown = [
                (str(r.registration_number), f"{r.act:04d} / {r.rel:04d}", r.work_status, r.check_marks or "")
                for r in selectors.registration_list(book=book)
            ]
            expected = [
                (r["REG. #"], r["POSITION (ACT/REL)"], r["STATUS"], int(r["CHECK"]) if r["CHECK"] else "") for r in rows
            ]
            assert shown == expected, (stem, tier)


def test_every_status_word_lands_as_state_and_exemption_and_nobody_owes_a_re_sign_before_the_period(
    hall_members, dispatcher
):
    for stem, data in hall_members.items():
        assert import_book(stem, data, dispatcher).ok
    registrations = BookRegistration.objects.select_related("member")
    words = Counter(r.work_status for r in registrations)
    assert {"UNEMPLOYED", "WORKING", "TRAVELING", "SALTING", "SICK LIST", "SHORT CALL"} <= set(words)
    working = registrations.filter(status=RegistrationStatus.DISPATCHED)
    assert working.count() == words["WORKING"]  # working members stay on the book
    exempt = registrations.filter(is_exempt=True)
    assert exempt.count() == words["TRAVELING"] + words["SALTING"] + words["SICK LIST"]
    assert set(exempt.values_list("exemption_needs_review", flat=True)) == {True}
    assert set(exempt.values_list("exempt_until", flat=True)) == {None}  # LaborPower gives no end date
    # The re-sign clock starts on the cut-over day: nobody is due before a whole period.
    assert set(registrations.values_list("re_sign_due", flat=True)) == {CUT_OVER + datetime.timedelta(days=30)}
    assert set(registrations.values_list("last_re_signed_at", flat=True)) == {None}


def test_a_second_import_of_the_same_lists_changes_nothing(hall_members, dispatcher):
    for stem, data in hall_members.items():
        assert import_book(stem, data, dispatcher).ok
    count = BookRegistration.objects.count()
    for stem, data in hall_members.items():
        again = import_book(stem, data, dispatcher)
        assert again.ok, again.errors[:3]
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(printed(stem))), stem
    assert BookRegistration.objects.count() == count


def test_the_records_export_agrees_with_every_apn_the_list_gave(hall_members, dispatcher):
    for stem, data in hall_members.items():
        assert import_book(stem, data, dispatcher).ok
    records = (SAMPLES / "registration-list-records.csv").read_bytes()
    report = imports.run("registration_apns", records, by=dispatcher)
    assert report.ok, report.errors[:3]
    rows = records.decode().count("\n") - 1
    assert (report.unchanged, report.updated) == (rows, 0)  # the APN is the time's serial to 0.01 day
    apns = Counter((r.book_id, r.apn) for r in BookRegistration.objects.all())
    assert any(n > 1 for n in apns.values()), "the samples repeat APNs within a tier"


def test_an_ambiguous_name_is_listed_for_staff_and_nothing_is_written(hall_members, dispatcher):
    data = hall_members["wire-seattle"].decode()
    header = data.splitlines()[0].split(",")
    assert header_key(header[-1]) == "card_number"
    without_cards = "\n".join(line.rsplit(",", 1)[0] for line in data.splitlines()).encode()
    report = import_book("wire-seattle", without_cards, dispatcher)
    ambiguous = [e for e in report.errors if "members match" in e.reason]
    assert ambiguous, "the samples have names several members share"
    assert all("Give the row's card_number" in e.reason and e.column == "name" for e in ambiguous)
    assert not report.written
    assert not BookRegistration.objects.exists()


def test_a_person_without_a_member_and_a_book_without_that_tier_are_row_errors(dispatcher):
    MemberFactory(last_name="Park", first_name="Karen", middle_name="K", home_local="0046")
    data = (
        b"BOOK #,REG. #,NAME,LOCAL,REG. DATE & TIME,POSITION (ACT/REL),CHECK,STATUS,REGION\n"
        b'1,8551,"PARK, KAREN K",0046,10/20/2014 2:00:05 PM,0001 / 0001,,UNEMPLOYED,SEATTLE\n'
        b'1,8552,"NOBODY, ANNA",0046,10/20/2014 2:10:05 PM,0002 / 0002,,UNEMPLOYED,\n'
        b'7,8553,"PARK, KAREN K",0046,10/20/2014 2:20:05 PM,0001 / 0001,,UNEMPLOYED,\n'
        b'1,8554,"PARK, KAREN K",0046,10/20/2014 2:30:05 PM,0003 / 0003,,RETIRED,\n'
    )
    report = import_book("wire-seattle", data, dispatcher)
    errors = {(e.line, e.column): e.reason for e in report.errors}
    assert "No member named NOBODY, ANNA (local 0046)" in errors[3, "name"]
    assert "No book WIRE SEATTLE : 7 (its tiers here are 1, 2, 3, 4)" in errors[4, "tier"]
    assert "Unknown value" in errors[5, "status"]
    assert not BookRegistration.objects.exists()


def test_the_member_is_matched_by_name_with_middle_initial_and_local_deciding_between_namesakes(dispatcher):
    ours = MemberFactory(last_name="O'Brien", first_name="Siobhán", middle_name="M", home_local="0046")
    MemberFactory(last_name="OBrien", first_name="Siobhan", middle_name="M", home_local="0076")
    MemberFactory(last_name="O'Brien", first_name="Siobhan", middle_name="Q", home_local="0046")
    data = (
        b"BOOK #,NAME,LOCAL,REG. DATE & TIME,STATUS,REGION\n"
        b'1,"O\'BRIEN, SIOBHAN M",46,11/23/2017 12:53:26 PM,UNEMPLOYED,PT ANGELES\n'
    )
    report = import_book("tradeshow", data, dispatcher)
    assert report.ok, report.errors
    registration = BookRegistration.objects.get()
    assert registration.member == ours
    ours.refresh_from_db()
    assert (ours.home_local, ours.preferred_region) == ("0046", "port_angeles")
    assert parse_listed_name("O'BRIEN, SIOBHAN M") == ("obrien", "siobhan", "m")
    assert Member.objects.count() == 3


def test_every_status_word_of_laborpower_round_trips_through_the_books(dispatcher):
    """fixtures/laborpower/registration-list.csv: several books in one file (a Book_name column),
    all seven STATUS words, a shared APN, a license flag, LOCAL written 46 and TC."""
    fixtures = SAMPLES.parent
    assert imports.run("members", (fixtures / "members.csv").read_bytes(), by=dispatcher).ok
    data = (fixtures / "registration-list.csv").read_bytes()
    with time_machine.travel(at(CUT_OVER, 18), tick=False):
        report = imports.run("registration_list", data, by=dispatcher)
    assert report.ok, report.errors
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    words = {r["STATUS"] for r in rows}
    assert words == {"UNEMPLOYED", "WORKING", "SHORT CALL", "TRAVELING", "SALTING", "SICK LIST", "UNDERSCALE"}
    shown = {
        (r.book.laborpower_name, r.registration_number): r.work_status
        for r in BookRegistration.objects.select_related("book", "member")
    }
    assert shown == {(r["Book_name"], int(r["REG. #"])): r["STATUS"] for r in rows}
    assert Member.objects.get(card_number="0012346").home_local == "0046"  # LOCAL written 46
    assert Member.objects.get(card_number="0012350").home_local == ""  # TC names no local
    assert set(Member.objects.filter(skills__skill__code="el06").values_list("card_number", flat=True)) == {
        "0012352",
        "0012351",
    }
    notes = [w for w in report.warnings if w.line == 0]
    (note,) = notes
    assert "starts 02/02/2026" in note.reason  # the re-sign clock starts on the day of the import, and says so
