"""What a member's portal shows of job requests and dispatches: only their own."""

from django.db.models import Q
from django.utils import timezone

from dispatch import selectors
from dispatch.enums import DispatchStatus
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
