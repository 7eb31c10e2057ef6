"""The reads behind the reports: each takes the report's cleaned filters (keyword arguments) and
returns rows as dicts (a `values()` queryset, so exports stream in chunks). Keys are the
columns' accessors (reports/catalog.py)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    ExtractIsoYear,
    ExtractWeek,
    Left,
    LPad,
    NullIf,
    TruncDate,
    TruncWeek,
    Upper,
)
from django.utils import timezone

from dispatch.enums import FILLING_DISPATCH_STATUSES
from dispatch.models import Dispatch, EmployerContract, JobBid, JobRequest
from fulfillment.enums import ON_SHIFT, TIMED_STATUSES, TimeLogStatus
from fulfillment.models import TimeLog
from members.enums import Region
from referral import selectors as referral_selectors
from referral.calendar import calendar_around
from referral.enums import (
    WORK_STATUS_OF_EXEMPTION,
    BookRegion,
    BookType,
    RegistrationAction,
    RegistrationStatus,
    WorkStatus,
)
from referral.models import REGISTRATION_ORDER, BookRegistration, ReferralBook, RegistrationActivity

S = RegistrationStatus
A = RegistrationAction


def _name(prefix: str = "member__"):
    return Concat(F(f"{prefix}last_name"), Value(", "), F(f"{prefix}first_name"), output_field=CharField())


def _tz():
    return timezone.get_current_timezone()


def _day_range(qs: QuerySet, field: str, date_from, date_to) -> QuerySet:
    """Rows whose `field` (a datetime) falls on the given local days, both ends included."""
    if date_from:
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=_tz())
        qs = qs.filter(**{f"{field}__gte": start})
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=_tz())
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


EFFECTIVELY_EXEMPT = Q(is_exempt=True) | Q(is_exempt__isnull=True, member__is_exempt=True)


def _exempt():
    return Case(When(EFFECTIVELY_EXEMPT, then=Value(True)), default=Value(False), output_field=BooleanField())


# --- 1. LaborPower's Registration List: every tier of one book ---


@dataclass(frozen=True)
class Book:
    """A book as LaborPower names it (WIRE SEATTLE): one trade in one region, all its tiers."""

    name: str
    classification: str
    region: str
    tiers: tuple[int, ...]


def books() -> dict[str, Book]:
    """The active books by name, in the console's order: the LaborPower name of their tiers
    (WIRE SEATTLE), or, for a trade and region whose tiers have none, the trade and region
    ("Inside Wireperson — Seattle"). One query."""
    tiers: dict[tuple[str, str], list] = {}
    for classification, region, tier, laborpower_name in (
        ReferralBook.objects.filter(is_active=True)
        .order_by("classification", "region", "book_number")
        .values_list("classification", "region", "book_number", "laborpower_name")
    ):
        tiers.setdefault((classification, region), []).append((tier, laborpower_name))
    out: dict[str, Book] = {}
    for (classification, region), rows in tiers.items():
        plain = f"{BookType(classification).label} — {BookRegion(region).label}"
        name = next((lp for _, lp in rows if lp), "") or plain
        if name in out:  # two trades given the same LaborPower name: keep them apart
            name = plain
        out[name] = Book(name, classification, region, tuple(t for t, _ in rows))
    return out


def _laborpower_name():
    """NAME as LaborPower prints it: LAST, FIRST M (the middle initial)."""
    middle = Case(
        When(member__middle_name="", then=Value("")),
        default=Concat(Value(" "), Left("member__middle_name", 1)),
        output_field=CharField(),
    )
    return Upper(Concat(F("member__last_name"), Value(", "), F("member__first_name"), middle, output_field=CharField()))


def work_status():
    """LaborPower's STATUS in SQL: what `BookRegistration.work_status` says of a row (decision
    0028), so that the list sorts on it. reports/tests/test_registration_list.py holds the two
    to the same answer for every word."""
    whens = [When(status=S.DISPATCHED, then=Value(WorkStatus.WORKING)),
             When(status=S.SHORT_CALL, then=Value(WorkStatus.SHORT_CALL))]  # fmt: skip
    for reason, word in WORK_STATUS_OF_EXEMPTION.items():
        whens.append(When(status=S.REGISTERED, is_exempt=True, exempt_reason=reason, then=Value(word)))
        whens.append(When(status=S.REGISTERED, is_exempt__isnull=True, member__is_exempt=True,
                          member__exempt_reason=reason, then=Value(word)))  # fmt: skip
    whens.append(When(Q(status=S.REGISTERED) & EFFECTIVELY_EXEMPT, then=Value(WorkStatus.EXEMPT)))
    whens.append(When(status=S.REGISTERED, then=Value(WorkStatus.UNEMPLOYED)))
    return Case(*whens, default=Value(""), output_field=CharField())


# REGION as LaborPower prints it (a member's preferred area).
LABORPOWER_REGION = {**{r.value: str(r.label).upper() for r in Region}, Region.PORT_ANGELES: "PT ANGELES"}


def _region():
    return Case(
        *[When(member__preferred_region=value, then=Value(word)) for value, word in LABORPOWER_REGION.items()],
        default=Value(""), output_field=CharField(),
    )  # fmt: skip


REGISTRATION_LIST = (
    "id", "tier", "registration_number", "name", "member__home_local", "registered_at", "act", "rel", "check",
    "work_status", "region", "apn",
)  # fmt: skip


def registration_list_rows(*, book: str, tier: int | None = None) -> QuerySet:
    """LaborPower's Registration List of one book (`books()`' name), every tier of it or one:
    everyone on a tier — out of work, working, on a short call, exempt — tier 1 first, each
    tier in its order (APN, registration time, id), each row with its tier's heading
    ("WIRE SEATTLE : 1"), ACT and REL (both from 1 on each tier: referral.selectors), STATUS,
    CHECK (None for 0) and REGION as LaborPower prints them. One query; ACT and REL are
    computed before any ORDER BY, so a sort on another column keeps each row's."""
    found = books().get(book)
    if found is None:
        return BookRegistration.objects.none().values(*REGISTRATION_LIST)
    rows = BookRegistration.objects.active().filter(
        book__classification=found.classification, book__region=found.region, book__is_active=True
    )
    if tier is not None:
        rows = rows.filter(book__book_number=tier)
    return (
        rows.annotate(
            tier=Concat(Value(f"{found.name} : "), Cast("book__book_number", CharField()), output_field=CharField()),
            act=referral_selectors.act_position(),
            rel=referral_selectors.rel_position(),
            name=_laborpower_name(),
            check=NullIf("check_marks", Value(0)),
            work_status=work_status(),
            region=_region(),
        )
        .values(*REGISTRATION_LIST)
        .order_by("book__book_number", *REGISTRATION_ORDER)
    )


def average_days_out_of_work():
    """The Registration List's summary: the average time since registering of the members
    available for referral (LaborPower's UNEMPLOYED), by the database; now from Python, never the
    database's clock."""
    from django.db.models import Avg, DurationField

    since = ExpressionWrapper(Value(timezone.now()) - F("registered_at"), output_field=DurationField())
    return Avg(since, filter=Q(work_status=WorkStatus.UNEMPLOYED))


# --- 2. Out-of-work summary: counts by book and region ---


def out_of_work_summary_rows(*, region: str = "", classification: str = "") -> QuerySet:
    books = ReferralBook.objects.filter(is_active=True)
    if region:
        books = books.filter(region=region)
    if classification:
        books = books.filter(classification=classification)
    on_book = Q(registrations__status=S.REGISTERED)
    exempt = Q(registrations__is_exempt=True) | Q(
        registrations__is_exempt__isnull=True, registrations__member__is_exempt=True
    )
    return books.annotate(
        out_of_work=Count("registrations", filter=on_book),
        exempt_count=Count("registrations", filter=on_book & exempt),
        short_call=Count("registrations", filter=Q(registrations__status=S.SHORT_CALL)),
        dispatched=Count("registrations", filter=Q(registrations__status=S.DISPATCHED)),
    ).values("id", "region", "name", "book_number", "out_of_work", "exempt_count", "short_call", "dispatched")


# --- 3. Daily dispatch log (the day book) ---


def dispatch_log_rows(*, date_from=None, date_to=None, employer=None, status: str = "") -> QuerySet:
    qs = Dispatch.objects.all()
    qs = _day_range(qs, "offered_at", date_from, date_to)
    if employer is not None:
        qs = qs.filter(employer=employer)
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(day=TruncDate("offered_at", tzinfo=_tz()), name=_name()).values(
        "id", "day", "offered_at", "member__card_number", "name", "employer__name", "job_request_id",
        "job_request__book_classification", "type", "status", "start_date", "wage_rate",
    ).order_by("offered_at", "id")  # fmt: skip


# --- 4. Job request register ---


def job_request_rows(*, date_from=None, date_to=None, employer=None, status: str = "") -> QuerySet:
    qs = _day_range(JobRequest.objects.all(), "taken_at", date_from, date_to)
    if employer is not None:
        qs = qs.filter(employer=employer)
    if status:
        qs = qs.filter(status=status)
    filled = (
        Dispatch.objects.filter(job_request=OuterRef("pk"), status__in=FILLING_DISPATCH_STATUSES)
        .order_by()
        .values("job_request")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        dispatched=Coalesce(Subquery(filled[:1], output_field=IntegerField()), 0)
    ).values(
        "id", "taken_at", "employer__name", "book_classification", "region", "category", "workers_wanted",
        "dispatched", "start_date", "status", "wage_rate",
    ).order_by("taken_at", "id")  # fmt: skip


# --- 5. Member dispatch history; 6. Employer dispatch history ---

DISPATCH_HISTORY = (
    "id", "offered_at", "member__card_number", "name", "employer__name", "job_request_id", "type", "status",
    "start_date", "end_date", "end_reason", "wage_rate",
)  # fmt: skip


def member_dispatch_rows(*, member) -> QuerySet:
    return (
        Dispatch.objects.filter(member=member)
        .annotate(name=_name())
        .values(*DISPATCH_HISTORY)
        .order_by("-offered_at", "-id")
    )


def employer_dispatch_rows(*, employer=None, date_from=None, date_to=None) -> QuerySet:
    """Dispatches, newest first (the report's filter set picks the employers: `employer` None)."""
    qs = Dispatch.objects.all() if employer is None else Dispatch.objects.filter(employer=employer)
    qs = _day_range(qs, "offered_at", date_from, date_to)
    return qs.annotate(name=_name()).values(*DISPATCH_HISTORY).order_by("-offered_at", "-id")


# --- 7. Re-sign due / overdue ---


class DaysBetween(Func):
    """`later` − `earlier`, two dates, in whole days: date − date is a number of days in
    PostgreSQL; SQLite (`make run`) counts them by julianday()."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)",
                           arg_joiner=") - julianday(", **extra_context)  # fmt: skip


def re_sign_due_rows(*, due_by: datetime.date | None = None, book=None, today: datetime.date | None = None) -> QuerySet:
    """Members out of work (not exempt) whose re-sign falls due by `due_by`: overdue ones have
    a negative number of days left."""
    today = today or timezone.localdate()
    due_by = due_by or today + datetime.timedelta(days=7)
    qs = BookRegistration.objects.filter(status=S.REGISTERED, re_sign_due__lte=due_by).exclude(EFFECTIVELY_EXEMPT)
    if book is not None:
        qs = qs.filter(book=book)
    return qs.annotate(
        name=_name(),
        days_left=DaysBetween(F("re_sign_due"), Value(today)),
        state=Case(When(re_sign_due__lt=today, then=Value("Overdue")), default=Value("Due"), output_field=CharField()),
    ).values(
        "id", "book__name", "apn", "member__card_number", "name", "re_sign_due", "days_left", "state", "book_id"
    ).order_by("book__book_number", "book_id", "re_sign_due", "apn")  # fmt: skip


# --- 8. Roll-off report ---


def roll_off_rows(*, date_from=None, date_to=None, book=None, reason: str = "") -> QuerySet:
    qs = _day_range(BookRegistration.objects.filter(status=S.ROLLED_OFF), "rolled_off_at", date_from, date_to)
    if book is not None:
        qs = qs.filter(book=book)
    if reason:
        qs = qs.filter(roll_off_reason=reason)
    return qs.annotate(name=_name()).values(
        "id", "book__name", "rolled_off_at", "apn", "member__card_number", "name", "roll_off_reason", "check_marks"
    ).order_by("book__name", "rolled_off_at", "id")  # fmt: skip


# --- 9. Check-mark report ---

CHECK_MARK_ACTIONS = (A.CHECK_MARK, A.NO_CHECK_MARK, A.CHECK_MARK_RESTORED)


def check_mark_rows(*, date_from=None, date_to=None, book=None) -> QuerySet:
    """Every passed call: a check mark (+1), a pass without one (0, with its excuse), a check
    mark restored (−1). `marks` sums to the net check marks given."""
    qs = _day_range(RegistrationActivity.objects.filter(action__in=CHECK_MARK_ACTIONS), "at", date_from, date_to)
    if book is not None:
        qs = qs.filter(registration__book=book)
    return qs.annotate(
        name=_name("registration__member__"),
        marks=Case(
            When(action=A.CHECK_MARK, then=Value(1)), When(action=A.CHECK_MARK_RESTORED, then=Value(-1)),
            default=Value(0), output_field=IntegerField(),
        ),
        by=Concat(F("actor__first_name"), Value(" "), F("actor__last_name"), output_field=CharField()),
    ).values(
        "id", "at", "registration__book__name", "apn", "registration__member__card_number", "name", "action",
        "marks", "no_check_mark_reason", "reason", "by",
    ).order_by("at", "id")  # fmt: skip


# --- 10. Short-call report (with overdue short calls) ---


def short_call_rows(*, book=None, overdue_only: bool = False, today: datetime.date | None = None) -> QuerySet:
    """Members on a short call. Overdue: the day to re-register has passed, or the call has
    run past the short-call limit of working days and is still not ended."""
    from dispatch.models import HallSettings

    today = today or timezone.localdate()
    cutoff = calendar_around(today).nth_business_day_back(today, HallSettings.current().short_call_max_days)
    cutoff_at = datetime.datetime.combine(cutoff, datetime.time.min, tzinfo=_tz())
    overdue = Q(re_register_by__lt=today) | Q(re_register_by__isnull=True, dispatched_at__lt=cutoff_at)
    qs = BookRegistration.objects.filter(status=S.SHORT_CALL)
    if book is not None:
        qs = qs.filter(book=book)
    if overdue_only:
        qs = qs.filter(overdue)
    return qs.annotate(
        name=_name(),
        overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
    ).values(
        "id", "book__name", "apn", "member__card_number", "name", "dispatched_at", "re_register_by",
        "short_call_restorations", "overdue",
    ).order_by("book__name", "apn", "id")  # fmt: skip


# --- 11. Exempt members ---


def exempt_rows(*, book=None) -> QuerySet:
    """Active registrations exempt on their book (their own exemption or the member's)."""
    qs = BookRegistration.objects.active().filter(EFFECTIVELY_EXEMPT)
    if book is not None:
        qs = qs.filter(book=book)
    own = Q(is_exempt=True)
    return qs.annotate(
        name=_name(),
        reason=Case(When(own, then=F("exempt_reason")), default=F("member__exempt_reason"), output_field=CharField()),
        until=Case(When(own, then=F("exempt_until")), default=F("member__exempt_until")),
        source=Case(When(own, then=Value("This book")), default=Value("Member (all books)"), output_field=CharField()),
    ).values(
        "id", "book__name", "apn", "member__card_number", "name", "status", "reason", "until", "source"
    ).order_by("book__name", "apn", "id")  # fmt: skip


# --- 12. Registration activity audit ---


def activity_rows(*, date_from=None, date_to=None, book=None, action: str = "", member=None) -> QuerySet:
    qs = _day_range(RegistrationActivity.objects.all(), "at", date_from, date_to)
    if book is not None:
        qs = qs.filter(registration__book=book)
    if action:
        qs = qs.filter(action=action)
    if member is not None:
        qs = qs.filter(registration__member=member)
    return qs.annotate(
        name=_name("registration__member__"),
        by=Concat(F("actor__first_name"), Value(" "), F("actor__last_name"), output_field=CharField()),
    ).values(
        "id", "at", "registration__book__name", "apn", "registration__member__card_number", "name", "action",
        "reason", "by",
    ).order_by("at", "id")  # fmt: skip


# --- 13. Online bid report ---


def bid_rows(*, date_from=None, date_to=None, status: str = "") -> QuerySet:
    qs = _day_range(JobBid.objects.all(), "placed_at", date_from, date_to)
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(name=_name()).values(
        "id", "placed_at", "job_request_id", "job_request__employer__name", "member__card_number", "name",
        "registration__book__name", "registration__apn", "status",
    ).order_by("job_request_id", "placed_at", "id")  # fmt: skip


# --- 14. Employers by contract code ---


def employer_contract_rows(*, contract_code: str = "", status: str = "") -> QuerySet:
    qs = EmployerContract.objects.all()
    if contract_code:
        qs = qs.filter(contract_code=contract_code)
    if status:
        qs = qs.filter(employer__status=status)
    return qs.values(
        "id", "contract_code", "employer__code", "employer__name", "employer__city", "employer__status",
        "employer__phone",
    ).order_by("contract_code", "employer__name", "id")  # fmt: skip


# --- 15. Time-log verification status by employer ---

PENDING = tuple(TIMED_STATUSES)
OPEN = (*ON_SHIFT, TimeLogStatus.DRAFT)


def verification_status_rows(*, date_from=None, date_to=None, employer=None) -> QuerySet:
    """Per employer: its time logs (by the day of the shift) by where they stand."""
    qs = _day_range(TimeLog.objects.all(), "clock_in_at", date_from, date_to)
    if employer is not None:
        qs = qs.filter(dispatch__employer=employer)
    return (
        qs.values("dispatch__employer_id", "dispatch__employer__name")
        .annotate(
            open=Count("id", filter=Q(status__in=OPEN)),
            pending=Count("id", filter=Q(status__in=PENDING)),
            verified=Count("id", filter=Q(status=TimeLogStatus.VERIFIED)),
            disputed=Count("id", filter=Q(status=TimeLogStatus.DISPUTED)),
            logs=Count("id"),
        )
        .order_by("dispatch__employer__name", "dispatch__employer_id")
    )


# --- 16. Verified hours and funds by employer and ISO week ---


def verified_hours_rows(*, date_from=None, date_to=None, employer=None) -> QuerySet:
    """Verified time logs by employer and ISO week (Monday, in the hall's time zone) of the
    final clock-in: hours (billable) and funds (the amounts). A verified log replaced by a
    verified correction counts once, as the correction."""
    qs = TimeLog.objects.filter(status=TimeLogStatus.VERIFIED).exclude(
        pk__in=TimeLog.objects.filter(corrections__status=TimeLogStatus.VERIFIED).values("pk")
    )
    qs = _day_range(qs, "final_clock_in", date_from, date_to)
    if employer is not None:
        qs = qs.filter(dispatch__employer=employer)
    hours = ExpressionWrapper(
        Sum(Coalesce("billable_minutes", 0)) / Value(Decimal("60.0")), output_field=DecimalField(decimal_places=2)
    )
    return (
        qs.annotate(
            week=TruncWeek("final_clock_in", tzinfo=_tz()),
            iso_week=Concat(
                Cast(ExtractIsoYear("final_clock_in", tzinfo=_tz()), CharField()),
                Value("-W"),
                LPad(Cast(ExtractWeek("final_clock_in", tzinfo=_tz()), CharField()), 2, Value("0")),
                output_field=CharField(),
            ),
        )
        .values("dispatch__employer_id", "dispatch__employer__name", "week", "iso_week")
        .annotate(logs=Count("id"), hours=hours, funds=Coalesce(Sum("amount"), Value(Decimal("0.00"))))
        .order_by("dispatch__employer__name", "dispatch__employer_id", "week")
    )
