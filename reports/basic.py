"""The reports of LaborPower's Basic tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module. The Basic tab's reports the
launch set already answers (Registration List, the Day Book, Job Bids …) stay in catalog.py."""

from django.db.models import Count, Min, Q, QuerySet, Sum

from dispatch.enums import DeclineKind, DispatchStatus, DispatchType
from dispatch.models import Dispatch, Employer
from reports.filters import DispatchFilters
from reports.framework import Breakdown, Column, Figure, Report, register
from reports.selectors import _name

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
