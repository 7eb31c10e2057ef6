"""LaborPower's Job Dispatch Registration List, as the hall prints it for each book (issue 17):
one row per registration, the tier in BOOK #, the person by NAME and LOCAL (no card number),
REG. DATE & TIME to the second, POSITION as ACT / REL, CHECK, STATUS, REGION; the technician
list adds license flags (EL06 ?). The book's own name is not a column of the printed list: it is
the `book` option (or a `Book_name` column when a file holds several books).

What lands where, and why, is in docs/imports.md and decision 0028: the APN is LaborPower's (the
registration time's serial to 0.01 day), the STATUS is the registration's state and exemption,
the person is found by name and home local (`members.selectors.MemberMatcher`), and the re-sign
clock starts on the `re_sign_from` day (the cut-over day by default) unless the file says when
the member last re-signed: nobody is rolled off the first night for a date LaborPower never had."""

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone

from members.enums import MemberStatus, Region
from members.models import Member, MemberSkill, Skill
from members.selectors import REGION_SPELLINGS, MemberMatcher, home_local_of, parse_listed_name
from referral.enums import EXEMPT_WORK_STATUS, RegistrationAction, RegistrationStatus, WorkStatus
from referral.laborpower.registrations import activity_row, update_with_history
from referral.models import BookRegistration, ReferralBook, RegistrationActivity
from referral.services import apn_of
from unioncore.imports.base import CHANGE_REASON, WARNING, Change, Kind, Progress, Row, RowError
from unioncore.imports.bulk import insert_with_history

A = RegistrationAction
S = RegistrationStatus
CARRIED_OVER = f"Check mark carried over from LaborPower ({CHANGE_REASON})"
STATE_OF_STATUS = {WorkStatus.WORKING: S.DISPATCHED, WorkStatus.SHORT_CALL: S.SHORT_CALL}
POSITION = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
LICENSE = re.compile(r"el\d\d")  # the technician list's license columns: "EL06 ?" → el06
COMPARED = ("apn", "registered_at", "registration_number", "check_marks", "is_exempt", "exempt_reason")


def _laborpower_books():
    names = ReferralBook.objects.exclude(laborpower_name="").values_list("laborpower_name", flat=True)
    return [("", "— the file's Book_name column —"), *((n, n) for n in sorted(set(names)))]


class RegistrationListOptions(forms.Form):
    book = forms.ChoiceField(
        label="LaborPower book",
        choices=_laborpower_books,
        required=False,
        help_text="The book this Registration List is of (WIRE SEATTLE …): the printed list names it only in "
        "its page header. Leave blank when the file has a Book_name column.",
    )
    re_sign_from = forms.DateField(
        label="Re-sign clock starts",
        initial=timezone.localdate,
        required=False,
        help_text="LaborPower's list carries no re-sign date: each imported member's next re-sign falls due the "
        "book's re-sign period after this day (the cut-over day by default), unless the file has a re_signed column.",
    )


@dataclass(slots=True)
class ListRecord:
    row: Row
    book: ReferralBook
    name: tuple[str, str, str]
    home_local: str
    card_number: str
    registered_at: datetime.datetime
    registration_number: int | None
    status: str
    check_marks: int
    region: str
    printed_position: tuple[int, int] | None
    last_re_signed_at: datetime.datetime | None
    licenses: list[str] = field(default_factory=list)
    member: Member | None = None


class RegistrationList(Kind):
    name = "registration_list"
    # Registrations, and the members' home local and area the list gives (decision 0037).
    permissions = ("referral.add_bookregistration", "referral.change_bookregistration", "members.change_member")
    required = ("tier", "name", "registered", "status")
    optional = (
        "book_name", "registration_number", "local", "position", "check", "region", "initials", "card_number",
        "re_signed", *(f"el{n:02d}" for n in range(1, 10)),
    )  # fmt: skip
    aliases = {
        "BOOK #": "tier", "Book_priority_number": "tier", "REG. #": "registration_number",
        "REG. DATE & TIME": "registered", "POSITION (ACT/REL)": "position", "CARD": "card_number",
    }  # fmt: skip
    options_form = RegistrationListOptions

    def prepare(self) -> None:
        self.books = {(b.laborpower_name, b.book_number): b for b in ReferralBook.objects.exclude(laborpower_name="")}
        self.re_sign_from = self.options.get("re_sign_from") or timezone.localdate()
        self.book_option = self.options.get("book") or ""
        self.licenses = [c for c in self.columns if LICENSE.fullmatch(c)]

    def parse(self, row: Row):
        tier = row.integer("tier", minimum=1)
        book_name = (row.text("book_name") or self.book_option).upper()
        if not book_name:
            row.error("book_name", "Which book? Choose the LaborPower book option, or give a Book_name column.")
        book = self.books.get((book_name, tier))
        if book_name and tier and book is None:
            tiers = sorted(t for n, t in self.books if n == book_name)
            known = f"its tiers here are {', '.join(map(str, tiers))}" if tiers else "no book has that LaborPower name"
            row.error("tier", f"No book {book_name} : {tier} ({known}); an officer adds a tier under Books.")
        name = parse_listed_name(row.raw("name"))
        if name is None:
            row.error("name", 'Write the name as LaborPower does: "LAST, FIRST M".')
        card = row.card("card_number") if row.raw("card_number") else ""
        registered_at = row.moment("registered")
        status = row.choice("status", WorkStatus)
        if status == WorkStatus.EXEMPT:
            row.error("status", "EXEMPT is UnionCore's own word; LaborPower writes TRAVELING, SALTING, SICK LIST, …")
        region = ""
        if row.raw("region"):
            region = (
                REGION_SPELLINGS.get(row.raw("region").casefold()) or row.choice("region", Region, required=False) or ""
            )
        printed = None
        if row.raw("position"):
            found = POSITION.fullmatch(row.raw("position"))
            if found is None:
                row.error("position", 'ACT / REL, as "0005 / 0003".')
            else:
                printed = (int(found[1]), int(found[2]))
        last_re_signed_at = row.moment("re_signed", required=False) if row.has("re_signed") else None
        licenses = [c for c in self.licenses if row.raw(c).casefold() in ("yes", "y", "x", "1")]
        registration_number = row.integer("registration_number")
        check_marks = row.integer("check", default=0) or 0
        if row.errors:
            return None
        return ListRecord(
            row=row, book=book, name=name, home_local=home_local_of(row.raw("local")), card_number=card or "",
            registered_at=registered_at, registration_number=registration_number, status=status,
            check_marks=check_marks, region=region, printed_position=printed,
            last_re_signed_at=last_re_signed_at, licenses=licenses,
        )  # fmt: skip

    # --- plan ---------------------------------------------------------------------------------

    def plan(self, records: list[ListRecord], by) -> list[Change]:
        matcher = MemberMatcher()
        cards = {m.card_number: m for ms in matcher.by_name.values() for m in ms}
        for record in records:
            self._match(record, matcher, cards)
        matched = [r for r in records if r.member is not None]
        current = {
            (r.member_id, r.book_id): r
            for r in BookRegistration.objects.active().filter(
                member_id__in={r.member.pk for r in matched}, book_id__in={r.book.pk for r in matched}
            )
        }
        seen: dict[tuple[int, int], int] = {}
        changes = []
        for record in matched:
            row, member, book = record.row, record.member, record.book
            key = (member.pk, book.pk)
            if key in seen:
                row.error(
                    "name",
                    f"{member} is already on {book.laborpower_name} : {book.book_number} on line {seen[key]}: two "
                    "people of one name? Give each row its card_number.",
                )
                continue
            seen[key] = row.line
            wanted = self._fields(record)
            existing = current.get(key)
            if existing is None:
                changes.append(Change(row.line, "create", instance=(record, wanted)))
                continue
            if existing.status != wanted["status"]:
                row.error(
                    "status",
                    f"{member} is on {book.code} as {existing.work_status}; the file says {record.status}. A status "
                    "already in UnionCore changes through the console, not by a re-import.",
                )
                continue
            diff = {f: wanted[f] for f in COMPARED if getattr(existing, f) != wanted[f]}
            if record.last_re_signed_at and existing.last_re_signed_at != record.last_re_signed_at:
                diff.update(last_re_signed_at=record.last_re_signed_at, re_sign_due=wanted["re_sign_due"])
            changes.append(
                Change(row.line, "update", instance=(existing, diff)) if diff else Change(row.line, "unchanged")
            )
        self._check_positions(records)
        return changes

    def _match(self, record: ListRecord, matcher: MemberMatcher, cards: dict) -> None:
        row = record.row
        if record.card_number:
            record.member = cards.get(record.card_number)
            if record.member is None:
                row.error("card_number", f"No member with card number {record.card_number}: import members first.")
                return
        else:
            last, first, middle = record.name
            found = matcher.candidates(last=last, first=first, middle=middle, home_local=record.home_local)
            if not found:
                row.error(
                    "name",
                    f"No member named {row.raw('name')}"
                    + (f" (local {record.home_local})" if record.home_local else "")
                    + ": import members first, or give the row's card_number.",
                )
                return
            if len(found) > 1:
                row.error(
                    "name",
                    f"{len(found)} members match {row.raw('name')}: cards {', '.join(m.card_number for m in found)}. "
                    "Give the row's card_number to say which.",
                )
                return
            record.member = found[0]
        if record.member.status != MemberStatus.ACTIVE:
            row.error("name", f"{record.member} is {record.member.get_status_display().lower()}: not on a book.")
            record.member = None

    def _fields(self, record: ListRecord) -> dict:
        book = record.book
        exempt_reason = EXEMPT_WORK_STATUS.get(record.status, "")
        clock_start = timezone.localdate(record.last_re_signed_at) if record.last_re_signed_at else self.re_sign_from
        on_a_job = record.status in STATE_OF_STATUS
        return {
            "member_id": record.member.pk,
            "book_id": book.pk,
            "apn": apn_of(record.registered_at),
            "registered_at": record.registered_at,
            "registration_number": record.registration_number,
            "status": STATE_OF_STATUS.get(record.status, S.REGISTERED),
            "check_marks": record.check_marks,
            "is_exempt": True if exempt_reason else None,
            "exempt_reason": exempt_reason,
            # LaborPower's exempt statuses carry no end date: open-ended, for staff to confirm.
            "exemption_needs_review": bool(exempt_reason),
            "last_re_signed_at": record.last_re_signed_at,
            "re_sign_due": clock_start + datetime.timedelta(days=book.re_sign_days),
            # The long-call clock of a member LaborPower shows working starts at the cut-over too.
            "dispatched_at": timezone.make_aware(datetime.datetime.combine(self.re_sign_from, datetime.time()))
            if on_a_job
            else None,
        }

    def _check_positions(self, records: list[ListRecord]) -> None:
        """The printed ACT / REL against the ones UnionCore will show, tier by tier (a warning:
        UnionCore computes its own). Only for a tier the file brings whole (nothing on it yet)."""
        tiers: dict[int, list[ListRecord]] = {}
        for record in records:
            if record.printed_position is not None:
                tiers.setdefault(record.book.pk, []).append(record)
        occupied = set(
            BookRegistration.objects.active().filter(book_id__in=tiers).values_list("book_id", flat=True).distinct()
        )
        for book_id, rows in tiers.items():
            if book_id in occupied:
                continue
            rows.sort(key=lambda r: (apn_of(r.registered_at), r.registered_at, r.row.line))
            rel = 0
            for act, record in enumerate(rows, start=1):
                available = record.status == WorkStatus.UNEMPLOYED
                rel += available
                expected = (act, rel if available else 0)
                if record.printed_position != expected:
                    record.row.warn(
                        "position",
                        f"LaborPower printed {record.printed_position[0]:04d} / {record.printed_position[1]:04d}; "
                        f"UnionCore will show {expected[0]:04d} / {expected[1]:04d}.",
                    )

    def notes(self) -> list[RowError]:
        days = sorted({b.re_sign_days for b in self.books.values()})
        period = " or ".join(f"{d} days" for d in days)
        return [
            RowError(
                0, "option re_sign_from",
                f"The re-sign clock starts {self.re_sign_from:%m/%d/%Y} for every row without a re_signed date: its "
                f"first re-sign falls due {period} later (each book's period). Nobody is rolled off for a re-sign "
                "LaborPower never recorded.",
                self.re_sign_from.isoformat(), WARNING,
            )
        ]  # fmt: skip

    # --- write --------------------------------------------------------------------------------

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        now = timezone.now()
        created = [c.instance for c in changes if c.action == "create"]
        rows = [fields for _, fields in created]
        insert_with_history(BookRegistration, rows, by=by, tick=progress.advance)
        activities = []
        for (record, _), fields in zip(created, rows, strict=True):
            activities += _activities(fields, by, now, record)
        update_with_history([c.instance for c in changes if c.action == "update"], by=by, now=now, progress=progress)
        insert_with_history(RegistrationActivity, activities, by=by)
        self._update_members([record for record, _ in created], by, now)
        return []

    def _update_members(self, records: list[ListRecord], by, now) -> None:
        """The person's home local and preferred area, where UnionCore has none yet; the
        technician list's licenses as skills."""
        changed: dict[int, Member] = {}
        for record in records:
            member = changed.get(record.member.pk, record.member)
            if record.home_local and not member.home_local:
                member.home_local = record.home_local
                changed[member.pk] = member
            if record.region and not member.preferred_region:
                member.preferred_region = record.region
                changed[member.pk] = member
        if changed:
            # The matcher read only the fields it compares: history rows copy every field, and
            # a deferred one would be fetched member by member (thousands of queries). Read the
            # changed members whole, in one query, and give them the same values.
            whole = Member.objects.in_bulk(list(changed))
            for pk, member in changed.items():
                whole[pk].home_local, whole[pk].preferred_region = member.home_local, member.preferred_region
            # One UPDATE per (home local, area) the file gives (a few dozen), not one CASE per
            # member; then their history rows, as bulk_update_with_history writes them.
            same: dict[tuple[str, str], list[int]] = {}
            for pk, member in whole.items():
                member.updated_at = now
                same.setdefault((member.home_local, member.preferred_region), []).append(pk)
            for (home_local, region), pks in same.items():
                Member.objects.filter(pk__in=pks).update(home_local=home_local, preferred_region=region, updated_at=now)
            Member.history.bulk_history_create(
                list(whole.values()), batch_size=2000, update=True, default_user=by,
                default_change_reason=CHANGE_REASON,
            )  # fmt: skip
        held = {(r.member.pk, code) for r in records for code in r.licenses}
        if held:
            skills = {}
            for code in sorted({code for _, code in held}):
                skills[code], _ = Skill.objects.get_or_create(code=code, defaults={"name": f"{code.upper()} license"})
            have = set(MemberSkill.objects.filter(skill__in=skills.values()).values_list("member_id", "skill__code"))
            insert_with_history(
                MemberSkill,
                [{"member_id": m, "skill_id": skills[c].pk} for m, c in sorted(held) if (m, c) not in have],
                by=by,
            )


def _activities(fields: dict, by, now, record: ListRecord) -> list[dict]:
    """What the member sees of an imported registration: signed up at LaborPower's time, the
    re-sign, the check marks carried over, the exemption, the job LaborPower showed."""
    rows = [activity_row(fields, A.REGISTER, by, CHANGE_REASON, fields["registered_at"])]
    if fields["last_re_signed_at"]:
        rows.append(activity_row(fields, A.RE_SIGN, by, CHANGE_REASON, fields["last_re_signed_at"]))
    rows += [activity_row(fields, A.CHECK_MARK, by, CARRIED_OVER, now) for _ in range(fields["check_marks"])]
    if fields["is_exempt"]:
        reason = f"LaborPower status {record.status}: no end date, for staff to confirm ({CHANGE_REASON})"
        rows.append(activity_row(fields, A.EXEMPT_ON, by, reason, now))
    if fields["status"] == S.DISPATCHED:
        rows.append(activity_row(fields, A.DISPATCH, by, f"LaborPower status WORKING ({CHANGE_REASON})", now))
    elif fields["status"] == S.SHORT_CALL:
        rows.append(activity_row(fields, A.SHORT_CALL, by, f"LaborPower status SHORT CALL ({CHANGE_REASON})", now))
    return rows
