"""Book registrations (LaborPower's REGLIST): keyed by member + book + APN.

The book is named by its code (WIRE_SEA_1 …), never by LaborPower's tier number, whose
numbering may run the other way. The APN is kept exactly (45810.02 stays 45810.02)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from members.enums import MemberStatus
from members.models import Member
from referral import services
from referral.enums import ExemptReason
from referral.models import BookRegistration, ReferralBook
from unioncore.laborpower.base import Change, Kind, Row

FIELD_COLUMNS = {
    "apn": "apn",
    "registered_at": "registered",
    "last_re_signed_at": "re_signed",
    "check_marks": "check_marks",
    "is_exempt": "exempt",
    "exempt_reason": "exempt_reason",
    "exempt_until": "exempt_until",
}


@dataclass
class RegistrationRecord:
    row: Row
    card_number: str
    book_code: str
    apn: Decimal
    registered_at: datetime.datetime
    extra: dict  # fields set after the sign-up (re-sign, check marks, exemption)


class Registrations(Kind):
    name = "registrations"
    required = ("card_number", "book_code", "apn", "registered")
    optional = ("re_signed", "check_marks", "exempt", "exempt_reason", "exempt_until")

    def prepare(self) -> None:
        self.books = {b.code: b for b in ReferralBook.objects.all()}

    def parse(self, row: Row):
        card = row.card("card_number")
        book_code = (row.text("book_code", required=True) or "").upper()
        if book_code and book_code not in self.books:
            row.error("book_code", f"Unknown book {book_code}; one of {', '.join(sorted(self.books))}.")
        apn = row.apn("apn")
        registered_at = row.moment("registered")
        extra = {}
        if "re_signed" in row.values:
            extra["last_re_signed_at"] = row.moment("re_signed", required=False)
        if "check_marks" in row.values:
            extra["check_marks"] = row.integer("check_marks", default=0)
        if "exempt" in row.values:
            exempt = row.flag("exempt")
            # Blank/N: follow the member's global flag (no per-book override).
            extra["is_exempt"] = True if exempt else None
            extra["exempt_reason"] = row.choice("exempt_reason", ExemptReason, required=bool(exempt)) or ""
            extra["exempt_until"] = row.date("exempt_until", required=bool(exempt))
            if not exempt and (extra["exempt_reason"] or extra["exempt_until"]):
                row.error("exempt", "An exemption reason or end date needs exempt = Y.")
        if row.errors:
            return None
        return RegistrationRecord(row, card, book_code, apn, registered_at, extra)

    def plan(self, records: list[RegistrationRecord], by) -> list[Change]:
        books = self.books
        members = {m.card_number: m for m in Member.objects.filter(card_number__in={r.card_number for r in records})}
        active = list(BookRegistration.objects.active().filter(member__in=members.values()))
        active += list(BookRegistration.objects.active().filter(apn__in={r.apn for r in records}))
        by_member_book = {(r.member_id, r.book_id): r for r in active}
        by_book_apn = {(r.book_id, r.apn): r for r in active}
        cards = {m.pk: m.card_number for m in Member.objects.filter(pk__in={r.member_id for r in active})}
        seen_member_book: dict[tuple, int] = {}
        seen_book_apn: dict[tuple, int] = {}
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
            key = (member.pk, book.pk)
            if key in seen_member_book:
                row.error(
                    "card_number", f"{record.card_number} is on {book.code} again on line {seen_member_book[key]}."
                )
                continue
            if (book.pk, record.apn) in seen_book_apn:
                row.error(
                    "apn", f"APN {record.apn} on {book.code} is also on line {seen_book_apn[book.pk, record.apn]}."
                )
                continue
            seen_member_book[key], seen_book_apn[book.pk, record.apn] = row.line, row.line
            current = by_member_book.get(key)
            if current is not None and current.apn != record.apn:
                row.error(
                    "apn", f"{member} is already on {book.code} at APN {current.apn}; the file says {record.apn}."
                )
                continue
            holder = by_book_apn.get((book.pk, record.apn))
            if current is None and holder is not None:
                row.error("apn", f"APN {record.apn} on {book.code} is held by card {cards.get(holder.member_id)}.")
                continue
            if current is None:
                if member.status != MemberStatus.ACTIVE:
                    row.error("card_number", f"{member} is {member.get_status_display().lower()}: not on a book.")
                    continue
                registration = BookRegistration(
                    member=member, book=book, apn=record.apn, registered_at=record.registered_at
                )
                if not self._check(row, registration, book, record):
                    continue
                changes.append(Change(row.line, "create", _creator(member.pk, book, record)))
                continue
            wanted = {"registered_at": record.registered_at, **record.extra}
            if "last_re_signed_at" in record.extra:
                wanted["re_sign_due"] = _re_sign_due(book, record)
            diff = {f: v for f, v in wanted.items() if getattr(current, f) != v}
            if not diff:
                changes.append(Change(row.line, "unchanged"))
                continue
            if not self._check(row, current, book, record, diff):
                continue
            changes.append(Change(row.line, "update", _updater(current.pk, diff)))
        return changes

    def _check(self, row, registration, book, record, diff=None) -> bool:
        for name, value in (diff or record.extra).items():
            setattr(registration, name, value)
        try:
            registration.full_clean(exclude=["status"], validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            row.validation_error(e, FIELD_COLUMNS)
            return False
        return True


def _re_sign_due(book: ReferralBook, record: RegistrationRecord) -> datetime.date:
    last = record.extra.get("last_re_signed_at") or record.registered_at
    return timezone.localdate(last) + datetime.timedelta(days=book.re_sign_days)


def _creator(member_id: int, book: ReferralBook, record: RegistrationRecord):
    def apply(by):
        registration = services.registration_register(
            member_id=member_id, book_id=book.pk, by=by, registered_at=record.registered_at, apn=record.apn,
            reason="LaborPower import",
        )  # fmt: skip
        extra = {f: v for f, v in record.extra.items() if getattr(registration, f) != v}
        if "last_re_signed_at" in extra:
            extra["re_sign_due"] = _re_sign_due(book, record)
        if extra:
            _save(registration, extra, by)

    return apply


def _updater(registration_id: int, diff: dict):
    def apply(by):
        _save(services.lock_registration(registration_id), diff, by)

    return apply


def _save(registration: BookRegistration, fields: dict, by) -> None:
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.full_clean(exclude=["status"], validate_unique=False)
    registration._history_user = by
    registration.save()
