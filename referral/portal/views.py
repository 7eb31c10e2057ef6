"""A member's books: one-tap re-sign, and the activity on their registrations."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from referral import services
from referral.models import BookRegistration
from referral.portal import selectors
from unioncore.portal.access import member_required
from unioncore.portal.actions import run_action


def _book_action(request, pk: int, action, success: str):
    """One action on one of my registrations: the book's card again (htmx) or the home page."""
    if not BookRegistration.objects.filter(pk=pk, member=request.member).exists():
        raise Http404("No such registration of yours.")

    def card():
        line = selectors.member_book(member_id=request.member.pk, registration_id=pk)
        return "portal/member/includes/book.html", {"line": line}

    return run_action(
        request,
        lambda: action(registration_id=pk, by=request.user),
        success=success,
        back=reverse("portal:member-home") + f"#book-{pk}",
        partial=card,
    )


@require_POST
@member_required
def re_sign(request, pk: int):
    return _book_action(request, pk, services.registration_re_sign, "Re-signed. Your place on the book is kept.")


@require_POST
@member_required
def re_register(request, pk: int):
    return _book_action(
        request, pk, services.registration_re_register, "Re-registered. You are back on the book at your original APN."
    )


@never_cache
@member_required
def activity(request):
    page = Paginator(selectors.member_activity(member_id=request.member.pk), 25).get_page(request.GET.get("page"))
    return render(request, "portal/member/activity.html", {"page": page})
