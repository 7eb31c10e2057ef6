"""What a member's portal shows of job requests and dispatches: only their own."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from dispatch import selectors
from dispatch.enums import BidStatus, DispatchStatus
from dispatch.models import Dispatch, JobBid, JobRequest, ReferralCandidate


def bidding_open(job_request: JobRequest, now=None) -> bool:
    now = now or timezone.now()
    return bool(job_request.bidding_opens_at and job_request.bidding_opens_at <= now < job_request.bidding_closes_at)


def member_requests(*, member_id: int):
    """The requests a member may look at: open for bids on their books, or ones they bid on,
    were dispatched on, or were considered for by a referral run. Anything else is a 404."""
    return JobRequest.objects.filter(
        Q(pk__in=selectors.member_jobs(member_id=member_id).values("pk"))
        | Q(pk__in=JobBid.objects.filter(member_id=member_id).values("job_request_id"))
        | Q(pk__in=Dispatch.objects.filter(member_id=member_id).values("job_request_id"))
        | Q(pk__in=ReferralCandidate.objects.filter(member_id=member_id).values("run__job_request_id"))
    ).select_related("employer")


def member_bid(*, member_id: int, job_request_id: int) -> JobBid | None:
    """My latest bid on a request."""
    return (
        JobBid.objects.filter(member_id=member_id, job_request_id=job_request_id).order_by("-placed_at", "-id").first()
    )


def member_dispatches(*, member_id: int):
    return (
        Dispatch.objects.filter(member_id=member_id)
        .select_related("employer", "job_request")
        .order_by("-offered_at", "-id")
    )


def member_pending_dispatches(*, member_id: int):
    return member_dispatches(member_id=member_id).filter(status=DispatchStatus.PENDING)


def member_referral_results(*, member_id: int, limit: int = 10):
    """The requests referral runs considered me for, latest run first, each once."""
    seen, results = set(), []
    rows = (
        ReferralCandidate.objects.filter(member_id=member_id)
        .select_related("run__job_request__employer")
        .order_by("-run__run_at", "-run_id")
    )
    for row in rows[: limit * 5]:
        request = row.run.job_request
        if request.pk in seen:
            continue
        seen.add(request.pk)
        results.append(request)
        if len(results) == limit:
            break
    return results


@dataclass
class HomeJobs:
    """The jobs on a member's books as their home shows them (issue 25, item 4): what they act on
    first — their own bids, then the jobs they may bid on now — and how many more (bidding closed
    or not open yet) the jobs page lists, one tap away."""

    my_bids: list
    biddable: list
    later: int


def member_home_jobs(*, member_id: int, now=None) -> HomeJobs:
    jobs = member_jobs_with_bidding(member_id=member_id, now=now)
    my_bids = [job for job in jobs if job.my_bid_status == BidStatus.PENDING]
    biddable = [job for job in jobs if job.bidding_open_now and job.my_bid_status != BidStatus.PENDING]
    return HomeJobs(my_bids=my_bids, biddable=biddable, later=len(jobs) - len(my_bids) - len(biddable))


def member_jobs_with_bidding(*, member_id: int, now=None) -> list:
    """Every job on my books that has not started (selectors.member_jobs), each with
    `bidding_open_now`."""
    now = now or timezone.now()
    jobs = list(selectors.member_jobs(member_id=member_id, now=now))
    for job in jobs:
        job.bidding_open_now = bidding_open(job, now)
    return jobs
