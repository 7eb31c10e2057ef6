"""A member's home page: books, open jobs, dispatches, hours, at a glance."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from unioncore.portal.access import member_required


@never_cache
@member_required
def home(request):
    return render(request, "portal/member/home.html", {"member": request.member})
