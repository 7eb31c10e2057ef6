"""The reads behind LaborPower's Advanced and Applicant tabs (issue 24; reports/advanced.py and
reports/applicant.py declare the reports): employees, requests, terminations, travelers,
stewards, applicants and their registrations, bids, skills. Each returns a `values()` queryset of
its subject's rows, unfiltered but for what only the selector can say (a member typed by card
number, "current"); the report's filter set narrows it (reports/filters.py)."""

import datetime

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import timezone

from dispatch.enums import FILLING_DISPATCH_STATUSES, DispatchStatus, DispatchType, JobRequestStatus
from dispatch.models import Dispatch, JobBid, JobRequest, Steward
from members.models import Member, MemberDemographics, MemberSkill, Traveler, TravelLetter
from referral.enums import ACTIVE_STATUSES
from referral.models import BookRegistration

OUR_LOCAL = "0046"


def _name(prefix: str = "member__"):
    return Concat(F(f"{prefix}last_name"), Value(", "), F(f"{prefix}first_name"), output_field=CharField())


class DaysBetween(Func):
    """`later` − `earlier`, two dates, in days: PostgreSQL subtracts dates to an integer; the
    SQLite of `make run` counts Julian days."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(", **extra,
        )  # fmt: skip


def _days_between(later, earlier) -> Func:
    return DaysBetween(later, earlier)


def _today(today: datetime.date | None) -> Value:
    from django.db.models import DateField

    return Value(today or timezone.localdate(), output_field=DateField())


def _for_member(qs: QuerySet, member, path: str = "member") -> QuerySet:
    return qs if member is None else qs.filter(**{path: getattr(member, "pk", member)})


def _dispatched():
    """How many a request has had dispatched to it (a terminated one is filled again)."""
    filled = (
        Dispatch.objects.filter(job_request=OuterRef("pk"), status__in=FILLING_DISPATCH_STATUSES)
        .order_by().values("job_request").annotate(n=Count("id")).values("n")
    )  # fmt: skip
    return Coalesce(Subquery(filled[:1], output_field=IntegerField()), 0)


# --- Employees: who works where ---

EMPLOYEE = (
    "id", "employer__name", "member__card_number", "name", "member__classification", "job_request__job_class",
    "job_request__worksite", "job_request_id", "type", "start_date", "end_date", "end_reason", "days",
    "wage_rate",
)  # fmt: skip


def current_employee_rows(*, today: datetime.date | None = None) -> QuerySet:
    """A-01: everyone on a job now (a dispatch accepted and not ended), by employer; days on the
    job count the start day (1 on the first day)."""
    return (
        Dispatch.objects.filter(status=DispatchStatus.ACCEPTED)
        .annotate(name=_name(), days=_days_between(_today(today), F("start_date")) + 1)
        .values(*EMPLOYEE)
        .order_by("employer__name", "member__last_name", "member__first_name", "id")
    )


def historical_employee_rows(*, date_from=None, date_to=None, today: datetime.date | None = None) -> QuerySet:
    """A-02: everyone who worked for an employer on any day of the range: a dispatch accepted
    (on the job, ended or terminated) that started by its last day and had not ended before its
    first. Days are those worked, start and end day included (to today for one still on)."""
    qs = Dispatch.objects.filter(
        status__in=(DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED, DispatchStatus.TERMINATED)
    )
    if date_to:
        qs = qs.filter(start_date__lte=date_to)
    if date_from:
        qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=date_from))
    last = Coalesce(F("end_date"), _today(today))
    return (
        qs.annotate(name=_name(), days=_days_between(last, F("start_date")) + 1)
        .values(*EMPLOYEE)
        .order_by("employer__name", "start_date", "id")
    )


def termination_rows(*, date_from=None, date_to=None) -> QuerySet:
    """A-05: jobs that ended on the days chosen (laid off, quit, discharged, completed)."""
    qs = Dispatch.objects.filter(status__in=(DispatchStatus.COMPLETED, DispatchStatus.TERMINATED))
    if date_from:
        qs = qs.filter(end_date__gte=date_from)
    if date_to:
        qs = qs.filter(end_date__lte=date_to)
    return (
        qs.annotate(name=_name(), days=_days_between(F("end_date"), F("start_date")) + 1)
        .values(*EMPLOYEE)
        .order_by("end_date", "employer__name", "id")
    )


def by_name_rows(*, date_from=None, date_to=None) -> QuerySet:
    """A-10: members an employer asked for by name, dispatched on the days chosen."""
    from reports.selectors import _day_range

    qs = _day_range(Dispatch.objects.filter(type=DispatchType.BY_NAME), "offered_at", date_from, date_to)
    return (
        qs.annotate(name=_name())
        .values("id", "offered_at", "employer__name", "member__card_number", "name", "job_request_id",
                "job_request__worksite", "status", "start_date", "end_date")
        .order_by("offered_at", "id")
    )  # fmt: skip


# --- Requests ---


def request_detail_rows(*, date_from=None, date_to=None) -> QuerySet:
    """A-04: each request taken on the days chosen with its terms (what the employer asked)."""
    from reports.selectors import _day_range

    qs = _day_range(JobRequest.objects.filter(is_history=False), "taken_at", date_from, date_to)
    return (
        qs.annotate(dispatched=_dispatched())
        .values("id", "taken_at", "employer__name", "book_classification", "region", "job_class", "worksite",
                "start_date", "report_time", "expected_days", "is_short_call", "category", "workers_wanted",
                "dispatched", "wage_rate", "status")
        .order_by("taken_at", "id")
    )  # fmt: skip


def job_request_history_rows(*, employer=None) -> QuerySet:
    """A-14: every request of an employer, LaborPower's history included, newest first."""
    qs = JobRequest.objects.all() if employer is None else JobRequest.objects.filter(employer=employer)
    return (
        qs.annotate(dispatched=_dispatched())
        .values("id", "taken_at", "employer__name", "book_classification", "job_class", "worksite", "start_date",
                "workers_wanted", "dispatched", "status", "is_history")
        .order_by("-taken_at", "-id")
    )  # fmt: skip


def jobs_available_rows(*, member) -> QuerySet:
    """A-15: the open requests a member could be referred to: on a trade and region of one of
    their books (a registration on the book now), with a place left."""
    books = (
        BookRegistration.objects.filter(member=member, status__in=ACTIVE_STATUSES)
        .values_list("book__classification", "book__region").distinct()
    )  # fmt: skip
    on_their_books = Q(pk__in=[])
    for classification, region in books:
        on_their_books |= Q(book_classification=classification, region=region)
    return (
        JobRequest.objects.filter(on_their_books, status=JobRequestStatus.OPEN, is_history=False)
        .annotate(dispatched=_dispatched(), places_left=F("workers_wanted") - _dispatched())
        .filter(places_left__gt=0)
        .values("id", "employer__name", "book_classification", "region", "job_class", "worksite", "start_date",
                "workers_wanted", "dispatched", "places_left", "wage_rate", "bidding_closes_at")
        .order_by("start_date", "id")
    )  # fmt: skip


# --- Travelers and stewards ---

TRAVELER = ("id", "member__card_number", "name", "home_local", "arrived_on", "left_on", "days", "employer")


def _current_employer():
    working = Dispatch.objects.filter(member=OuterRef("member"), status=DispatchStatus.ACCEPTED).order_by("-start_date")
    return Coalesce(Subquery(working.values("employer__name")[:1]), Value(""), output_field=CharField())


def traveler_rows(*, date_from=None, date_to=None, today: datetime.date | None = None) -> QuerySet:
    """A-06: travelers here on any day of the range (card deposited by its last day, not left
    before its first); days here count both ends (to today for one still here)."""
    qs = Traveler.objects.all()
    if date_to:
        qs = qs.filter(arrived_on__lte=date_to)
    if date_from:
        qs = qs.filter(Q(left_on__isnull=True) | Q(left_on__gte=date_from))
    return _travelers(qs, today)


def current_traveler_rows(*, today: datetime.date | None = None) -> QuerySet:
    """A-12: travelers here today (card deposited, not left)."""
    day = today or timezone.localdate()
    return _travelers(Traveler.objects.filter(arrived_on__lte=day, left_on__isnull=True), today)


def _travelers(qs, today):
    last = Coalesce(F("left_on"), _today(today))
    return (
        qs.annotate(name=_name(), days=_days_between(last, F("arrived_on")) + 1, employer=_current_employer())
        .values(*TRAVELER)
        .order_by("home_local", "member__last_name", "member__first_name", "id")
    )


def travel_letter_rows(*, member=None, date_from=None, date_to=None) -> QuerySet:
    """AP-05: the travel letters the hall gave its members."""
    qs = _for_member(TravelLetter.objects.all(), member)
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    return (
        qs.annotate(name=_name(), by=F("issued_by__username"))
        .values("id", "issued_on", "member__card_number", "name", "to_local", "by")
        .order_by("-issued_on", "-id")
    )


def steward_rows(*, current_only: bool = False, today: datetime.date | None = None) -> QuerySet:
    """A-07: job stewards by employer and job site; `current_only`: those still steward."""
    qs = Steward.objects.all()
    if current_only:
        qs = qs.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today or timezone.localdate()))
    return (
        qs.annotate(name=_name(), site=Coalesce(F("worksite"), Value("")))
        .values("id", "employer__name", "worksite", "member__card_number", "name", "member__phone",
                "appointed_on", "ended_on")
        .order_by("employer__name", "worksite", "member__last_name", "id")
    )  # fmt: skip


# --- Applicants ---


def basic_information_rows(*, member=None) -> QuerySet:
    """AP-01: the member's record as the hall keeps it."""
    return (
        _for_member(Member.objects.all(), member, "pk")
        .annotate(name=_name(""))
        .values("id", "card_number", "name", "classification", "status", "home_local", "phone", "email",
                "address_line1", "city", "state", "zip_code", "preferred_region")
        .order_by("last_name", "first_name", "card_number")
    )  # fmt: skip


def current_registration_rows(*, member=None, today: datetime.date | None = None) -> QuerySet:
    """AP-04: the registrations a member holds now (on the book: out of work, dispatched or on a
    short call); days to re-sign negative when overdue."""
    from reports.selectors import _exempt

    qs = _for_member(BookRegistration.objects.filter(status__in=ACTIVE_STATUSES), member)
    return (
        qs.annotate(
            name=_name(), exempt=_exempt(),
            days_to_re_sign=_days_between(F("re_sign_due"), _today(today)),
        )
        .values("id", "member__card_number", "name", "book__name", "book__book_number", "apn", "registered_at",
                "re_sign_due", "days_to_re_sign", "check_marks", "status", "exempt")
        .order_by("member__last_name", "member__first_name", "book__classification", "book__region",
                  "book__book_number", "id")
    )  # fmt: skip


def applicant_rows(*, today: datetime.date | None = None) -> QuerySet:
    """A-08: everyone on a book now, one row a registration, with what LaborPower's applicant
    report shows of the member (classification, home local, skills held)."""
    skills = (
        MemberSkill.objects.filter(member=OuterRef("member")).order_by()
        .values("member").annotate(n=Count("id")).values("n")
    )  # fmt: skip
    return (
        BookRegistration.objects.filter(status__in=ACTIVE_STATUSES)
        .annotate(
            name=_name(),
            skills=Coalesce(Subquery(skills[:1], output_field=IntegerField()), 0),
            days_on_book=_days_between(_today(today), F("registered_at__date")) + 1,
        )
        .values("id", "book__name", "book__book_number", "apn", "member__card_number", "name",
                "member__classification", "member__home_local", "status", "days_on_book", "skills")
        .order_by("book__classification", "book__region", "book__book_number", "apn", "id")
    )  # fmt: skip


def skill_rows() -> QuerySet:
    """A-16: each skill a member holds, with its expiry (blank: does not expire)."""
    return (
        MemberSkill.objects.annotate(name=_name())
        .values("id", "skill__name", "member__card_number", "name", "member__classification", "expires_on")
        .order_by("skill__name", "member__last_name", "member__first_name", "id")
    )  # fmt: skip


def photo_id_rows() -> QuerySet:
    """A-17: active members and whether their ID photo is on file (never the photo itself in a
    file: the console shows it)."""
    return (
        Member.objects.filter(status="active")
        .annotate(
            name=_name(""),
            has_photo=ExpressionWrapper(~Q(photo=""), output_field=BooleanField()),
        )
        .values("id", "card_number", "name", "classification", "has_photo")
        .order_by("last_name", "first_name", "card_number")
    )


def bid_history_rows(*, member) -> QuerySet:
    """AP-08: a member's online bids, newest first."""
    return (
        JobBid.objects.filter(member=member)
        .annotate(name=_name())
        .values("id", "placed_at", "job_request_id", "job_request__employer__name", "registration__book__name",
                "registration__apn", "status", "member__card_number", "name")
        .order_by("-placed_at", "-id")
    )  # fmt: skip


def working_time_rows(*, today: datetime.date | None = None) -> QuerySet:
    """A-13: registrations that count days worked on calls against the book's limit (short calls:
    `days_on_calls` of `max_days_on_book`), the most used first."""
    return (
        BookRegistration.objects.filter(status__in=ACTIVE_STATUSES, days_on_calls__gt=0)
        .annotate(
            name=_name(),
            limit=F("book__max_days_on_book"),
            days_left=F("book__max_days_on_book") - F("days_on_calls"),
        )
        .values("id", "book__name", "apn", "member__card_number", "name", "days_on_calls", "limit", "days_left",
                "status")
        .order_by("days_left", "apn", "id")
    )  # fmt: skip


# --- EEOC (officers only: reads the demographics, docs/pii.md) ---


def eeoc_rows(*, date_from=None, date_to=None) -> QuerySet:
    """A-09: the members dispatched (accepted) on the days chosen, counted by gender and
    race/ethnicity; a member without demographics counts as not disclosed."""
    from reports.selectors import _day_range

    dispatched = _day_range(
        Dispatch.objects.filter(status__in=(DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED,
                                            DispatchStatus.TERMINATED)),
        "offered_at", date_from, date_to,
    ).values("member")  # fmt: skip
    people = Member.objects.filter(pk__in=dispatched)
    demographics = MemberDemographics.objects.filter(member=OuterRef("pk"))
    undisclosed = Value("not_disclosed")
    return (
        people.annotate(
            gender=Coalesce(NullIf(Subquery(demographics.values("gender")[:1]), Value("")), undisclosed,
                            output_field=CharField()),
            race=Coalesce(NullIf(Subquery(demographics.values("race")[:1]), Value("")), undisclosed,
                          output_field=CharField()),
        )
        .values("gender", "race")
        .annotate(members=Count("id"))
        .order_by("gender", "race")
    )  # fmt: skip
