"""A member's home page: what they act on first (offers, the running shift, re-sign due, their bids,
jobs they may bid on now), then their books, dispatches and referral results (issue 25, item 4). The
parts come from the apps above members (referral, dispatch, fulfillment), each registered with
`unioncore.composition` in its AppConfig.ready()."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from unioncore.composition import parts
from unioncore.portal.access import member_required

MEMBER_HOME = "member_home"


@never_cache
@member_required
def home(request):
    member = request.member
    context = {"member": member, **parts(MEMBER_HOME, member=member, user=request.user)}
    return render(request, "portal/member/home.html", context)
