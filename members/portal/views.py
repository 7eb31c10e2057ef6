"""A member's home page: books, open jobs, offers, hours and referral results at a glance."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from dispatch import selectors as dispatch_selectors
from dispatch.portal import selectors as dispatch_portal
from fulfillment.portal import member_selectors as hours
from referral.portal import selectors as referral_portal
from unioncore.portal.access import member_required


@never_cache
@member_required
def home(request):
    member = request.member
    jobs = list(dispatch_selectors.member_jobs(member_id=member.pk))
    for job in jobs:
        job.bidding_open_now = dispatch_portal.bidding_open(job)
    context = {
        "member": member,
        "books": referral_portal.member_books(member_id=member.pk),
        "jobs": jobs,
        "dispatches": dispatch_portal.member_dispatches(member_id=member.pk)[:5],
        "results": dispatch_portal.member_referral_results(member_id=member.pk, limit=5),
        "activity": referral_portal.member_activity(member_id=member.pk)[:5],
        "open_shift": hours.open_shift(user=request.user),
        "waiting_on_me": hours.waiting_on_worker(user=request.user).count(),
    }
    return render(request, "portal/member/home.html", context)
