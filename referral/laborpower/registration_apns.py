"""LaborPower's "records" export of the registration lists: `Book_priority_number` (the tier),
`Book_name`, `Applicant_priority_number` (the APN, printed "40,966.38"), one row per registration
in list order and nothing else — no name, no date. It cannot put anyone on a book; it checks the
books a Registration List import made: the n-th row of a tier is the n-th registration of that
tier in UnionCore's order (ACT), and their APNs must agree. Where LaborPower's APN differs (an APN
it restored after a short call, say), LaborPower's is kept. A tier with a different number of
rows than UnionCore has refuses the file."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from referral.laborpower.registrations import update_with_history
from referral.models import ReferralBook
from referral.selectors import registration_list
from referral.services import parse_apn
from unioncore.errors import RuleViolation
from unioncore.imports.base import Change, Kind, Progress, Row, RowError


@dataclass(slots=True)
class ApnRecord:
    row: Row
    book: ReferralBook
    apn: Decimal


class RegistrationApns(Kind):
    name = "registration_apns"
    permissions = ("referral.change_bookregistration",)
    required = ("tier", "book_name", "apn")
    aliases = {"Book_priority_number": "tier", "BOOK #": "tier", "Applicant_priority_number": "apn"}

    def prepare(self) -> None:
        self.books = {(b.laborpower_name, b.book_number): b for b in ReferralBook.objects.exclude(laborpower_name="")}

    def parse(self, row: Row):
        tier = row.integer("tier", minimum=1)
        name = (row.text("book_name", required=True) or "").upper()
        book = self.books.get((name, tier))
        if name and tier and book is None:
            row.error("book_name", f"No book {name} : {tier}; an officer adds a tier under Books.")
        try:
            # LaborPower prints the APN with a thousands separator: 40,966.38.
            apn = parse_apn(row.raw("apn"))
        except RuleViolation as e:
            row.error("apn", e.message)
            return None
        return None if row.errors else ApnRecord(row, book, apn)

    def plan(self, records: list[ApnRecord], by) -> list[Change]:
        by_book: dict[int, list[ApnRecord]] = {}
        for record in records:
            by_book.setdefault(record.book.pk, []).append(record)
        changes = []
        for rows in by_book.values():
            book = rows[0].book
            listed = list(registration_list(book=book))
            if len(listed) != len(rows):
                rows[0].row.error(
                    "book_name",
                    f"{book.laborpower_name} : {book.book_number} has {len(rows)} rows in the file and "
                    f"{len(listed)} registrations in UnionCore: import its Registration List first.",
                )
                continue
            for record, registration in zip(rows, listed, strict=True):
                if registration.apn == record.apn:
                    changes.append(Change(record.row.line, "unchanged"))
                else:
                    changes.append(Change(record.row.line, "update", instance=(registration, record.apn)))
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        pairs = [
            (registration, {"apn": apn}) for c in changes if c.action == "update" for registration, apn in [c.instance]
        ]
        update_with_history(pairs, by=by, now=timezone.now(), progress=progress)
        return []
