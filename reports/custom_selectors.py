"""The reads behind LaborPower's Custom tab (issue 24; reports/custom.py declares the reports):
member lists with contact details and referral status, follow-ups after a dispatch, breakdowns
and counts, foremen, skills, online bids. Each returns a `values()` queryset; counts are worked
out by the database (GROUP BY), never summed in Python."""

import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.utils import timezone

from dispatch.enums import DispatchStatus, JobClass
from dispatch.models import Dispatch, EmployerContract, JobBid, JobRequest
from members.enums import Classification, Gender, MemberStatus, Race
from members.models import Member
from referral.enums import RegistrationStatus
from referral.models import BookRegistration
from reports.filters import _years_before
from reports.people_selectors import _dispatched, _name
from reports.selectors import _day_range, exempt_rows

# A dispatch the member took (on the job, or ended since): what follow-ups and breakdowns count.
TOOK_THE_JOB = (DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED, DispatchStatus.TERMINATED)
WITH, WITHOUT = "with", "without"


# --- Members: contact details and where they are (C-07 and its variants) ---


class ReferralState(TextChoices):
    """Where a member is now, as the hall asks it: on a short call, on a job, out of work on a
    book, or on no book."""

    SHORT_CALL = "short_call", "On a short call"
    WORKING = "working", "On a job"
    OUT_OF_WORK = "out_of_work", "Out of work (on a book)"
    NOT_ON_A_BOOK = "not_on_a_book", "Not on a book"


def referral_state() -> Case:
    """A member's referral state in SQL. A short call is also an accepted dispatch: asked first."""
    registrations = BookRegistration.objects.filter(member=OuterRef("pk"))
    on_a_job = Dispatch.objects.filter(member=OuterRef("pk"), status=DispatchStatus.ACCEPTED)
    state = ReferralState
    return Case(
        When(Exists(registrations.filter(status=RegistrationStatus.SHORT_CALL)), then=Value(state.SHORT_CALL.value)),
        When(Exists(on_a_job), then=Value(state.WORKING.value)),
        When(Exists(registrations.filter(status=RegistrationStatus.REGISTERED)), then=Value(state.OUT_OF_WORK.value)),
        default=Value(state.NOT_ON_A_BOOK.value),
        output_field=CharField(),
    )


def _with(qs: QuerySet, choice: str, blank: Q) -> QuerySet:
    if choice == WITH:
        return qs.exclude(blank)
    if choice == WITHOUT:
        return qs.filter(blank)
    return qs


def member_rows(*, working_as="", status="", referral="", email="", phone="", address="", contract="") -> QuerySet:
    """Members with their contact details and referral state. `email`, `phone`, `address`: "with"
    or "without" one; `contract`: on a job now for an employer under that contract code."""
    qs = Member.objects.all()
    if working_as:
        qs = qs.filter(classification=working_as)
    if status:
        qs = qs.filter(status=status)
    qs = _with(qs, email, Q(email=""))
    qs = _with(qs, phone, Q(phone__isnull=True))
    qs = _with(qs, address, Q(address_line1=""))
    if contract:
        qs = qs.filter(
            Exists(Dispatch.objects.filter(member=OuterRef("pk"), status=DispatchStatus.ACCEPTED,
                                           employer__contracts__contract_code=contract))
        )  # fmt: skip
    qs = qs.annotate(name=_name(""), referral=referral_state())
    if referral:
        qs = qs.filter(referral=referral)
    return qs.values(
        "id", "card_number", "name", "classification", "status", "referral", "phone", "email", "address_line1",
        "city", "state", "zip_code",
    ).order_by("last_name", "first_name", "id")  # fmt: skip


def classification_count_rows(*, working_as="") -> QuerySet:
    """C-39, C-23: active members of each classification: how many, where they are now."""
    qs = Member.objects.filter(status=MemberStatus.ACTIVE)
    if working_as:
        qs = qs.filter(classification=working_as)

    def count(state):
        return Count("id", filter=Q(referral=state))

    return (
        qs.annotate(referral=referral_state())
        .values("classification")
        .annotate(
            members=Count("id"),
            working=count(ReferralState.WORKING.value),
            short_call=count(ReferralState.SHORT_CALL.value),
            out_of_work=count(ReferralState.OUT_OF_WORK.value),
            not_on_a_book=count(ReferralState.NOT_ON_A_BOOK.value),
        )
        .order_by("classification")
    )


def sector_rows() -> QuerySet:
    """C-22: journeymen on a job now (dispatched as journeyman, accepted) by sector, the contract
    code their employer works under; an employer under two codes counts under each."""
    on_the_job = Q(employer__dispatches__status=DispatchStatus.ACCEPTED,
                   employer__dispatches__job_request__job_class=JobClass.JOURNEYMAN)  # fmt: skip
    return (
        EmployerContract.objects.values("contract_code")
        .annotate(
            employers=Count("employer", distinct=True),
            working=Count("employer__dispatches", filter=on_the_job, distinct=True),
        )
        .order_by("contract_code")
    )


# --- Dispatches: follow-ups, 401(k), member contact by contractor ---


def follow_up_rows(*, days=30, date_from=None, date_to=None) -> QuerySet:
    """C-01/02/03: members who started a job `days` days before the days chosen (the follow-up
    falls on them), with how to reach them and whether they are still on it."""
    days = int(days or 30)
    qs = Dispatch.objects.filter(status__in=TOOK_THE_JOB)
    if date_from:
        qs = qs.filter(start_date__gte=date_from - datetime.timedelta(days=days))
    if date_to:
        qs = qs.filter(start_date__lte=date_to - datetime.timedelta(days=days))
    return (
        qs.annotate(name=_name())
        .values("id", "start_date", "member__card_number", "name", "member__phone", "member__email",
                "employer__name", "job_request__worksite", "status", "end_date")
        .order_by("start_date", "member__last_name", "id")
    )  # fmt: skip


def without_401k_rows() -> QuerySet:
    """C-11: members dispatched (they took the job) whose 401(k) statement has not come in."""
    return (
        Dispatch.objects.filter(status__in=TOOK_THE_JOB, statement_401k=False)
        .annotate(name=_name())
        .values("id", "offered_at", "member__card_number", "name", "employer__name", "job_request_id",
                "start_date", "status")
        .order_by("offered_at", "id")
    )  # fmt: skip


def member_contact_rows() -> QuerySet:
    """C-26/27/28: each member dispatched (who took the job), by contractor and worksite, with
    their phone, e-mail and address."""
    return (
        Dispatch.objects.filter(status__in=TOOK_THE_JOB)
        .annotate(name=_name())
        .values("id", "employer__name", "job_request__worksite", "offered_at", "member__card_number", "name",
                "member__phone", "member__email", "member__address_line1", "member__city", "member__state",
                "member__zip_code", "status")
        .order_by("employer__name", "job_request__worksite", "member__last_name", "id")
    )  # fmt: skip


def foreman_rows() -> QuerySet:
    """C-08: members on a job now (accepted, not ended) dispatched as foreman or general foreman."""
    return (
        Dispatch.objects.filter(status=DispatchStatus.ACCEPTED,
                                job_request__job_class__in=(JobClass.FOREMAN, JobClass.GENERAL_FOREMAN))
        .annotate(name=_name())
        .values("id", "employer__name", "member__card_number", "name", "member__phone", "job_request__job_class",
                "job_request__worksite", "start_date")
        .order_by("employer__name", "member__last_name", "id")
    )  # fmt: skip


# --- Requests: job counts by category ---


def job_count_rows(*, date_from=None, date_to=None, by_employer=False) -> QuerySet:
    """C-20, C-21: requests taken on the days chosen by category (and employer): how many, the
    workers wanted, dispatched."""
    qs = _day_range(JobRequest.objects.all(), "taken_at", date_from, date_to).annotate(filled=_dispatched())
    keys = ("employer__name", "category") if by_employer else ("category",)
    return (
        qs.values(*keys)
        .annotate(requests=Count("id"), wanted=Sum("workers_wanted"), dispatched=Sum("filled"))
        .order_by(*keys)
    )


# --- Breakdowns by date (C-06, C-09, C-10, C-15, C-16, C-17) ---

NOT_RECORDED = "Not recorded"
# Age bands (years, upper bound exclusive), as the hall's breakdown prints them.
AGE_BANDS = ((25, "Under 25"), (35, "25–34"), (45, "35–44"), (55, "45–54"), (65, "55–64"))


def _labels(field: str, choices) -> Case:
    """A stored choice as its label, in SQL (a breakdown's heading); none recorded: 'Not recorded'."""
    return Case(
        *[When(**{field: value}, then=Value(str(label))) for value, label in choices.choices],
        default=Value(NOT_RECORDED), output_field=CharField(),
    )  # fmt: skip


def _order(field: str, choices) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(n)) for n, (value, _) in enumerate(choices.choices)],
        default=Value(99), output_field=IntegerField(),
    )  # fmt: skip


def _age_band(on: datetime.date) -> tuple[Case, Case]:
    """The age band on `on`, from the birth date: under N is born after `on` − N years."""
    born = "demographics__birth_date"
    whens = [When(**{f"{born}__gt": _years_before(on, top)}, then=Value(label)) for top, label in AGE_BANDS]
    order = [When(**{f"{born}__gt": _years_before(on, top)}, then=Value(n)) for n, (top, _) in enumerate(AGE_BANDS)]
    return (
        Case(When(**{f"{born}__isnull": True}, then=Value(NOT_RECORDED)), *whens, default=Value("65 and over"),
             output_field=CharField()),
        Case(When(**{f"{born}__isnull": True}, then=Value(99)), *order, default=Value(len(AGE_BANDS)),
             output_field=IntegerField()),
    )  # fmt: skip


def _dimension(by: str, on: datetime.date) -> tuple[Case, Case]:
    if by == "age":
        return _age_band(on)
    if by == "class":
        return _labels("classification", Classification), _order("classification", Classification)
    if by == "gender":
        return _labels("demographics__gender", Gender), _order("demographics__gender", Gender)
    return _labels("demographics__race", Race), _order("demographics__race", Race)


# What each breakdown counts by: its heading, then what is within it.
BREAKDOWNS = {
    "age": ("age", None),
    "class": ("class", None),
    "gender": ("gender", None),
    "ethnicity": ("ethnicity", None),
    "class_gender": ("class", "gender"),
    "gender_ethnicity": ("gender", "ethnicity"),
}


def breakdown_rows(*, by="class", date_from=None, date_to=None) -> QuerySet:
    """Members who took a job on the days chosen (offered then, accepted), each counted once, by
    the dimension(s) of `by`: age band (on the range's last day), classification, gender,
    race/ethnicity. Gender, race and age read the demographics: officers only."""
    dispatched = _day_range(Dispatch.objects.filter(status__in=TOOK_THE_JOB), "offered_at", date_from, date_to)
    on = date_to or timezone.localdate()
    first, second = BREAKDOWNS.get(by or "class", BREAKDOWNS["class"])
    group, group_order = _dimension(first, on)
    qs = Member.objects.filter(pk__in=dispatched.values("member")).annotate(group=group, group_order=group_order)
    if second is None:
        qs = qs.annotate(within=Value("", output_field=CharField()), within_order=Value(0))
    else:
        within, within_order = _dimension(second, on)
        qs = qs.annotate(within=within, within_order=within_order)
    return (
        qs.values("group_order", "group", "within_order", "within")
        .annotate(members=Count("id"))
        .order_by("group_order", "group", "within_order", "within")
    )


# --- Skills, organizing, online bids ---


def active_skill_rows() -> QuerySet:
    """C-37: the skills active members hold, with their expiry and phone."""
    from members.models import MemberSkill

    return (
        MemberSkill.objects.filter(member__status=MemberStatus.ACTIVE)
        .annotate(name=_name())
        .values("id", "skill__name", "member__card_number", "name", "member__classification", "member__phone",
                "expires_on")
        .order_by("skill__name", "member__last_name", "member__first_name", "id")
    )  # fmt: skip


def organizing_rows() -> QuerySet:
    """C-31: members on a book exempt because they are out organizing (salting)."""
    from members.enums import ExemptReason

    return exempt_rows().filter(reason=ExemptReason.SALTING)


def web_bid_rows(*, member=None, classification="", region="", date_from=None, date_to=None) -> QuerySet:
    """C-42/43/44: online bids placed on the days chosen, member by member, on a book's trade
    (and region)."""
    qs = _day_range(JobBid.objects.all(), "placed_at", date_from, date_to)
    if member is not None:
        qs = qs.filter(member=member)
    if classification:
        qs = qs.filter(registration__book__classification=classification)
    if region:
        qs = qs.filter(registration__book__region=region)
    return (
        qs.annotate(name=_name())
        .values("id", "member__card_number", "name", "placed_at", "job_request_id", "job_request__employer__name",
                "registration__book__name", "registration__apn", "status")
        .order_by("member__last_name", "member__first_name", "placed_at", "id")
    )  # fmt: skip
