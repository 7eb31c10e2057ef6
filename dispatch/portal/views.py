"""A member's job requests (bid, withdraw, why I was or was not referred) and dispatches
(accept, decline) — through the same services and visibility as the phone API."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dispatch import selectors, services
from dispatch.enums import DeclineKind
from dispatch.portal import selectors as portal_selectors
from unioncore.portal.access import member_required
from unioncore.portal.actions import run_action


def _job_context(request, job_request):
    member_id = request.member.pk
    on_offer = selectors.member_jobs(member_id=member_id).filter(pk=job_request.pk).first()
    return {
        "job": job_request,
        "on_offer": on_offer,  # open for bids on my books (with my_bid_status)
        "bidding_open": portal_selectors.bidding_open(job_request),
        "my_bid": portal_selectors.member_bid(member_id=member_id, job_request_id=job_request.pk),
        "explanation": selectors.referral_explanation(member_id=member_id, job_request=job_request),
        "my_dispatches": portal_selectors.member_dispatches(member_id=member_id).filter(job_request=job_request),
    }


@never_cache
@member_required
def job_detail(request, pk: int):
    job_request = get_object_or_404(portal_selectors.member_requests(member_id=request.member.pk), pk=pk)
    return render(request, "portal/member/job.html", _job_context(request, job_request))


@never_cache
@member_required
def jobs(request):
    """Every job on my books that has not started: the ones my home leaves out (bidding closed or
    not open yet) too, one tap from it (issue 25, item 4)."""
    jobs = portal_selectors.member_jobs_with_bidding(member_id=request.member.pk)
    return render(request, "portal/member/jobs.html", {"jobs": jobs})


def _bid_action(request, pk: int, action, success: str):
    member_id = request.member.pk
    if not portal_selectors.member_requests(member_id=member_id).filter(pk=pk).exists():
        raise Http404("No such request on your books.")
    # The card is on the job's page, the jobs page or the home: it is shown and goes back there.
    came_from = request.POST.get("from") if request.POST.get("from") in ("job", "jobs") else None

    def card():
        job = selectors.member_jobs(member_id=member_id).filter(pk=pk).first()
        if job is None:
            job = portal_selectors.member_requests(member_id=member_id).get(pk=pk)
            job.my_bid_status = None
        context = {"job": job, "bidding_open": portal_selectors.bidding_open(job)}
        if came_from:  # under the page's h1 there, not under a section's h2
            context |= {"from": came_from, "heading": "h2"}
        return "portal/member/includes/job.html", context

    return run_action(
        request,
        lambda: action(job_request_id=pk, member_id=member_id, by=request.user),
        success=success,
        back=reverse("portal:member-job", args=[pk])
        if came_from == "job"
        else reverse("portal:member-jobs" if came_from else "portal:member-home") + f"#job-{pk}",
        partial=card,
    )


@require_POST
@member_required
def bid(request, pk: int):
    return _bid_action(request, pk, services.bid_place, "Your bid is in.")


@require_POST
@member_required
def withdraw(request, pk: int):
    return _bid_action(request, pk, services.bid_withdraw, "Your bid is withdrawn.")


@never_cache
@member_required
def dispatch_detail(request, pk: int):
    dispatch = get_object_or_404(portal_selectors.member_dispatches(member_id=request.member.pk), pk=pk)
    context = _job_context(request, dispatch.job_request)
    context["dispatch"] = dispatch
    return render(request, "portal/member/dispatch.html", context)


def _answer(request, pk: int, action, success: str):
    if not portal_selectors.member_dispatches(member_id=request.member.pk).filter(pk=pk).exists():
        raise Http404("No such dispatch of yours.")
    return run_action(
        request, lambda: action(dispatch_id=pk, by=request.user), success=success,
        back=reverse("portal:member-dispatch", args=[pk]),
    )  # fmt: skip


@require_POST
@member_required
def accept(request, pk: int):
    return _answer(request, pk, services.dispatch_accept, "You accepted the job. Report on time!")


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def decline(request, pk: int):
    """GET asks first, saying whether declining costs a check mark (issue 25); POST declines."""
    if request.method == "GET":
        dispatch = get_object_or_404(portal_selectors.member_dispatches(member_id=request.member.pk), pk=pk)
        costs_check_mark, cost = selectors.decline_cost(dispatch)
        context = {"dispatch": dispatch, "costs_check_mark": costs_check_mark, "cost": cost}
        return render(request, "portal/member/decline.html", context)

    def decline_it(*, dispatch_id, by):
        return services.dispatch_decline(dispatch_id=dispatch_id, by=by, kind=DeclineKind.DECLINED)

    return _answer(request, pk, decline_it, "You declined the job.")
