"""The 16 launch reports (SPEC §7, issue 9), each one declaration, under LaborPower's names
(issue 24). docs/reports.md lists them with their filters, columns and the LaborPower report each
replaces. The reports issue 24 adds register from their own modules, one per LaborPower tab,
imported at the end of this one."""

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Sum
from django.utils import timezone

from dispatch.enums import (
    BidStatus,
    ContractCode,
    DispatchStatus,
    DispatchType,
    EmployerStatus,
    EndReason,
    JobRequestStatus,
    RequestCategory,
)
from dispatch.models import Employer
from members.enums import ExemptReason
from members.models import Member
from referral.enums import (
    BookRegion,
    BookType,
    NoCheckMarkReason,
    RegistrationAction,
    RegistrationStatus,
    RollOffReason,
)
from referral.models import ReferralBook
from reports import selectors
from reports.filters import DispatchFilters, JobBidFilters, JobRequestFilters, RegistrationFilters, RolledOffFilters
from reports.framework import (
    FULFILLMENT,
    Breakdown,
    Column,
    DateRangeForm,
    Figure,
    PlausibleDateField,
    Report,
    percent,
    register,
)

# --- Filter fields ---


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "All"), *choices.choices]


def choice_field(choices, **kwargs) -> forms.ChoiceField:
    """An optional filter on one of a TextChoices' values ("All" first)."""
    return forms.ChoiceField(choices=_blank(choices), required=False, **kwargs)


def book_field(required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        ReferralBook.objects.filter(is_active=True).order_by("classification", "region", "book_number"),
        required=required, empty_label=None if required else "All books", label="Book",
    )  # fmt: skip


def employer_field(required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        Employer.objects.order_by("name"), required=required, label="Employer",
        empty_label="Choose an employer" if required else "All employers",
    )  # fmt: skip


class MemberByCardField(forms.CharField):
    """A member, typed as their card number."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Card number")
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        member = Member.objects.filter(card_number=value.strip()).first()
        if member is None:
            raise forms.ValidationError(f"No member has card number {value.strip()}.")
        return member

    def filter_value(self, member: Member) -> str:
        return member.card_number  # what the field takes: a background export cleans it again


def _days_ago(n: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=n)).isoformat()


def _today() -> str:
    return timezone.localdate().isoformat()


def last_days(n: int) -> classmethod:
    """`Report.initial` of a date-range report: the last `n` days up to today (0: today only)."""
    return classmethod(lambda cls: {"date_from": _days_ago(n), "date_to": _today()})


# --- Columns used by several reports ---

CARD = Column("member__card_number", "Card", "text")
NAME = Column("name", "Name", "text", sort="member__last_name")
APN = Column("apn", "APN", "apn")
BOOK = Column("book__name", "Book")
EMPLOYER = Column("employer__name", "Employer")
REQUEST = Column("job_request_id", "Request", "int")
WAGE_RATE = Column("wage_rate", "Wage rate", "money")
# A dispatch (reports 3, 5, 6)
OFFERED = Column("offered_at", "Offered", "datetime")
DISPATCH_TYPE = Column("type", "Type", choices=DispatchType)
DISPATCH_STATUS = Column("status", "Status", choices=DispatchStatus)
START = Column("start_date", "Start", "date")
# A registration's activity row (reports 9, 12): the member is the registration's
WHEN = Column("at", "When", "datetime")
REGISTRATION_BOOK = Column("registration__book__name", "Book")
REGISTRATION_CARD = Column("registration__member__card_number", "Card")
REGISTRATION_NAME = Column("name", "Name", sort="registration__member__last_name")
ACTION = Column("action", "Action", choices=RegistrationAction)


def registration_activity_columns(*middle: Column) -> tuple[Column, ...]:
    """When, book, APN, card, name, action, then `middle`, then the reason and who did it."""
    return (
        WHEN, REGISTRATION_BOOK, APN, REGISTRATION_CARD, REGISTRATION_NAME, ACTION,
        *middle, Column("reason", "Reason"), Column("by", "By"),
    )  # fmt: skip


# 1
class LaborPowerBookField(forms.ChoiceField):
    """A book as LaborPower names it (WIRE SEATTLE: every tier of it), one of `selectors.books()`
    (the form fills the choices). A book's id (the filter's value before the Registration List,
    in old links and audit rows) is taken too: the form turns it into that book's name and tier."""

    def valid_value(self, value):
        if super().valid_value(value):
            return True
        return str(value).isdigit() and ReferralBook.objects.filter(pk=int(value), is_active=True).exists()


def tier_of(book_id: int, books: dict | None = None) -> tuple[str, int] | None:
    """The LaborPower name and tier of an active book (tier) given by its id."""
    tier = ReferralBook.objects.filter(pk=book_id, is_active=True).values("classification", "region", "book_number")
    tier = tier.first()
    if tier is None:
        return None
    for book in (books if books is not None else selectors.books()).values():
        if (book.classification, book.region) == (tier["classification"], tier["region"]):
            return book.name, tier["book_number"]
    return None


class RegistrationListForm(forms.Form):
    book = LaborPowerBookField(label="Book")
    tier = forms.IntegerField(label="Tier", required=False, min_value=1, help_text="Blank: every tier of the book")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.books = selectors.books()  # once per form: the choices, the checks
        self.fields["book"].choices = [(name, name) for name in self.books]

    def clean(self):
        data = super().clean()
        book = data.get("book")
        if book and book.isdigit():
            named = tier_of(int(book), self.books)
            if named is None:
                self.add_error("book", f"No active book has the id {book}.")
                return data
            data["book"], tier = named
            data["tier"] = data.get("tier") or tier
        book = self.books.get(data.get("book"))
        if book is not None and data.get("tier") and data["tier"] not in book.tiers:
            self.add_error(
                "tier", f"{book.name} has no tier {data['tier']} (its tiers: {', '.join(map(str, book.tiers))})."
            )
        return data


@dataclass(frozen=True)
class PositionColumn(Column):
    """LaborPower's POSITION: ACT / REL, four digits each ("0012 / 0009"); sorted on ACT."""

    def raw(self, row):
        return (row.get("act"), row.get("rel"))

    def convert(self, value):
        act, rel = value
        return None if act is None else f"{act:04d} / {rel or 0:04d}"


@register
class RegistrationList(Report):
    slug = "out-of-work-list"  # the report's address since issue 9: links and audit rows keep working
    title = "Registration List"
    our_name = "Everyone on a book, tier by tier"
    laborpower_ids = ("B-01", "C-34")  # C-34 REGLIST: the Custom tab's copy
    replaces = "Registration List (the Job Dispatch Registration List, one page header per book and tier)"
    description = (
        "Everyone on a book, tier by tier, as LaborPower prints it: out of work, working, on a short call or "
        "exempt, in the book's order. POSITION is ACT / REL: ACT counts every row of the tier, REL only the "
        "members available for referral (0000 for the others); both start at 1 on each tier."
    )
    filters = RegistrationListForm
    selector = staticmethod(selectors.registration_list_rows)
    summary = (
        Figure("Average days out of work (available members)", selectors.average_days_out_of_work, "average"),
        Breakdown("work_status", "By status"),
    )
    group_by = "tier"
    group_new_page = True
    columns = (
        Column("tier", "BOOK", sort="book__book_number"),
        Column("registration_number", "REG. #", "number"),
        Column("name", "NAME"),
        Column("member__home_local", "LOCAL"),
        Column("registered_at", "REG. DATE & TIME", "timestamp"),
        PositionColumn("position", "POSITION (ACT / REL)", sort="act"),
        Column("check", "CHECK", "int"),
        Column("work_status", "STATUS"),
        Column("region", "REGION"),
        Column("apn", "APN", "apn"),
    )

    @classmethod
    def initial(cls):
        first = ReferralBook.objects.filter(is_active=True, code="WIRE_SEA_1").values_list("pk", flat=True).first()
        named = tier_of(first) if first is not None else None
        return {"book": named[0]} if named else {}


# 2
class RegionForm(forms.Form):
    region = choice_field(BookRegion)
    classification = choice_field(BookType)


@register
class OutOfWorkSummary(Report):
    slug = "out-of-work-summary"
    title = "UNEMPLOYED COUNTS BY BOOK"
    our_name = "Out-of-work summary"
    laborpower_ids = ("C-40",)
    replaces = "Out of Work Summary (counts by book)"
    description = "How many are out of work, exempt, on short calls and dispatched, by book and region."
    filters = RegionForm
    selector = staticmethod(selectors.out_of_work_summary_rows)
    summary = (
        Figure("Out of work", Sum("out_of_work")),
        Figure("Of whom exempt", percent(Sum("exempt_count"), Sum("out_of_work")), "percent"),
    )
    group_by = "region"
    columns = (
        Column("region", "Region", choices=BookRegion),
        Column("name", "Book"),
        Column("book_number", "Tier", "int"),
        Column("out_of_work", "Out of work", "int", total=True),
        Column("exempt_count", "Of whom exempt", "int", total=True),
        Column("short_call", "On short calls", "int", total=True),
        Column("dispatched", "Dispatched", "int", total=True),
    )
    default_sort = ("name",)


# 3
@register
class DailyDispatchLog(Report):
    slug = "daily-dispatch-log"
    title = "Dispatch Report (Day Book)"
    our_name = "Daily dispatch log"
    laborpower_ids = ("B-06", "C-32")  # C-32 RAW DISPATCH DATA: the Custom tab's copy, every dispatch of the days
    replaces = "Daily Dispatch Report (the day book)"
    description = "Every dispatch offered on the days chosen, in the order it was made."
    # LaborPower's Basic tab: a date range and the books; we add the employer and the status
    filterset = DispatchFilters.taking("employer", "book", "status", "date_from", "date_to", "detail", max_days=92)
    selector = staticmethod(selectors.dispatch_log_rows)
    summary = (Breakdown("employer__name", "By employer"), Breakdown("type", "By type"))
    columns = (
        OFFERED,
        CARD,
        NAME,
        EMPLOYER,
        REQUEST,
        Column("job_request__book_classification", "Classification", choices=BookType),
        DISPATCH_TYPE,
        DISPATCH_STATUS,
        START,
        WAGE_RATE,
    )

    initial = last_days(0)


# 4
@register
class JobRequestRegister(Report):
    slug = "job-request-register"
    title = "Request Report"
    our_name = "Job request register"
    laborpower_ids = ("A-03", "B-05")
    variants = {"B-05": {"status": JobRequestStatus.OPEN}}  # Open Requests: every open request, whenever taken
    replaces = "Job Request Register / Open Requests"
    description = "Employers' calls for labor taken on the days chosen: workers wanted and dispatched."
    # The Advanced tab's filters a request has (a first visit: the last 30 days; B-05 any day)
    filterset = JobRequestFilters.taking(
        "employer", "book", "worksite", "status", "job_class", "date_from", "date_to", "detail", max_days=366
    )
    selector = staticmethod(selectors.job_request_rows)
    summary = (
        Figure("Fill rate (dispatched of wanted)", percent(Sum("dispatched"), Sum("workers_wanted")), "percent"),
        Breakdown("status", "By status"),
        Breakdown("employer__name", "By employer"),
    )
    columns = (
        Column("id", "Request", "int"),
        Column("taken_at", "Taken", "datetime"),
        EMPLOYER,
        Column("book_classification", "Classification", choices=BookType),
        Column("region", "Region", choices=BookRegion),
        Column("category", "Category", choices=RequestCategory),
        Column("workers_wanted", "Wanted", "int", total=True),
        Column("dispatched", "Dispatched", "int", total=True),
        START,
        Column("status", "Status", choices=JobRequestStatus),
        WAGE_RATE,
    )

    initial = last_days(30)


# 5, 6
HISTORY_COLUMNS = (
    OFFERED,
    CARD,
    NAME,
    EMPLOYER,
    REQUEST,
    DISPATCH_TYPE,
    DISPATCH_STATUS,
    START,
    Column("end_date", "End", "date"),
    Column("end_reason", "End reason", choices=EndReason),
    WAGE_RATE,
)


class MemberForm(forms.Form):
    member = MemberByCardField(required=True)


@register
class MemberDispatchHistory(Report):
    slug = "member-dispatch-history"
    title = "Employment History"
    our_name = "Member dispatch history"
    laborpower_ids = ("AP-03",)
    replaces = "Member Dispatch History"
    description = "Every dispatch of one member, newest first."
    filters = MemberForm
    selector = staticmethod(selectors.member_dispatch_rows)
    columns = HISTORY_COLUMNS


@register
class EmployerDispatchHistory(Report):
    slug = "employer-dispatch-history"
    title = "Dispatch History Report"
    our_name = "Employer dispatch history"
    laborpower_ids = ("A-11",)
    replaces = "Employer Dispatch History"
    description = "Every dispatch to the employers chosen, newest first."
    # The Advanced tab's filters a dispatch has; an employer is required (the report is theirs)
    filterset = DispatchFilters.taking(
        "employer", "book", "tier", "working_as", "worksite", "skill", "status", "age_from", "age_to", "race",
        "gender", "job_class", "date_from", "date_to", required=("employer",),
    )  # fmt: skip
    selector = staticmethod(selectors.employer_dispatch_rows)
    columns = HISTORY_COLUMNS


# 7
class ReSignForm(forms.Form):
    due_by = PlausibleDateField(label="Due by", help_text="Default: a week from today")
    book = book_field()


@register
class ReSignDue(Report):
    slug = "re-sign-due"
    title = "RE-SIGN DUE REPORT"
    our_name = "Re-sign due / overdue"
    laborpower_ids = ("C-33",)
    replaces = "Re-Sign Due List / Overdue Re-Signs"
    description = "Members out of work (not exempt) whose re-sign is due by the day chosen; overdue first."
    filters = ReSignForm
    selector = staticmethod(selectors.re_sign_due_rows)
    group_by = "book__name"
    columns = (
        BOOK,
        APN,
        CARD,
        NAME,
        Column("re_sign_due", "Re-sign due", "date"),
        Column("days_left", "Days left", "int"),
        Column("state", "State"),
    )


# 8
class RollOffFilters(RolledOffFilters):
    """The Basic tab's filters (book, dates) and why the registrations were rolled off (each of
    LaborPower's Dropped Due to … reports is one reason)."""

    own = frozenset({"reason"})
    reason = django_filters.ChoiceFilter(choices=RollOffReason.choices, label="Reason", method="by_reason")

    def by_reason(self, queryset, name, value):
        return queryset.filter(roll_off_reason=value)


@register
class RollOffReport(Report):
    slug = "roll-off-report"
    title = "Dropped Due to Re-Sign, Checkmarks, ShortCall"
    our_name = "Roll-off report"
    laborpower_ids = ("B-02", "B-03", "B-04", "C-30", "C-35", "C-38")
    variants = {
        "B-02": {"reason": RollOffReason.RE_SIGN_MISSED},
        "B-03": {"reason": RollOffReason.CHECK_MARKS},
        "B-04": {"reason": RollOffReason.RESTORATIONS_USED},
        # The Custom tab's copies: "too many days" is a call over the book's limit (a long call);
        # "since the 90-day rule", not re-registered by the next working day after a call ended.
        "C-30": {"reason": RollOffReason.LONG_CALL},
        "C-35": {"reason": RollOffReason.LATE_RE_REGISTRATION},
        "C-38": {"reason": RollOffReason.LONG_CALL},
    }
    replaces = "Roll-Off Report (dropped due to re-sign, check marks, short call)"
    description = "Registrations rolled off on the days chosen, with why."
    filterset = RollOffFilters.taking("book", "date_from", "date_to", "reason", max_days=366)
    selector = staticmethod(selectors.roll_off_rows)
    group_by = "book__name"
    columns = (
        BOOK,
        Column("rolled_off_at", "Rolled off", "date"),
        APN,
        CARD,
        NAME,
        Column("roll_off_reason", "Reason", choices=RollOffReason),
        Column("check_marks", "Check marks", "int"),
    )

    initial = last_days(30)


# 9
class BookDatesForm(DateRangeForm):
    book = book_field()


@register
class CheckMarkReport(Report):
    slug = "check-mark-report"
    title = "Check-mark report"
    our_name = "Passed calls: check marks given, excused, restored"
    replaces = "Check Mark Report"
    description = "Passed calls: check marks (+1), passes excused without one (0), check marks restored (−1)."
    filters = BookDatesForm
    selector = staticmethod(selectors.check_mark_rows)
    columns = registration_activity_columns(
        Column("marks", "Marks", "int", total=True),
        Column("no_check_mark_reason", "Excused because", choices=NoCheckMarkReason),
    )

    initial = last_days(30)


# 10
class CheckboxFilter(django_filters.Filter):
    field_class = forms.BooleanField  # ticked or not ("on", as the old form's links say)


class ShortCallFilters(RegistrationFilters):
    """The Basic tab's book (every tier, or one) and whether only the overdue calls are listed."""

    own = frozenset({"overdue_only"})
    overdue_only = CheckboxFilter(label="Overdue only", method="by_nothing")


@register
class ShortCallReport(Report):
    slug = "short-call-report"
    title = "Overdue Short Call Dispatches"
    our_name = "Short-call report"
    laborpower_ids = ("B-09",)
    variants = {"B-09": {"overdue_only": "on"}}  # LaborPower's list is the overdue ones; ours can show all
    replaces = "Short Call Report (incl. overdue short calls)"
    description = (
        "Members on a short call. Overdue: the day to re-register has passed, or the call has run past "
        "the short-call limit of working days."
    )
    filterset = ShortCallFilters.taking("book", "tier", "overdue_only")
    selector_takes = ("overdue_only",)
    selector = staticmethod(selectors.short_call_rows)
    columns = (
        BOOK,
        APN,
        CARD,
        NAME,
        Column("dispatched_at", "Out since", "date"),
        Column("re_register_by", "Re-register by", "date"),
        Column("short_call_restorations", "Restorations used", "int"),
        Column("overdue", "Overdue", "bool"),
    )


# 11
class BookOnlyForm(forms.Form):
    book = book_field()


@register
class ExemptMembers(Report):
    slug = "exempt-members"
    title = "Exempt members"
    our_name = "Members exempt on a book"
    replaces = "Exempt Members List"
    description = "Members exempt on a book (their own exemption on the book, or the member's on all books)."
    filters = BookOnlyForm
    selector = staticmethod(selectors.exempt_rows)
    columns = (
        BOOK,
        APN,
        CARD,
        NAME,
        Column("status", "Status", choices=RegistrationStatus),
        Column("reason", "Reason", choices=ExemptReason),
        Column("until", "Until", "date"),
        Column("source", "Exempt on"),
    )


# 12
class ActivityForm(DateRangeForm):
    max_days = 366
    book = book_field()
    action = choice_field(RegistrationAction)
    member = MemberByCardField(required=False)


@register
class RegistrationActivityAudit(Report):
    slug = "registration-activity-audit"
    title = "Registration History Report"
    our_name = "Registration activity audit"
    laborpower_ids = ("AP-02",)
    replaces = "Registration Activity / Audit Trail"
    description = "Everything that happened to registrations on the days chosen, who did it and why."
    filters = ActivityForm
    selector = staticmethod(selectors.activity_rows)
    columns = registration_activity_columns()

    initial = last_days(7)


# 13
@register
class OnlineBidReport(Report):
    slug = "online-bid-report"
    title = "Job Bids"
    our_name = "Online bid report"
    laborpower_ids = ("B-18",)
    replaces = "Internet Bidding Report"
    description = "Members' online bids placed on the days chosen, by request."
    filterset = JobBidFilters.taking("employer", "book", "status", "date_from", "date_to", max_days=366)
    selector = staticmethod(selectors.bid_rows)
    group_by = "job_request_id"
    columns = (
        REQUEST,
        Column("placed_at", "Placed", "datetime"),
        Column("job_request__employer__name", "Employer"),
        CARD,
        NAME,
        REGISTRATION_BOOK,
        Column("registration__apn", "APN", "apn"),
        Column("status", "Status", choices=BidStatus),
    )

    initial = last_days(7)


# 14
class ContractForm(forms.Form):
    contract_code = choice_field(ContractCode, label="Contract code")
    status = choice_field(EmployerStatus, label="Employer status")


@register
class EmployersByContractCode(Report):
    slug = "employers-by-contract-code"
    title = "Employers by Contract"
    our_name = "Employers by contract code"
    laborpower_ids = ("B-10", "C-12")  # C-12 EMPLOYCONTRACT: the Custom tab's copy
    replaces = "Employer List by Contract Code"
    description = "Signatory employers under each of the 8 contract codes."
    filters = ContractForm
    selector = staticmethod(selectors.employer_contract_rows)
    group_by = "contract_code"
    columns = (
        Column("contract_code", "Contract code", choices=ContractCode),
        Column("employer__code", "Code"),
        EMPLOYER,
        Column("employer__city", "City"),
        Column("employer__status", "Status", choices=EmployerStatus),
        Column("employer__phone", "Phone"),
    )


# 15
class TimeLogForm(DateRangeForm):
    employer = employer_field()


@register
class VerificationStatus(Report):
    slug = "time-log-verification-status"
    title = "Time-log verification status by employer"
    our_name = "Open, waiting, verified and disputed time logs"
    replaces = "— (new with Fulfillment; LaborPower had no time logs)"
    description = "Per employer, its time logs of the days chosen: open, waiting, verified, disputed."
    permission = FULFILLMENT
    filters = TimeLogForm
    selector = staticmethod(selectors.verification_status_rows)
    columns = (
        Column("dispatch__employer__name", "Employer"),
        Column("open", "On shift / draft", "int", total=True),
        Column("pending", "Waiting", "int", total=True),
        Column("verified", "Verified", "int", total=True),
        Column("disputed", "Disputed", "int", total=True),
        Column("logs", "Time logs", "int", total=True),
    )

    initial = last_days(14)


# 16
@register
class VerifiedHoursAndFunds(Report):
    slug = "verified-hours-and-funds"
    title = "Verified hours and funds by employer and week"
    our_name = "Billable hours and funds of verified time logs"
    replaces = "— (new with Fulfillment; LaborPower had no time logs)"
    description = (
        "Verified time logs by employer and ISO week of the shift: billable hours and funds. "
        "A log replaced by a verified correction counts once, as the correction."
    )
    permission = FULFILLMENT
    filters = TimeLogForm
    selector = staticmethod(selectors.verified_hours_rows)
    group_by = "dispatch__employer__name"
    columns = (
        Column("dispatch__employer__name", "Employer"),
        Column("iso_week", "ISO week"),
        Column("week", "Week of", "date"),
        Column("logs", "Time logs", "int", total=True),
        Column("hours", "Hours", "hours", total=True),
        Column("funds", "Funds", "money", total=True),
    )

    initial = last_days(56)


# The reports of issue 24, one module per LaborPower tab (each registers its own).
from reports import advanced, applicant, basic, custom  # noqa: E402, F401
