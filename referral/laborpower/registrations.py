"""Book registrations (LaborPower's REGLIST): keyed by member + book + APN.

The book is named by its code (WIRE_SEA_1 …), never by LaborPower's tier number, whose
numbering may run the other way. The APN is kept exactly (45810.02 stays 45810.02)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from members.enums import MemberStatus
from members.models import Member
from referral.enums import ExemptReason, RegistrationAction, RegistrationStatus
from referral.models import BookRegistration, ReferralBook, RegistrationActivity
from unioncore.imports.base import (
    APNS,
    CARDS,
    CHANGE_REASON,
    MOMENTS,
    UNTIL_DATES,
    Change,
    Invalid,
    Kind,
    Memo,
    Progress,
    Row,
    RowError,
    any_invalid,
    choice_memo,
    picker,
)
from unioncore.imports.bulk import insert_with_history

A = RegistrationAction
CARRIED_OVER = f"Check mark carried over from LaborPower ({CHANGE_REASON})"
EXEMPT_FIELDS = ("is_exempt", "exempt_reason", "exempt_until", "exemption_needs_review")
MAX_CHECK_MARKS = 32767
FAST_COLUMNS = (
    "card_number", "book_code", "apn", "registered", "re_signed", "check_marks", "exempt", "exempt_reason",
    "exempt_until",
)  # fmt: skip
BAD = Invalid("refused")  # what parse_row will name
FLAGS = {"": False, "n": False, "no": False, "0": False, "false": False, "f": False}
FLAGS |= dict.fromkeys(("y", "yes", "1", "true", "t", "x"), True)


def _marks(raw: str):
    value = raw.strip()
    if not value:
        return 0
    return int(value) if value.isascii() and value.isdigit() and int(value) <= MAX_CHECK_MARKS else BAD


def _flag(raw: str):
    return FLAGS.get(raw.strip().lower(), BAD)


@dataclass(slots=True)
class RegistrationRecord:
    row: Row
    card_number: str
    book_code: str
    apn: Decimal
    registered_at: datetime.datetime
    extra: dict  # fields set after the sign-up (re-sign, check marks, exemption)


class Registrations(Kind):
    name = "registrations"
    permissions = ("referral.add_bookregistration", "referral.change_bookregistration")
    required = ("card_number", "book_code", "apn", "registered")
    optional = ("re_signed", "check_marks", "exempt", "exempt_reason", "exempt_until")

    def prepare(self) -> None:
        self.books = {b.code: b for b in ReferralBook.objects.all()}
        self.pick = picker(self.columns, FAST_COLUMNS)
        self.optional_given = tuple(self.columns.get(c) is not None for c in ("re_signed", "check_marks", "exempt"))
        self.book_codes = Memo(lambda raw: self.books.get(raw.strip().upper(), BAD))
        self.marks = Memo(_marks)
        self.flags = Memo(_flag)
        self.exempt_reasons = choice_memo(ExemptReason)

    def parse(self, row: Row):
        """The common case at a dictionary lookup per value; a row the fast path refuses is read
        again by `parse_row`, which names each problem."""
        card, book, apn, registered, re_signed, marks, exempt, reason, until = self.pick(row.fields)
        values = [CARDS[card], self.book_codes[book], APNS[apn], MOMENTS[registered]]
        if values[3] is None:
            return self.parse_row(row)
        has_re_signed, has_marks, has_exempt = self.optional_given
        extra = {}
        if has_re_signed:
            extra["last_re_signed_at"] = MOMENTS[re_signed]
        if has_marks:
            extra["check_marks"] = self.marks[marks]
        if has_exempt:
            exempt, reason, until = self.flags[exempt], self.exempt_reasons[reason], UNTIL_DATES[until]
            if exempt is True and (reason is None or until is None):
                return self.parse_row(row)
            if exempt is False and (reason is not None or until is not None):
                return self.parse_row(row)
            extra.update(
                is_exempt=True if exempt else None, exempt_reason=reason or "", exempt_until=until,
                exemption_needs_review=False,
            )  # fmt: skip
            values.append(exempt)
        if any_invalid(values) or any_invalid(extra.values()):
            return self.parse_row(row)
        card, book, apn, registered_at = values[:4]
        return RegistrationRecord(row, card, book.code, apn, registered_at, extra)

    def parse_row(self, row: Row):
        card = row.card("card_number")
        book_code = (row.text("book_code", required=True) or "").upper()
        if book_code and book_code not in self.books:
            row.error("book_code", f"Unknown book {book_code}; one of {', '.join(sorted(self.books))}.")
        apn = row.apn("apn")
        registered_at = row.moment("registered")
        extra = {}
        if row.has("re_signed"):
            extra["last_re_signed_at"] = row.moment("re_signed", required=False)
        if row.has("check_marks"):
            extra["check_marks"] = row.integer("check_marks", default=0)
            if (extra["check_marks"] or 0) > MAX_CHECK_MARKS:
                row.error("check_marks", f"At most {MAX_CHECK_MARKS}.")
        if row.has("exempt"):
            exempt = row.flag("exempt")
            # Blank/N: follow the member's global flag (no per-book override).
            extra["is_exempt"] = True if exempt else None
            extra["exempt_reason"] = row.choice("exempt_reason", ExemptReason, required=bool(exempt)) or ""
            extra["exempt_until"] = row.date("exempt_until", required=False, until=True)
            extra["exemption_needs_review"] = False
            if not exempt and (extra["exempt_reason"] or extra["exempt_until"]):
                row.error("exempt", "An exemption reason or end date needs exempt = Y.")
            elif exempt and extra["exempt_until"] is None and not row.errors:
                # LaborPower keeps no end date for its exempt statuses: open-ended, for staff.
                extra["exemption_needs_review"] = True
                row.warn("exempt_until", "No end date: imported open-ended and flagged for review.")
        if row.errors:
            return None
        return RegistrationRecord(row, card, book_code, apn, registered_at, extra)

    def plan(self, records: list[RegistrationRecord], by) -> list[Change]:
        books = self.books
        members = {m.card_number: m for m in Member.objects.filter(card_number__in={r.card_number for r in records})}
        active = list(BookRegistration.objects.active().filter(member__in=members.values()))
        by_member_book = {(r.member_id, r.book_id): r for r in active}
        seen_member_book: dict[tuple, int] = {}
        changes = []
        for record in records:
            row = record.row
            book = books.get(record.book_code)
            member = members.get(record.card_number)
            if book is None:
                row.error("book_code", f"Unknown book {record.book_code}; one of {', '.join(sorted(books))}.")
            if member is None:
                row.error("card_number", f"No member with card number {record.card_number}: import members first.")
            if book is None or member is None:
                continue
            key = (member.id, book.id)
            if key in seen_member_book:
                row.error(
                    "card_number", f"{record.card_number} is on {book.code} again on line {seen_member_book[key]}."
                )
                continue
            # APNs repeat on a book (LaborPower's are the registration time to 0.01 day, decision
            # 0028): two rows may share one; the registration time orders them.
            seen_member_book[key] = row.line
            current = by_member_book.get(key)
            if current is not None and current.apn != record.apn:
                row.error(
                    "apn", f"{member} is already on {book.code} at APN {current.apn}; the file says {record.apn}."
                )
                continue
            if current is None:
                if member.status != MemberStatus.ACTIVE:
                    row.error("card_number", f"{member} is {member.get_status_display().lower()}: not on a book.")
                    continue
                if not book.is_active:
                    row.error("book_code", f"{book.name} is not taking registrations.")
                    continue
                fields = {
                    "member_id": member.id, "book_id": book.id, "apn": record.apn,
                    "registered_at": record.registered_at, "status": RegistrationStatus.REGISTERED,
                    "re_sign_due": _re_sign_due(book, record), **record.extra,
                }  # fmt: skip
                changes.append(Change(row.line, "create", instance=fields))
                continue
            wanted = {"registered_at": record.registered_at, **record.extra}
            if "last_re_signed_at" in record.extra:
                wanted["re_sign_due"] = _re_sign_due(book, record)
            diff = {f: v for f, v in wanted.items() if getattr(current, f) != v}
            if not diff:
                changes.append(Change(row.line, "unchanged"))
                continue
            changes.append(Change(row.line, "update", instance=(current, diff)))
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        new = [c.instance for c in changes if c.action == "create"]
        insert_with_history(BookRegistration, new, by=by, tick=progress.advance)
        now = timezone.now()
        activities = [a for fields in new for a in _activities_of_new(fields, by, now)]
        pairs = [c.instance for c in changes if c.action == "update"]
        for registration, diff in pairs:  # what the member sees, from the values before the change
            activities += _activities_of_change(registration, diff, by, now)
        update_with_history(pairs, by=by, now=now, progress=progress)
        insert_with_history(RegistrationActivity, activities, by=by)
        return []


def _re_sign_due(book: ReferralBook, record: RegistrationRecord) -> datetime.date:
    last = record.extra.get("last_re_signed_at") or record.registered_at
    return DUE[last, book.re_sign_days]


def _days_after(key: tuple[datetime.datetime, int]) -> datetime.date:
    moment, days = key
    return timezone.localdate(moment) + datetime.timedelta(days=days)


DUE = Memo(_days_after, shared=True)  # a REGLIST repeats its sign-up times


def update_with_history(pairs: list[tuple[BookRegistration, dict]], *, by, now, progress: Progress) -> None:
    """Set each registration's changed fields and write them in bulk, with a history row each."""
    for registration, diff in pairs:
        for name, value in diff.items():
            setattr(registration, name, value)
        registration.updated_at = now
    if pairs:
        fields = sorted({name for _, diff in pairs for name in diff} | {"updated_at"})
        bulk_update_with_history(
            [registration for registration, _ in pairs], BookRegistration, fields, batch_size=2000,
            default_user=by, default_change_reason=CHANGE_REASON,
        )  # fmt: skip
        progress.advance(len(pairs))


def activity_row(fields: dict, action: str, by, reason: str, at) -> dict:
    return {
        "registration_id": fields["id"], "action": action, "actor_id": by.pk, "reason": reason[:200],
        "apn": fields["apn"], "at": at,
    }  # fmt: skip


def _activities_of_new(fields: dict, by, now) -> list[dict]:
    """What the member sees of an imported registration: signed up (at LaborPower's time),
    re-signed, the check marks carried over, the exemption."""
    rows = [activity_row(fields, A.REGISTER, by, CHANGE_REASON, fields["registered_at"])]
    if fields.get("last_re_signed_at"):
        rows.append(activity_row(fields, A.RE_SIGN, by, CHANGE_REASON, fields["last_re_signed_at"]))
    rows += [activity_row(fields, A.CHECK_MARK, by, CARRIED_OVER, now) for _ in range(fields.get("check_marks") or 0)]
    if fields.get("is_exempt"):
        rows.append(activity_row(fields, A.EXEMPT_ON, by, _exempt_reason(fields), now))
    return rows


def _activities_of_change(registration: BookRegistration, diff: dict, by, now) -> list[dict]:
    fields = {"id": registration.pk, "apn": registration.apn}
    rows = []
    if diff.get("last_re_signed_at"):
        rows.append(activity_row(fields, A.RE_SIGN, by, CHANGE_REASON, diff["last_re_signed_at"]))
    if "check_marks" in diff:
        more = diff["check_marks"] - registration.check_marks
        action = A.CHECK_MARK if more > 0 else A.CHECK_MARK_RESTORED
        rows += [activity_row(fields, action, by, CARRIED_OVER, now) for _ in range(abs(more))]
    before, after = registration.is_exempt, diff.get("is_exempt", registration.is_exempt)
    wanted = {**{f: getattr(registration, f) for f in EXEMPT_FIELDS}, **diff}
    if after and not before:
        rows.append(activity_row(fields, A.EXEMPT_ON, by, _exempt_reason(wanted), now))
    elif before and not after:
        rows.append(activity_row(fields, A.EXEMPT_OFF, by, CHANGE_REASON, now))
    elif after and any(f in diff for f in EXEMPT_FIELDS):
        rows.append(activity_row(fields, A.EXEMPT_EXTENDED, by, _exempt_reason(wanted), now))
    return rows


def _exempt_reason(fields: dict) -> str:
    until = fields["exempt_until"]
    end = f"until {until:%m/%d/%Y}" if until else "with no end date (for staff to confirm)"
    return f"{ExemptReason(fields['exempt_reason']).label} {end} ({CHANGE_REASON})"
