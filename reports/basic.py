"""The reports of LaborPower's Basic tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module. The Basic tab's reports the
launch set already answers (Registration List, the Day Book, Job Bids …) stay in catalog.py."""

import datetime

import django_filters
from django.db.models import Count, DateField, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from dispatch.enums import (
    FILLING_DISPATCH_STATUSES,
    CandidateOutcome,
    DeclineKind,
    DispatchStatus,
    DispatchType,
    JobRequestStatus,
    SkipReason,
)
from dispatch.models import Dispatch, Employer, JobRequest, ReferralCandidate
from members.models import CopeCheckoff
from referral.enums import ACTIVE_STATUSES, BookType, RegistrationStatus, RollOffReason
from referral.models import BookRegistration
from reports.filters import (
    CandidateFilters,
    CopeCheckoffFilters,
    DispatchFilters,
    JobRequestFilters,
    PlausibleDateFilter,
    RegistrationHistoryFilters,
    RolledOffFilters,
)
from reports.framework import Breakdown, Column, Figure, Report, percent, register
from reports.selectors import _name, _tz

ON_THE_JOB = Q(status=DispatchStatus.ACCEPTED)


# B-07
def offer_rows() -> QuerySet:
    """Every offer (a dispatch offered to a member), whatever its answer."""
    return (
        Dispatch.objects.annotate(name=_name())
        .values("id", "offered_at", "member__card_number", "name", "employer__name", "job_request_id", "type",
                "answered_at", "status", "decline_kind")
        .order_by("offered_at", "id")
    )  # fmt: skip


@register
class OfferReport(Report):
    slug = "offer-report"
    title = "Offer Report"
    our_name = "Offers made and their answers"
    laborpower_ids = ("B-07",)
    replaces = "Offer Report"
    description = "Every job offered to a member on the days chosen, when it was answered and how."
    filterset = DispatchFilters.taking("employer", "book", "status", "date_from", "date_to", "detail", max_days=366)
    selector = staticmethod(offer_rows)
    columns = (
        Column("offered_at", "Offered", "datetime"),
        Column("member__card_number", "Card"),
        Column("name", "Name", sort="member__last_name"),
        Column("employer__name", "Employer"),
        Column("job_request_id", "Request", "number"),
        Column("type", "Type", choices=DispatchType),
        Column("answered_at", "Answered", "datetime"),
        Column("status", "Answer", choices=DispatchStatus),
        Column("decline_kind", "Declined how", choices=DeclineKind),
    )
    summary = (Breakdown("status", "By answer"),)

    @classmethod
    def initial(cls):
        from reports.catalog import _days_ago, _today

        return {"date_from": _days_ago(7), "date_to": _today()}


# B-14
def active_contractor_rows() -> QuerySet:
    """Employers with members on the job now: how many, since when."""
    return (
        Employer.objects.annotate(
            working=Count("dispatches", filter=Q(dispatches__status=DispatchStatus.ACCEPTED)),
            since=Min("dispatches__start_date", filter=Q(dispatches__status=DispatchStatus.ACCEPTED)),
        )
        .filter(working__gt=0)
        .values("id", "code", "name", "city", "phone", "working", "since")
        .order_by("name", "id")
    )


@register
class ActiveContractors(Report):
    slug = "active-contractors"
    title = "Active Contractors"
    our_name = "Employers with members on the job"
    # C-05, C-13: the Custom tab's copies (a contractor list, the employee count by employer)
    laborpower_ids = ("B-14", "C-05", "C-13")
    replaces = "Active Contractors"
    description = "Every employer with members dispatched and on the job now, how many, and since when."
    selector = staticmethod(active_contractor_rows)
    columns = (
        Column("code", "Code"),
        Column("name", "Employer"),
        Column("city", "City"),
        Column("phone", "Phone"),
        Column("working", "On the job", "int", total=True),
        Column("since", "Earliest start", "date"),
    )
    summary = (Figure("Contractors", Count("id")), Figure("Members on the job", Sum("working")))


# B-15
def current_worksite_rows() -> QuerySet:
    """Worksites with members on the job now, by employer."""
    return (
        Dispatch.objects.filter(ON_THE_JOB)
        .values("job_request__worksite", "employer__name")
        .annotate(working=Count("id"), since=Min("start_date"))
        .order_by("job_request__worksite", "employer__name")
    )


@register
class CurrentWorksites(Report):
    slug = "current-worksites"
    title = "Current Worksites"
    our_name = "Where members are working now"
    laborpower_ids = ("B-15",)
    replaces = "Current Worksites"
    description = "Each worksite with members on the job now, by employer: how many and since when."
    selector = staticmethod(current_worksite_rows)
    group_by = "job_request__worksite"
    columns = (
        Column("job_request__worksite", "Worksite"),
        Column("employer__name", "Employer"),
        Column("working", "On the job", "int", total=True),
        Column("since", "Earliest start", "date"),
    )


# B-20
def dispatch_detail_rows() -> QuerySet:
    return (
        Dispatch.objects.annotate(name=_name())
        .values("id", "job_request_id", "job_request__worksite", "employer__name", "member__card_number", "name",
                "offered_at", "status", "start_date", "end_date", "wage_rate")
        .order_by("job_request_id", "offered_at", "id")
    )  # fmt: skip


@register
class DispatchDetailsByJobRequest(Report):
    slug = "dispatch-details-by-job-request"
    title = "Dispatch Details by Job Request"
    our_name = "Dispatches, request by request"
    laborpower_ids = ("B-20",)
    replaces = "Dispatch Details by Job Request"
    description = "The dispatches of the days chosen under the job request each filled, with its employer and site."
    filterset = DispatchFilters.taking("employer", "book", "status", "date_from", "date_to", max_days=366)
    selector = staticmethod(dispatch_detail_rows)
    group_by = "job_request_id"
    columns = (
        Column("job_request_id", "Request", "number"),
        Column("employer__name", "Employer"),
        Column("job_request__worksite", "Worksite"),
        Column("member__card_number", "Card"),
        Column("name", "Name", sort="member__last_name"),
        Column("offered_at", "Offered", "datetime"),
        Column("status", "Status", choices=DispatchStatus),
        Column("start_date", "Start", "date"),
        Column("end_date", "End", "date"),
        Column("wage_rate", "Wage rate", "money"),
    )

    @classmethod
    def initial(cls):
        from reports.catalog import _days_ago, _today

        return {"date_from": _days_ago(30), "date_to": _today()}


def _last_days(n: int):
    """A first visit's range: the last `n` days to today."""

    def initial(cls):
        today = timezone.localdate()
        return {"date_from": (today - datetime.timedelta(days=n - 1)).isoformat(), "date_to": today.isoformat()}

    return classmethod(initial)


BOOK = Column("book", "Book", choices=BookType)
CARD = Column("member__card_number", "Card")
NAME = Column("name", "Name", sort="member__last_name")
FILLED = Q(status__in=FILLING_DISPATCH_STATUSES)


# B-08
def request_activity_rows() -> QuerySet:
    """Each job request with what came of it: offers made, places filled, offers declined, bids."""
    return (
        JobRequest.objects.annotate(
            offers=Count("dispatches", distinct=True),
            filled=Count("dispatches", distinct=True, filter=Q(dispatches__status__in=FILLING_DISPATCH_STATUSES)),
            declined=Count("dispatches", distinct=True, filter=Q(dispatches__status=DispatchStatus.DECLINED)),
            online_bids=Count("bids", distinct=True),
        )
        .values("id", "taken_at", "employer__name", "book_classification", "worksite", "workers_wanted",
                "offers", "filled", "declined", "online_bids", "status")
        .order_by("taken_at", "id")
    )  # fmt: skip


@register
class RequestActivity(Report):
    slug = "request-activity"
    title = "Request Activity"
    our_name = "Job requests and what came of them"
    laborpower_ids = ("B-08",)
    replaces = "Request Activity"
    description = (
        "Each job request taken on the days chosen: workers wanted, offers made, places filled (offered, on the "
        "job or done), offers declined and online bids; the fill rate is places filled of workers wanted."
    )
    filterset = JobRequestFilters.taking("employer", "book", "status", "date_from", "date_to", "detail", max_days=366)
    selector = staticmethod(request_activity_rows)
    columns = (
        Column("id", "Request", "number"),
        Column("taken_at", "Taken", "datetime"),
        Column("employer__name", "Employer"),
        Column("book_classification", "Book", choices=BookType),
        Column("worksite", "Worksite"),
        Column("workers_wanted", "Wanted", "int", total=True),
        Column("offers", "Offers", "int", total=True),
        Column("filled", "Filled", "int", total=True),
        Column("declined", "Declined", "int", total=True),
        Column("online_bids", "Bids", "int", total=True),
        Column("status", "Status", choices=JobRequestStatus),
    )
    summary = (
        Figure("Requests", Count("id")),
        Figure("Workers wanted", Sum("workers_wanted")),
        Figure("Places filled", Sum("filled")),
        Figure("Fill rate", percent(Sum("filled"), Sum("workers_wanted")), "percent"),
    )
    initial = _last_days(30)


# B-11
def call_list_rows() -> QuerySet:
    """Every member each referral run considered, in its order: referred, or crossed out (X) with why."""
    return (
        ReferralCandidate.objects.annotate(name=_name())
        .values("id", "run_id", "run__run_at", "run__job_request_id", "run__job_request__employer__name", "rank",
                "tier", "apn", "member__card_number", "name", "outcome", "skip_reason")
        .order_by("run__run_at", "run_id", "rank")
    )  # fmt: skip


@register
class CallList(Report):
    slug = "call-list"
    title = "X-Out List Call List"
    our_name = "Each referral run's call list, those passed over crossed out"
    laborpower_ids = ("B-11",)
    replaces = "X-Out List Call List"
    description = (
        "Each referral run of the days chosen (a request referred), the members it considered in the book's "
        "order: referred, or crossed out (X) and why they were passed over."
    )
    filterset = CandidateFilters.taking("employer", "book", "date_from", "date_to", "detail", max_days=92)
    selector = staticmethod(call_list_rows)
    group_by = "run_id"
    columns = (
        Column("run_id", "Run", "number"),
        Column("run__run_at", "Run at", "datetime"),
        Column("run__job_request_id", "Request", "number"),
        Column("run__job_request__employer__name", "Employer"),
        Column("rank", "Order", "int"),
        Column("tier", "Tier", "int"),
        Column("apn", "APN", "apn"),
        CARD,
        NAME,
        Column("outcome", "Outcome", choices=CandidateOutcome),
        Column("skip_reason", "Crossed out because", choices=SkipReason),
    )
    summary = (
        Figure("Runs", Count("run", distinct=True)),
        Figure("Referred", Count("id", filter=Q(outcome=CandidateOutcome.SELECTED))),
        Figure("Crossed out", Count("id", filter=Q(outcome=CandidateOutcome.SKIPPED))),
        Breakdown("outcome", "By outcome"),
    )
    initial = _last_days(7)


# B-12, B-13
DAY, MONTH = "day", "month"


class ReferralSummaryFilters(DispatchFilters):
    """The dispatches' filters, and the grain of the summary (LaborPower's Daily and Monthly)."""

    own = frozenset({"period"})
    period = django_filters.ChoiceFilter(
        choices=[(DAY, "Day"), (MONTH, "Month")], label="One line a", empty_label=None, method="by_nothing"
    )


def referral_summary_rows(*, period: str | None = None) -> QuerySet:
    """The offers made, a line a day (or a month) of the hall's time zone: how many, places
    filled, declined, short calls, members and employers."""
    trunc = TruncMonth if period == MONTH else TruncDate
    return (
        Dispatch.objects.annotate(period=trunc("offered_at", output_field=DateField(), tzinfo=_tz()))
        .values("period")
        .annotate(
            offers=Count("id"),
            filled=Count("id", filter=FILLED),
            declined=Count("id", filter=Q(status=DispatchStatus.DECLINED)),
            short_calls=Count("id", filter=Q(type=DispatchType.SHORT_CALL)),
            members=Count("member", distinct=True),
            employers=Count("employer", distinct=True),
        )
        .order_by("period")
    )


@register
class ReferralSummary(Report):
    slug = "referral-summary"
    title = "Daily Referral Summary"
    our_name = "Offers, places filled and declines, day by day (or month by month)"
    laborpower_ids = ("B-13", "B-12")
    variants = {"B-12": {"period": MONTH}}  # Monthly Referral Summary: the same lines a month each
    replaces = "Daily Referral Summary, Monthly Referral Summary"
    description = (
        "The jobs offered on the days chosen, one line a day (or a month): offers, places filled (offered, on "
        "the job or done), declined, short calls, and how many members and employers; a month counts a member "
        "or employer once."
    )
    filterset = ReferralSummaryFilters.taking("book", "date_from", "date_to", "period", "detail")
    selector_takes = ("period",)
    selector = staticmethod(referral_summary_rows)
    columns = (
        Column("period", "Day (month: its first)", "date"),
        Column("offers", "Offers", "int", total=True),
        Column("filled", "Filled", "int", total=True),
        Column("declined", "Declined", "int", total=True),
        Column("short_calls", "Short calls", "int", total=True),
        Column("members", "Members", "int"),
        Column("employers", "Employers", "int"),
    )
    summary = (
        Figure("Offers", Sum("offers")),
        Figure("Places filled", Sum("filled")),
        Figure("Filled of offers", percent(Sum("filled"), Sum("offers")), "percent"),
    )
    initial = _last_days(31)


# B-16
def cope_rows() -> QuerySet:
    """COPE checkoffs, each under the employer the member works for: their latest job (offered,
    on it or done) started by the checkoff's last day (or by today while it runs)."""
    last_day = Coalesce("ended_on", Value(timezone.localdate()), output_field=DateField())
    job = Dispatch.objects.filter(FILLED, member=OuterRef("member"), start_date__lte=OuterRef("last_day")).order_by(
        "-start_date", "-id"
    )
    return (
        CopeCheckoff.objects.annotate(
            last_day=last_day,
            employer=Coalesce(Subquery(job.values("employer__name")[:1]), Value("(not working)")),
            name=_name(),
        )
        .values("id", "employer", "member__card_number", "name", "amount", "started_on", "ended_on")
        .order_by("employer", "member__last_name", "id")
    )


@register
class CopeCheckoffReport(Report):
    slug = "cope-checkoff"
    title = "Cope Checkoff (by employer)"
    our_name = "COPE checkoffs by employer"
    laborpower_ids = ("B-16",)
    replaces = "Cope Checkoff (by employer)"
    description = (
        "The COPE checkoffs running on any day of the range, under the employer each member works for (their "
        "latest job started by then), with the amount a pay period and the employer's total."
    )
    filterset = CopeCheckoffFilters.taking("working_as", "date_from", "date_to", "detail", max_days=366)
    selector = staticmethod(cope_rows)
    group_by = "employer"
    columns = (
        Column("employer", "Employer"),
        CARD,
        NAME,
        Column("amount", "A pay period", "money", total=True),
        Column("started_on", "From", "date"),
        Column("ended_on", "To", "date"),
    )
    summary = (Figure("Checkoffs", Count("id")), Figure("A pay period, all employers", Sum("amount"), "money"))

    @classmethod
    def initial(cls):
        today = timezone.localdate().isoformat()
        return {"date_from": today, "date_to": today}


# B-17
class HistoricalListFilters(RegistrationHistoryFilters):
    own = frozenset({"as_of"})
    as_of = PlausibleDateFilter(label="As it stood at the end of", method="by_nothing")


def historical_registration_rows(*, as_of: datetime.date | None = None) -> QuerySet:
    """Every registration on a book at the end of `as_of` (a day of the hall's time zone), as it
    stood then: its last history row from before the next midnight, if the registration was
    active then. History starts when UnionCore first saved a registration (an import's day)."""
    day = as_of or timezone.localdate()
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=_tz())
    History = BookRegistration.history.model
    last = History.objects.filter(id=OuterRef("id"), history_date__lt=end).order_by("-history_date", "-history_id")
    return (
        History.objects.filter(history_date__lt=end)
        .filter(history_id=Subquery(last.values("history_id")[:1]), status__in=ACTIVE_STATUSES)
        .annotate(name=_name(), book_name=F("book__name"))
        .values("history_id", "id", "book_name", "book__book_number", "apn", "member__card_number", "name",
                "registered_at", "status", "check_marks")
        .order_by("book__book_number", "book_name", "apn", "registered_at", "id")
    )  # fmt: skip


@register
class HistoricalRegistrationList(Report):
    slug = "historical-registration-list"
    title = "Historical Registration List"
    our_name = "The books as they stood on a day"
    laborpower_ids = ("B-17",)
    replaces = "Historical Registration List"
    description = (
        "Everyone on a book at the end of the day chosen, as they stood then (their status, APN and check marks "
        "that day), tier by tier in APN order, from the registrations' history: a day before UnionCore kept the "
        "book shows only what it had saved by then."
    )
    filterset = HistoricalListFilters.taking("book", "tier", "as_of")
    selector_takes = ("as_of",)
    selector = staticmethod(historical_registration_rows)
    group_by = "book_name"
    columns = (
        Column("book_name", "Book", sort="book__book_number"),
        Column("apn", "APN", "apn"),
        CARD,
        NAME,
        Column("registered_at", "Registered", "timestamp"),
        Column("status", "Status", choices=RegistrationStatus),
        Column("check_marks", "Check marks", "int"),
    )
    summary = (Figure("On the books", Count("id")), Breakdown("status", "By status"))

    @classmethod
    def initial(cls):
        return {"as_of": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}


# B-19
def rolled_rows() -> QuerySet:
    """Registrations rolled off whose member registered again on the same book (trade and
    region) since: the first such registration."""
    again = BookRegistration.objects.filter(
        member=OuterRef("member"), book__classification=OuterRef("book__classification"),
        book__region=OuterRef("book__region"), registered_at__gte=OuterRef("rolled_off_at"),
    ).exclude(pk=OuterRef("pk")).order_by("registered_at", "id")  # fmt: skip
    return (
        BookRegistration.objects.filter(rolled_off_at__isnull=False)
        .annotate(
            re_registered_at=Subquery(again.values("registered_at")[:1]),
            new_apn=Subquery(again.values("apn")[:1]),
            name=_name(),
        )
        .filter(re_registered_at__isnull=False)
        .values("id", "book__name", "member__card_number", "name", "apn", "rolled_off_at", "roll_off_reason",
                "re_registered_at", "new_apn")
        .order_by("rolled_off_at", "id")
    )  # fmt: skip


@register
class DroppedAndReRegistered(Report):
    slug = "dropped-and-re-registered"
    title = "Dropped & Re-Registered (Rolled)"
    our_name = "Rolled off, then registered again"
    laborpower_ids = ("B-19",)
    replaces = "Dropped & Re-Registered (Rolled)"
    description = (
        "Members rolled off a book on the days chosen who registered on the same book again since: why they "
        "were dropped, their old APN and their new one."
    )
    filterset = RolledOffFilters.taking("book", "date_from", "date_to", "detail", max_days=366)
    selector = staticmethod(rolled_rows)
    columns = (
        Column("book__name", "Book"),
        CARD,
        NAME,
        Column("rolled_off_at", "Rolled off", "datetime"),
        Column("roll_off_reason", "Why", choices=RollOffReason),
        Column("apn", "Old APN", "apn"),
        Column("re_registered_at", "Registered again", "datetime"),
        Column("new_apn", "New APN", "apn"),
    )
    summary = (Figure("Rolled off and back", Count("id")), Breakdown("roll_off_reason", "Why dropped"))
    initial = _last_days(30)
