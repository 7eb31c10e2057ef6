"""Phone API (SPEC §9): job requests open for bidding on my books, my bids, my dispatches."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from dispatch import rules, selectors, services
from dispatch.enums import BiddingState, BidStatus, DeclineKind, DispatchStatus
from dispatch.models import Dispatch, JobBid, JobRequest
from dispatch.portal import selectors as portal_selectors
from referral.models import ReferralBook
from unioncore.api.base import (
    ApiView,
    Error,
    WallClockTimeField,
    filter_parameters,
    filtered,
    page_of,
    paginated,
    visible_or_404,
)


def _member_id(user) -> int | None:
    member = getattr(user, "member", None)
    return member.pk if member is not None else None


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The job request's id (to bid on it)")
    employer = serializers.CharField(source="employer.name", help_text="The employer's name")
    classification = serializers.CharField(
        source="book_classification", help_text="The book classification it draws from (inside_wireperson, …)"
    )
    region = serializers.CharField(help_text="The hall's region of the job (seattle, bremerton, port_angeles)")
    job_class = serializers.CharField(help_text="The job class (journeyman, foreman, …)")
    worksite = serializers.CharField(help_text="Where to report")
    start_date = serializers.DateField(help_text="The first day of work (the hall's date)")
    report_time = WallClockTimeField(help_text="The local time to report on the start date, without an offset")
    expected_days = serializers.IntegerField(allow_null=True, help_text="How many days the employer expects")
    is_short_call = serializers.BooleanField(help_text="A short call: 3 days or fewer (the APN is kept)")
    wage_rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="Dollars an hour, a string with two decimals"
    )
    bidding_opens_at = serializers.DateTimeField(help_text="When bids open, in the hall's time zone with its offset")
    bidding_closes_at = serializers.DateTimeField(help_text="When bids close, in the hall's time zone with its offset")
    my_bid = serializers.CharField(source="my_bid_status", allow_null=True, help_text="My pending bid, if any")
    bidding_state = serializers.SerializerMethodField(help_text="Whether the request takes bids now")
    bidding_label = serializers.SerializerMethodField(
        help_text='In words: "Opens at Fri Dec 4, 5:30 PM", "Open until Mon Dec 7, 7:00 AM" or "Closed"'
    )

    @extend_schema_field(serializers.ChoiceField(choices=BiddingState.choices))
    def get_bidding_state(self, job) -> str:
        return selectors.bidding_status(job).state

    def get_bidding_label(self, job) -> str:
        return selectors.bidding_status(job).label


class ExplanationOutput(serializers.Serializer):
    """Why I was or was not referred on a request, from the last referral run that saw me."""

    referred = serializers.BooleanField(help_text="Whether the run referred me")
    reason = serializers.CharField(help_text='"Referred in list order.", "Passed over: …", "Not reached: …"')
    run_at = serializers.DateTimeField(allow_null=True, help_text="When that referral run was made")
    rank = serializers.IntegerField(allow_null=True, help_text="My place in that run's list")


class JobDetailOutput(JobOutput):
    status = serializers.CharField(help_text="The request's state: open, filled, cancelled, expired")
    explanation = ExplanationOutput(
        allow_null=True, help_text="Why I was (not) referred; null until a referral run was made"
    )


class BidOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The bid's id")
    job_request = serializers.IntegerField(source="job_request_id", help_text="The job request bid on")
    status = serializers.CharField(help_text="pending, accepted, declined, withdrawn or expired")
    placed_at = serializers.DateTimeField(help_text="When it was placed, in the hall's time zone with its offset")


class DispatchOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The dispatch's id")
    status = serializers.CharField(help_text="pending (offered), accepted, declined, completed or terminated")
    type = serializers.CharField(help_text="normal, short_call, emergency or by_name")
    job_request = serializers.IntegerField(source="job_request_id", help_text="The job request it fills")
    employer = serializers.CharField(source="employer.name", help_text="The employer's name")
    worksite = serializers.CharField(source="job_request.worksite", help_text="Where to report")
    start_date = serializers.DateField(help_text="The first day of work (the hall's date)")
    report_time = WallClockTimeField(
        source="job_request.report_time", help_text="The local time to report on the start date, without an offset"
    )
    end_date = serializers.DateField(allow_null=True, help_text="The last day, once the dispatch ended")
    wage_rate = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text="Dollars an hour, a string with two decimals"
    )
    offered_at = serializers.DateTimeField(help_text="When it was offered, in the hall's time zone with its offset")
    answered_at = serializers.DateTimeField(allow_null=True, help_text="When the member accepted or declined")
    checked_in_at = serializers.DateTimeField(
        allow_null=True, help_text="When the employer (or the hall) recorded the member's check-in; due by 3 PM"
    )
    decline_costs_check_mark = serializers.SerializerMethodField(
        help_text="Whether declining this offer gives me a check mark; null unless the offer waits for my answer"
    )
    decline_cost = serializers.SerializerMethodField(
        help_text="What declining costs, in words, to show before the member confirms; null unless pending"
    )

    def _cost(self, dispatch) -> tuple[bool, str] | None:
        if dispatch.status != DispatchStatus.PENDING:
            return None
        costs = self.context.setdefault("decline_costs", {})
        if dispatch.pk not in costs:
            costs[dispatch.pk] = selectors.decline_cost(dispatch)
        return costs[dispatch.pk]

    def get_decline_costs_check_mark(self, dispatch) -> bool | None:
        cost = self._cost(dispatch)
        return None if cost is None else cost[0]

    def get_decline_cost(self, dispatch) -> str | None:
        cost = self._cost(dispatch)
        return None if cost is None else cost[1]

    actions = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=rules.DISPATCH_ACTIONS),
            help_text="What you may do to this dispatch now (the same rules the server enforces): `accept`, "
            "`decline` (the member, while offered), `check_in` (the employer). Any other is refused",
        )
    )
    def get_actions(self, dispatch) -> list[str]:
        return rules.dispatch_actions(
            actor=self.context["actor"], status=dispatch.status, member_user_id=dispatch.member.user_id,
            employer_id=dispatch.employer_id, no_show=dispatch.no_show_at is not None,
        )  # fmt: skip


def output_context(request) -> dict:
    """What DispatchOutput reads of the request: the caller as the rules see them (one query)."""
    if not hasattr(request, "_dispatch_actor"):
        request._dispatch_actor = rules.actor_of(request.user)
    return {"actor": request._dispatch_actor}


def _my_dispatches(user):
    return (
        Dispatch.objects.filter(member__user=user)
        .select_related("employer", "job_request", "member")
        .order_by("-offered_at", "-id")
    )


class JobFilter(django_filters.FilterSet):
    # Books are the hall's public lists (not another party's object): an unknown id is a 400.
    book = django_filters.ModelChoiceFilter(
        queryset=ReferralBook.objects.filter(is_active=True),
        method="on_book",
        help_text="A book id (as in me/registrations/): only the requests drawing from that book",
    )

    class Meta:
        model = JobRequest
        fields = ("book",)

    def on_book(self, queryset, name, book: ReferralBook):
        return queryset.filter(rules.requests_drawing_from(classification=book.classification, region=book.region))


class DispatchFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DispatchStatus.choices)

    class Meta:
        model = Dispatch
        fields = ("status",)


class JobsApi(ApiView):
    """Requests open for bidding on my books."""

    @extend_schema(parameters=filter_parameters(JobFilter), responses={200: page_of(JobOutput), 400: Error, 401: Error})
    def get(self, request):
        jobs = filtered(JobFilter, request, selectors.member_jobs(member_id=_member_id(request.user)))
        return paginated(request, self, jobs, JobOutput)


class JobDetailApi(ApiView):
    """A request I may see (open for bids on my books, or one I bid on, was dispatched on or
    was considered for), with why I was or was not referred."""

    @extend_schema(responses={200: JobDetailOutput, 404: Error})
    def get(self, request, pk: int):
        member_id = _member_id(request.user)
        job = visible_or_404(portal_selectors.member_requests(member_id=member_id), pk)
        bid = portal_selectors.member_bid(member_id=member_id, job_request_id=pk)
        job.my_bid_status = bid.status if bid is not None and bid.status == BidStatus.PENDING else None
        job.explanation = selectors.referral_explanation(member_id=member_id, job_request=job)
        return Response(JobDetailOutput(job).data)


class JobBidApi(ApiView):
    """Place (POST) or withdraw (DELETE) my bid on a request."""

    @extend_schema(request=None, responses={201: BidOutput, 400: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        member_id = _member_id(request.user)
        visible_or_404(selectors.member_jobs(member_id=member_id), pk)
        bid = services.bid_place(job_request_id=pk, member_id=member_id, by=request.user)
        return Response(BidOutput(bid).data, status=201)

    @extend_schema(request=None, responses={200: BidOutput, 400: Error, 404: Error})
    def delete(self, request, pk: int):
        member_id = _member_id(request.user)
        # Not `Q(bids__member_id=member_id)`: for a caller who is no member that is `IS NULL` over a
        # LEFT JOIN, which matched every request without bids (a 400 instead of a 404).
        my_bids = JobBid.objects.filter(member_id=member_id).values("job_request_id")
        mine = JobRequest.objects.filter(
            Q(pk__in=selectors.member_jobs(member_id=member_id).values("pk")) | Q(pk__in=my_bids)
        )
        visible_or_404(mine, pk)
        bid = services.bid_withdraw(job_request_id=pk, member_id=member_id, by=request.user)
        return Response(BidOutput(bid).data)


class MyDispatchesApi(ApiView):
    """My dispatches, newest first; `status` narrows them."""

    @extend_schema(
        parameters=filter_parameters(DispatchFilter),
        responses={200: page_of(DispatchOutput), 400: Error, 401: Error},
    )
    def get(self, request):
        dispatches = filtered(DispatchFilter, request, _my_dispatches(request.user))
        return paginated(request, self, dispatches, DispatchOutput, **output_context(request))


class DispatchAcceptApi(ApiView):
    """The member accepts a dispatch offered to them."""

    @extend_schema(request=None, responses={200: DispatchOutput, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(_my_dispatches(request.user), pk)
        services.dispatch_accept(dispatch_id=pk, by=request.user)
        return Response(DispatchOutput(_my_dispatches(request.user).get(pk=pk), context=output_context(request)).data)


def _employer_dispatches(user):
    """The dispatches of the employers the user works for (a supervisor's crew)."""
    return (
        Dispatch.objects.filter(employer__users__user=user)
        .select_related("employer", "job_request", "member")
        .order_by("-offered_at", "-id")
        .distinct()
    )


class DispatchCheckInApi(ApiView):
    """The employer's supervisor records that the member checked in (by 3 PM of the dispatch day,
    or the member is rolled off the books)."""

    @extend_schema(request=None, responses={200: DispatchOutput, 400: Error, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(_employer_dispatches(request.user), pk)
        services.dispatch_check_in(dispatch_id=pk, by=request.user)
        dispatch = _employer_dispatches(request.user).get(pk=pk)
        return Response(DispatchOutput(dispatch, context=output_context(request)).data)


class DispatchDeclineApi(ApiView):
    """The member declines a dispatch offered to them."""

    @extend_schema(request=None, responses={200: DispatchOutput, 404: Error, 409: Error})
    def post(self, request, pk: int):
        visible_or_404(_my_dispatches(request.user), pk)
        services.dispatch_decline(dispatch_id=pk, by=request.user, kind=DeclineKind.DECLINED)
        return Response(DispatchOutput(_my_dispatches(request.user).get(pk=pk), context=output_context(request)).data)
