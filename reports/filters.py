"""LaborPower's report filters (its Advanced and Applicant tabs; the Basic tab's date range and
book) as one django-filter family (issue 24, item 2; decision 0048).

`LaborPowerFilters` declares every filter LaborPower offers — employer, books, tiers (its "book
numbers"), working as, worksites, skills, status, ages, race, gender, job class, a date range and
Detail / Summary. What a filter filters depends on the rows: a subject (`DispatchFilters`,
`RegistrationFilters`, `JobRequestFilters`, `MemberFilters`) says where each one looks (`paths`).
A report takes the filters it offers:

    filterset = DispatchFilters.taking("employer", "books", "date_from", "date_to", "detail", max_days=366)

and its selector returns the unfiltered rows (a queryset of the subject's model); the framework
applies the filters given (`Report.rows`). A filter whose field the subject's model does not
have is not offered. Race, gender and ages are personal data, read from the member's
`MemberDemographics` (docs/pii.md): offered only to users who may see them (officers:
`framework.sees_demographics`), and for anyone else neither shown, applied nor written to a run's
filters (`Report.form` leaves them out; decision 0053).
"""

import copy
import datetime
from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils import timezone

from dispatch.enums import BidStatus, DispatchStatus, JobClass, JobRequestStatus
from dispatch.models import Dispatch, Employer, JobBid, JobRequest, ReferralCandidate
from members.enums import Classification, MemberStatus
from members.models import CopeCheckoff, Member, MemberDemographics, Skill
from referral.enums import RegistrationStatus
from referral.models import BookRegistration
from reports.framework import PlausibleDateField

# Personal data: offered (and shown in a run's filters) only to users who may see it.
DEMOGRAPHIC_FILTERS = frozenset({"race", "gender", "age_from", "age_to"})
EMPTY = (None, "", [], (), {})


# Detail / Summary (LaborPower's "Format"): every row, or only the summary figures.
DETAIL, SUMMARY = "detail", "summary"
# Filters that may match a row more than once (a member with two skills): filtered by a subquery.
TO_MANY = frozenset({"skill"})


def _books():
    from reports import selectors

    return [(name, name) for name in selectors.books()]


def _tiers():
    return [(str(n), str(n)) for n in range(1, 5)]  # LaborPower's books have up to four


def _worksites():
    sites = JobRequest.objects.exclude(worksite="").order_by("worksite").values_list("worksite", flat=True).distinct()
    return [(s, s) for s in sites[:500]]


def _demographic_choices(field: str):
    return list(MemberDemographics._meta.get_field(field).choices)


def _model_has(model, path: str) -> bool:
    """Whether `path` (a__b__c, lookups left off) leads to a field of `model`."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        model = field.related_model
        if model is None:
            return True
    return True


class PlausibleDateFilter(django_filters.DateFilter):
    field_class = PlausibleDateField  # a date outside the plausible range is a form error (decision 0037)


class LaborPowerFilterForm(forms.Form):
    """The form of a filter set: a range ending before it starts, or longer than `max_days`, is a
    form error; ages likewise."""

    max_days: int | None = None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", f"The range ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}).")
        elif self.max_days and start and end and (end - start).days + 1 > self.max_days:
            self.add_error(
                None,
                f"{(end - start).days + 1:,} days is too long a range for this report: "
                f"choose at most {self.max_days} days.",
            )
        young, old = data.get("age_from"), data.get("age_to")
        if young is not None and old is not None and old < young:
            self.add_error("age_to", f"The ages end ({old}) below where they start ({young}).")
        return data


class LaborPowerFilters(django_filters.FilterSet):
    """Every filter LaborPower offers; a subject says where each looks (`paths`), a report takes
    some (`taking`)."""

    # filter name -> the path on the subject's model it filters (None: the subject has no such thing)
    paths: dict[str, str | tuple[str, str]] = {}  # "book": the paths to its trade and its region
    date_label = "Dates"

    employer = django_filters.ModelMultipleChoiceFilter(
        queryset=Employer.objects.order_by("name"), label="Employer", method="by_in"
    )
    book = django_filters.MultipleChoiceFilter(choices=_books, label="Book", method="by_book")
    tier = django_filters.MultipleChoiceFilter(choices=_tiers, label="Book number (tier)", method="by_in")
    working_as = django_filters.MultipleChoiceFilter(choices=Classification.choices, label="Working as", method="by_in")
    worksite = django_filters.MultipleChoiceFilter(choices=_worksites, label="Worksite", method="by_in")
    skill = django_filters.ModelMultipleChoiceFilter(queryset=Skill.objects.all(), label="Skill", method="by_in")
    status = django_filters.MultipleChoiceFilter(choices=(), label="Status", method="by_in")
    age_from = django_filters.NumberFilter(label="Age from", min_value=14, max_value=100, method="by_age")
    age_to = django_filters.NumberFilter(label="Age to", min_value=14, max_value=100, method="by_age")
    race = django_filters.MultipleChoiceFilter(choices=_demographic_choices("race"), label="Race", method="by_in")
    gender = django_filters.MultipleChoiceFilter(choices=_demographic_choices("gender"), label="Gender", method="by_in")
    job_class = django_filters.MultipleChoiceFilter(choices=JobClass.choices, label="Job class", method="by_in")
    date_from = PlausibleDateFilter(label="From", method="by_date")
    date_to = PlausibleDateFilter(label="To", method="by_date")
    detail = django_filters.ChoiceFilter(
        choices=[(DETAIL, "Detail"), (SUMMARY, "Summary")], label="Format", empty_label=None,
        method="by_nothing",
    )  # fmt: skip

    class Meta:
        form = LaborPowerFilterForm
        fields: list[str] = []

    # --- What each filter does, on the subject's path ---

    def _path(self, name: str) -> str:
        return self.paths[name]

    def by_in(self, queryset, name, value):
        values = [getattr(v, "pk", v) for v in value]
        if not values:
            return queryset
        if name == "tier":
            values = [int(v) for v in values]
        lookup = {f"{self._path(name)}__in": values}
        if name in TO_MANY:  # once a row, however many of its skills match
            return queryset.filter(pk__in=queryset.model._default_manager.filter(**lookup).values("pk"))
        return queryset.filter(**lookup)

    def by_book(self, queryset, name, value):
        """A book as LaborPower names it (WIRE SEATTLE) is a trade and region: every tier of it."""
        from reports import selectors

        books = selectors.books()
        classification, region = self.paths["book"]  # the paths to the trade and to the region
        wanted = [books[v] for v in value if v in books]
        if not wanted:
            return queryset
        return queryset.filter(reduce(or_, (Q(**{classification: b.classification, region: b.region}) for b in wanted)))

    def by_age(self, queryset, name, value):
        """Age on today's date, from the birth date: from N is born on or before today − N years;
        to N is born after today − (N + 1) years."""
        today = timezone.localdate()
        path = self._path(name)
        years = int(value)
        if name == "age_from":
            return queryset.filter(**{f"{path}__lte": _years_before(today, years)})
        return queryset.filter(**{f"{path}__gt": _years_before(today, years + 1)})

    def by_date(self, queryset, name, value):
        path = self._path("date")
        return queryset.filter(**{f"{path}__{'gte' if name == 'date_from' else 'lte'}": value})

    def by_nothing(self, queryset, name, value):
        return queryset  # Detail / Summary chooses what the report shows, not which rows

    # --- The family ---

    # Filters a report's own subclass declares beside LaborPower's ("period", "as_of"): offered
    # whatever the paths say (the selector takes them, `Report.selector_takes`).
    own: frozenset[str] = frozenset()

    @classmethod
    def offers(cls, name: str) -> bool:
        if name == "detail" or name in cls.own:
            return True
        key = {"date_from": "date", "date_to": "date"}.get(name, name)
        path = cls.paths.get(key)
        if path is None:
            return False
        if isinstance(path, tuple):
            return all(_model_has(cls._meta.model, p) for p in path)
        return _model_has(cls._meta.model, path.removesuffix("__date"))

    @classmethod
    def taking(cls, *names: str, max_days: int | None = None, required: tuple[str, ...] = ()):
        """The filter set of a report: these filters, in LaborPower's order; those the subject's
        model lacks (a field not added yet) left out."""
        unknown = [n for n in names if n not in cls.base_filters]
        if unknown:
            raise ValueError(f"{cls.__name__} has no filter {', '.join(unknown)}")
        form = type(f"{cls.__name__}Form", (cls._meta.form,), {"max_days": max_days})
        subclass = type(cls.__name__, (cls,), {"Meta": type("Meta", (cls.Meta,), {"form": form})})
        subclass.base_filters = {
            n: copy.deepcopy(f) for n, f in cls.base_filters.items() if n in names and cls.offers(n)
        }  # fmt: skip
        for name in required:
            subclass.base_filters[name].extra["required"] = True
        return subclass

    @classmethod
    def form_class(cls) -> type[forms.Form]:
        """The Django form a report page shows (one field a filter)."""
        fields = {name: f.field for name, f in cls.base_filters.items()}
        return type(f"{cls.__name__}Form", (cls._meta.form,), fields)

    @classmethod
    def apply(cls, queryset, cleaned: dict):
        """`queryset` with the filters given in `cleaned` (a form's cleaned data) applied."""
        filterset = cls(queryset=queryset)
        for name, value in cleaned.items():
            if name in filterset.filters and value not in EMPTY:
                queryset = filterset.filters[name].filter(queryset, value)
        return queryset


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


# --- The subjects: where each filter looks on their rows ---


def MEMBER_PATHS(prefix: str) -> dict[str, str]:
    """Where the member's filters look from a subject reaching the member at `prefix` ("member__"
    from a dispatch or a registration, "" from a member): the demographics are a table of their
    own (decision 0049), so race, gender and ages are read through it."""
    return {
        "working_as": f"{prefix}classification",
        "skill": f"{prefix}skills__skill",
        "age_from": f"{prefix}demographics__birth_date",
        "age_to": f"{prefix}demographics__birth_date",
        "race": f"{prefix}demographics__race",
        "gender": f"{prefix}demographics__gender",
    }


class DispatchFilters(LaborPowerFilters):
    """Rows of dispatches."""

    paths = {
        "employer": "employer",
        "book": ("job_request__book_classification", "job_request__region"),
        "tier": "registration__book__book_number",
        **MEMBER_PATHS("member__"),
        "worksite": "job_request__worksite",
        "status": "status",
        "job_class": "job_request__job_class",
        "date": "offered_at__date",
    }
    status = django_filters.MultipleChoiceFilter(choices=DispatchStatus.choices, label="Status", method="by_in")

    class Meta(LaborPowerFilters.Meta):
        model = Dispatch


class RegistrationFilters(LaborPowerFilters):
    """Rows of book registrations."""

    paths = {
        "book": ("book__classification", "book__region"),
        "tier": "book__book_number",
        **MEMBER_PATHS("member__"),
        "status": "status",
        "date": "registered_at__date",
    }
    status = django_filters.MultipleChoiceFilter(choices=RegistrationStatus.choices, label="Status", method="by_in")

    class Meta(LaborPowerFilters.Meta):
        model = BookRegistration


class JobRequestFilters(LaborPowerFilters):
    """Rows of job requests (employers' calls for labor)."""

    paths = {
        "employer": "employer",
        "book": ("book_classification", "region"),
        "worksite": "worksite",
        "skill": "special_skills",
        "status": "status",
        "job_class": "job_class",
        "date": "taken_at__date",
    }
    status = django_filters.MultipleChoiceFilter(choices=JobRequestStatus.choices, label="Status", method="by_in")

    class Meta(LaborPowerFilters.Meta):
        model = JobRequest


class MemberFilters(LaborPowerFilters):
    """Rows of members (the Applicant tab)."""

    paths = {
        **MEMBER_PATHS(""),
        "status": "status",
    }
    status = django_filters.MultipleChoiceFilter(choices=MemberStatus.choices, label="Status", method="by_in")

    class Meta(LaborPowerFilters.Meta):
        model = Member


class RolledOffFilters(RegistrationFilters):
    """Registrations rolled off, by the day they were (LaborPower's Dropped & Re-Registered)."""

    paths = {**RegistrationFilters.paths, "date": "rolled_off_at__date"}


class RegistrationHistoryFilters(RegistrationFilters):
    """Rows of the registrations' history (each a registration as it stood after one change):
    the book as it stood on a day. The same fields, so the same paths."""

    class Meta(RegistrationFilters.Meta):
        model = BookRegistration.history.model


class CandidateFilters(LaborPowerFilters):
    """Rows of referral runs' candidates: each member a run considered for a request."""

    paths = {
        "employer": "run__job_request__employer",
        "book": ("run__job_request__book_classification", "run__job_request__region"),
        "tier": "tier",
        **MEMBER_PATHS("member__"),
        "worksite": "run__job_request__worksite",
        "job_class": "run__job_request__job_class",
        "date": "run__run_at__date",
    }

    class Meta(LaborPowerFilters.Meta):
        model = ReferralCandidate


class CopeCheckoffFilters(LaborPowerFilters):
    """Rows of COPE checkoffs: a range of days takes those running on any day of it."""

    paths = {**MEMBER_PATHS("member__"), "date": "started_on"}

    def by_date(self, queryset, name, value):
        if name == "date_from":  # still running on the first day
            return queryset.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=value))
        return queryset.filter(started_on__lte=value)  # started by the last day

    class Meta(LaborPowerFilters.Meta):
        model = CopeCheckoff


class JobBidFilters(LaborPowerFilters):
    """Rows of members' online bids on job requests."""

    paths = {
        "employer": "job_request__employer",
        "book": ("job_request__book_classification", "job_request__region"),
        "tier": "registration__book__book_number",
        **MEMBER_PATHS("member__"),
        "worksite": "job_request__worksite",
        "status": "status",
        "job_class": "job_request__job_class",
        "date": "placed_at__date",
    }
    status = django_filters.MultipleChoiceFilter(choices=BidStatus.choices, label="Status", method="by_in")

    class Meta(LaborPowerFilters.Meta):
        model = JobBid
