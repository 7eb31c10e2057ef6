"""The supervisor settles an offline clock-out that met their clock-out (decision 0035): from the
verification card or from the crew list, each showing both versions; the same service and
permission check as the API and the console (`sync_conflict_resolve`)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fulfillment.models import TimeLogOfflineSync
from fulfillment.services import sync
from unioncore.errors import RuleViolation
from unioncore.portal.access import employer_user_required

CHOICES = {"keep": False, "take": True}  # the form's choice → accept_worker


def resolve_on_card(request, time_log):
    """The card's `action=conflict`: one of this time log's conflicts, kept or taken."""
    row = TimeLogOfflineSync.objects.filter(pk=_int(request.POST.get("sync")), conflict_with=time_log).first()
    if row is None:
        messages.error(request, "That offline clock-out is not one of this shift's.")
        return redirect(request.path)
    return _resolve(request, row, back=request.path)


@employer_user_required
@require_POST
def resolve_on_list(request, pk: int):
    """The crew list's buttons. Another employer's conflict is, to this user, no conflict: 404."""
    row = TimeLogOfflineSync.objects.filter(
        pk=pk, conflict_with__dispatch__employer_id=request.employer_user.employer_id
    ).first()
    if row is None:
        return render(request, "portal/supervisor/not_found.html", status=404)
    return _resolve(request, row, back=reverse("portal:supervisor-list"))


def _resolve(request, row: TimeLogOfflineSync, *, back: str):
    choice = request.POST.get("choice")
    if choice not in CHOICES:
        messages.error(request, "Choose which clock-out stands: keep the recorded one, or take the worker's.")
        return redirect(back)
    try:
        row = sync.sync_conflict_resolve(sync_id=row.pk, by=request.user, accept_worker=CHOICES[choice])
    except RuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _done(row))
    return redirect(back)


def _done(row: TimeLogOfflineSync) -> str:
    member = row.time_log.dispatch.member
    worker = f"{member.first_name} {member.last_name}"
    if not row.result["resolution"]["accepted_worker"]:
        return f"The recorded clock-out stands; {worker} is told. The 4-hour timer runs again."
    if row.time_log.status == "verified":
        return f"The worker's clock-out was within a minute of the recorded one: {worker}'s hours are verified."
    return f"The worker's clock-out was sent to {worker} as your times, to accept or reject."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
