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
from unioncore.laborpower.base import CHANGE_REASON, Change, Kind, Progress, Row, RowError
from unioncore.laborpower.bulk import insert_with_history

BATCH = 2000
BOOK_TYPES = frozenset(BookType.values)
MAX_WAGE = Decimal("999999.99")
HISTORY_WORKSITE = "LaborPower history (no request on file)"
HISTORY_NOTES = "Made by the LaborPower import to hold the dispatch history of this employer, year and book."
MAX_WORKERS = 32767  # workers_wanted is a small integer
# An ended dispatch ends as dispatch_end would have ended it.
TERMINATING = (EndReason.QUIT, EndReason.DISCHARGED)
ENDED = (DispatchStatus.COMPLETED, DispatchStatus.TERMINATED)
COMPARED = ("type", "end_date", "end_reason", "wage_rate", "status")
FIELD_COLUMNS = {"type": "type", "end_date": "end_date", "end_reason": "end_reason", "wage_rate": "wage_rate"}


@dataclass
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
    required = ("card_number", "employer_code", "start_date", "end_date", "end_reason", "wage_rate")
    optional = ("type", "book_code")

    def prepare(self) -> None:
        self.books = {b.code: (b.classification, b.region) for b in ReferralBook.objects.all()}

    def parse(self, row: Row):
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
            key = (member_id, employer_id, record.start_date)
            if key in seen:
                row.error(
                    "start_date",
                    f"{record.card_number} starts at {record.employer_code} on {record.start_date:%m/%d/%Y} "
                    f"also on line {seen[key]}.",
                )
                continue
            seen[key] = row.line
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
            wanted = {
                "type": record.type, "end_date": record.end_date, "end_reason": record.end_reason,
                "wage_rate": record.wage_rate, "status": status,
            }  # fmt: skip
            current = existing.get(key)
            if current is None:
                book = self.books.get(record.book_code) or _request_book(classification)
                midnight = _midnight(record.start_date)
                dispatch = {
                    "member_id": member_id, "employer_id": employer_id, "type": record.type, "status": status,
                    "wage_rate": record.wage_rate, "offered_at": midnight, "answered_at": midnight,
                    "start_date": record.start_date, "end_date": record.end_date, "end_reason": record.end_reason,
                    "created_by_id": by.pk, "request_key": (employer_id, _year(record.start_date), *book),
                }  # fmt: skip
                changes.append(Change(row.line, "create", instance=dispatch))
                continue
            touched.add(current["pk"])
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
        for member_id, line in open_in_file.items():
            others = [d for d in open_now.get(member_id, ()) if d["pk"] not in touched]
            if others:
                other = others[0]
                row = next(r.row for r in records if r.row.line == line)
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
        self._file_under_requests(new, by, progress)
        insert_with_history(Dispatch, new, by=by, tick=progress.advance)
        return []

    def _file_under_requests(self, new: list[dict], by, progress: Progress) -> None:
        """Each new dispatch under its employer's history request of that year and book (made
        here if missing); a request's workers are the dispatches filed under it."""
        counts = Counter(d["request_key"] for d in new)
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
        for dispatch in new:
            dispatch["job_request_id"] = self.requests[dispatch["request_key"]]
