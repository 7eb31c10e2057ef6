"""Dispatch history: one row per dispatch, keyed by member + employer + start date.

An ended dispatch (an end date) comes across completed or terminated, as it ended; an open one
(no end date) is a member on the job today: an accepted dispatch, and a member holds at most one.
UnionCore's dispatch always answers an employer's request, so the import files each imported
dispatch under one "LaborPower history" request per employer, year and book (decision 0020).
Importing history changes no book: LaborPower already applied its consequences, and the REGLIST
import brings the books as they are now."""

import datetime
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dispatch.enums import OPEN_DISPATCH_STATUSES, DispatchStatus, DispatchType, EndReason, JobRequestStatus
from dispatch.models import Dispatch, Employer, JobRequest
from members.models import Member
from referral.enums import BookRegion, BookType
from referral.models import ReferralBook
from unioncore.imports.base import (
    AMOUNTS,
    CARDS,
    CHANGE_REASON,
    DATES,
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
from unioncore.imports.bulk import copy_with_history, insert_with_history

BATCH = 2000
BOOK_TYPES = frozenset(BookType.values)
MAX_WAGE = Decimal("999999.99")
HISTORY_WORKSITE = "LaborPower history (no request on file)"
HISTORY_NOTES = "Made by the LaborPower import to hold the dispatch history of this employer, year and book."
MAX_WORKERS = 32767  # workers_wanted is a small integer
# An ended dispatch ends as dispatch_end would have ended it.
TERMINATING = (EndReason.QUIT, EndReason.DISCHARGED)
# LaborPower's dispatches had no referral run here: the record says where they came from (decision 0043).
HISTORY_REASON = "LaborPower dispatch history (imported)"
ENDED = (DispatchStatus.COMPLETED, DispatchStatus.TERMINATED)
COMPARED = ("type", "end_date", "end_reason", "wage_rate", "status")
FIELD_COLUMNS = {"type": "type", "end_date": "end_date", "end_reason": "end_reason", "wage_rate": "wage_rate"}


@dataclass(slots=True)
class DispatchRecord:
    row: Row
    card_number: str
    employer_code: str
    start_date: datetime.date
    end_date: datetime.date | None
    type: str
    end_reason: str
    wage_rate: Decimal
    book_code: str

    @property
    def status(self) -> str:
        if self.end_date is None:
            return DispatchStatus.ACCEPTED
        return DispatchStatus.TERMINATED if self.end_reason in TERMINATING else DispatchStatus.COMPLETED


FAST_COLUMNS = (
    "card_number", "employer_code", "start_date", "end_date", "end_reason", "wage_rate", "type", "book_code",
)  # fmt: skip
BAD = Invalid("refused")  # what parse_row will name


def _employer_code(raw: str):
    value = raw.strip()
    return value if 0 < len(value) <= 20 else BAD


def _wage(raw: str):
    wage = AMOUNTS[raw]
    return wage if wage is None or wage.__class__ is Invalid or Decimal(0) <= wage <= MAX_WAGE else BAD


@functools.lru_cache(maxsize=1 << 16)
def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))


def _year(day: datetime.date) -> datetime.date:
    """A history request holds one year of an employer's dispatches from one book."""
    return day.replace(month=1, day=1)


def _request_book(member_classification: str) -> tuple[str, str]:
    """Without a book in the file: the member's own classification, Seattle."""
    if member_classification in BOOK_TYPES:
        return member_classification, BookRegion.SEATTLE
    return BookType.INSIDE_WIREPERSON, BookRegion.SEATTLE


class Dispatches(Kind):
    name = "dispatches"
    permissions = ("dispatch.add_dispatch", "dispatch.change_dispatch", "dispatch.add_jobrequest")
    required = ("card_number", "employer_code", "start_date", "end_date", "end_reason", "wage_rate")
    optional = ("type", "book_code")

    def prepare(self) -> None:
        self.books = {b.code: (b.classification, b.region) for b in ReferralBook.objects.all()}
        self.pick = picker(self.columns, FAST_COLUMNS)
        self.codes = Memo(_employer_code)
        self.wages = Memo(_wage)
        self.types = choice_memo(DispatchType, DispatchType.NORMAL)
        self.reasons = choice_memo(EndReason, "")
        self.book_codes = Memo(self._book_code)

    def _book_code(self, raw: str):
        code = raw.strip().upper()
        return code if not code or code in self.books else BAD

    def parse(self, row: Row):
        """The common case at a dictionary lookup per value; a row the fast path refuses is read
        again by `parse_row`, which names each problem."""
        card, code, start, end, reason, wage, kind, book = self.pick(row.fields)
        values = (
            CARDS[card], self.codes[code], DATES[start], DATES[end], self.reasons[reason], self.wages[wage],
            self.types[kind], self.book_codes[book],
        )  # fmt: skip
        card, code, start, end, reason, wage, kind, book = values
        if (
            any_invalid(values)
            or start is None
            or wage is None
            or (end is None) is not (reason == "")
            or (end is not None and end < start)
        ):
            return self.parse_row(row)
        return DispatchRecord(row, card, code, start, end, kind, reason, wage, book)

    def parse_row(self, row: Row):
        card = row.card("card_number")
        employer_code = row.text("employer_code", required=True, max_length=20)
        start = row.date("start_date")
        end = row.date("end_date", required=False)
        kind = row.choice("type", DispatchType, default=DispatchType.NORMAL)
        end_reason = row.choice("end_reason", EndReason, required=False) or ""
        wage = row.money("wage_rate")
        book_code = (row.raw("book_code") or "").upper()
        if book_code and book_code not in self.books:
            row.error("book_code", f"Unknown book {book_code}; one of {', '.join(sorted(self.books))}.")
        if wage is not None and not Decimal(0) <= wage <= MAX_WAGE:
            row.error("wage_rate", f"A wage rate from 0.00 to {MAX_WAGE}.")
        if start and end and end < start:
            row.error("end_date", f"The dispatch ends ({end:%m/%d/%Y}) before it starts ({start:%m/%d/%Y}).")
        if end and not end_reason and "end_reason" not in {e.column for e in row.errors}:
            row.error("end_reason", f"An ended dispatch needs its end reason; one of {', '.join(EndReason.values)}.")
        if end_reason and not end and "end_date" not in {e.column for e in row.errors}:
            row.error("end_reason", "An end reason needs the end date (no end date: the member is on the job).")
        if row.errors:
            return None
        return DispatchRecord(row, card, employer_code, start, end, kind, end_reason, wage, book_code)

    def plan(self, records: list[DispatchRecord], by) -> list[Change]:
        members = {
            card: (pk, classification)
            for pk, card, classification in Member.objects.filter(
                card_number__in={r.card_number for r in records}
            ).values_list("pk", "card_number", "classification")
        }
        employers = dict(Employer.objects.filter(code__in={r.employer_code for r in records}).values_list("code", "pk"))
        member_ids = [pk for pk, _ in members.values()]
        existing = {
            (d["member_id"], d["employer_id"], d["start_date"]): d
            for d in Dispatch.objects.filter(job_request__is_history=True, member_id__in=member_ids).values(
                "pk", "member_id", "employer_id", "start_date", *COMPARED
            )
        }
        open_now = defaultdict(list)  # member -> its open dispatches in the database
        for d in Dispatch.objects.filter(status__in=OPEN_DISPATCH_STATUSES, member_id__in=member_ids).values(
            "pk", "member_id", "start_date", "employer__name"
        ):
            open_now[d["member_id"]].append(d)
        self.requests = {
            (e, day, c, r): pk
            for pk, e, day, c, r in JobRequest.objects.filter(
                is_history=True, employer_id__in=employers.values()
            ).values_list("pk", "employer_id", "start_date", "book_classification", "region")
        }
        seen: dict[tuple, int] = {}
        open_in_file: dict[int, int] = {}  # member -> the line of the file's open dispatch
        touched: set[int] = set()  # database dispatches the file speaks for
        changes = []
        books = self.books
        years: dict[int, datetime.date] = {}
        for record in records:
            row = record.row
            member = members.get(record.card_number)
            employer_id = employers.get(record.employer_code)
            if member is None:
                row.error("card_number", f"No member with card number {record.card_number}: import members first.")
            if employer_id is None:
                row.error("employer_code", f"No employer with code {record.employer_code}: import employers first.")
            if member is None or employer_id is None:
                continue
            member_id, classification = member
            start, end = record.start_date, record.end_date
            key = (member_id, employer_id, start)
            line = seen.setdefault(key, row.line)
            if line != row.line:
                row.error(
                    "start_date",
                    f"{record.card_number} starts at {record.employer_code} on {start:%m/%d/%Y} also on line {line}.",
                )
                continue
            status = record.status
            if status in OPEN_DISPATCH_STATUSES:
                if member_id in open_in_file:
                    row.error(
                        "end_date",
                        f"{record.card_number} has another open dispatch (no end date) on line "
                        f"{open_in_file[member_id]}: a member is on one job at a time.",
                    )
                    continue
                open_in_file[member_id] = row.line
            current = existing.get(key)
            if current is None:
                year = years.get(start.year) or years.setdefault(start.year, _year(start))
                book = books.get(record.book_code) or _request_book(classification)
                request_key = (employer_id, year, *book)
                new = (member_id, employer_id, record.type, status, record.wage_rate, start, end, record.end_reason)
                changes.append(Change(row.line, "create", instance=(new, request_key)))
                continue
            touched.add(current["pk"])
            wanted = {
                "type": record.type, "end_date": end, "end_reason": record.end_reason,
                "wage_rate": record.wage_rate, "status": status,
            }  # fmt: skip
            diff = {f: v for f, v in wanted.items() if current[f] != v}
            if not diff:
                changes.append(Change(row.line, "unchanged"))
                continue
            if current["status"] in ENDED and status in OPEN_DISPATCH_STATUSES:
                row.error(
                    "end_date",
                    f"This dispatch was imported as ended on {current['end_date']:%m/%d/%Y}; "
                    "an ended dispatch does not reopen.",
                )
                continue
            changes.append(Change(row.line, "update", instance=(current["pk"], diff)))
        rows_by_line = None
        for member_id, line in open_in_file.items():
            others = [d for d in open_now.get(member_id, ()) if d["pk"] not in touched]
            if others:
                other = others[0]
                rows_by_line = rows_by_line or {r.row.line: r.row for r in records}
                row = rows_by_line[line]
                row.error(
                    "end_date",
                    f"{row.raw('card_number')} is already on the job in UnionCore (dispatch {other['pk']} to "
                    f"{other['employer__name']} since {other['start_date']:%m/%d/%Y}): a member is on one job "
                    "at a time.",
                )
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        new = [c.instance for c in changes if c.action == "create"]
        updates = dict(c.instance for c in changes if c.action == "update")
        # Endings first: a dispatch closed here frees its member for an open one created below.
        if updates:
            now = timezone.now()
            changed = list(Dispatch.objects.filter(pk__in=updates).order_by("pk"))
            for dispatch in changed:
                for name, value in updates[dispatch.pk].items():
                    if name == "status":  # LaborPower's record of how it ended, not a transition here
                        dispatch.__dict__["status"] = value
                    else:
                        setattr(dispatch, name, value)
                dispatch.updated_at = now
            fields = sorted({f for diff in updates.values() for f in diff} | {"updated_at"})
            bulk_update_with_history(
                changed, Dispatch, fields, batch_size=BATCH, default_user=by, default_change_reason=CHANGE_REASON
            )
            progress.advance(len(changed))
        if new:
            rows, keys = zip(*new, strict=True)
            members, employers, types, statuses, wages, starts, ends, reasons = zip(*rows, strict=True)
            midnights = list(map(_midnight, starts))
            columns = {
                "member_id": members, "employer_id": employers, "type": types, "status": statuses,
                "wage_rate": wages, "offered_at": midnights, "answered_at": midnights, "start_date": starts,
                "end_date": ends, "end_reason": reasons, "job_request_id": self._file_under_requests(keys, by),
            }  # fmt: skip
            copy_with_history(
                Dispatch, columns, constants={"created_by_id": by.pk, "override_reason": HISTORY_REASON}, by=by,
                tick=progress.advance,
            )  # fmt: skip
        return []

    def _file_under_requests(self, keys: list[tuple], by) -> list[int]:
        """The history request of each new dispatch (its employer's of that year and book, made
        here if missing); a request's workers are the dispatches filed under it."""
        counts = Counter(keys)
        missing = [key for key in counts if key not in self.requests]
        created = [
            {
                "employer_id": employer_id, "book_classification": classification, "region": region,
                "workers_wanted": min(counts[key], MAX_WORKERS), "start_date": day, "report_time": datetime.time(0, 0),
                "worksite": HISTORY_WORKSITE, "status": JobRequestStatus.FILLED, "taken_at": _midnight(day),
                "refer_at": _midnight(day), "taken_by_id": by.pk, "notes": HISTORY_NOTES, "is_history": True,
            }
            for key in missing
            for employer_id, day, classification, region in [key]
        ]  # fmt: skip
        ids = insert_with_history(JobRequest, created, by=by)
        self.requests.update(zip(missing, ids, strict=True))
        made = set(missing)
        grown = {self.requests[key]: n for key, n in counts.items() if key not in made}
        if grown:
            now = timezone.now()
            requests = list(JobRequest.objects.filter(pk__in=grown).order_by("pk"))
            for request in requests:
                request.workers_wanted = min(request.workers_wanted + grown[request.pk], MAX_WORKERS)
                request.updated_at = now
            bulk_update_with_history(
                requests, JobRequest, ["workers_wanted", "updated_at"], batch_size=BATCH, default_user=by,
                default_change_reason=CHANGE_REASON,
            )  # fmt: skip
        return list(map(self.requests.__getitem__, keys))
