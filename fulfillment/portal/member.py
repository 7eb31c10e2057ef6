"""A member's time logs: clock in, breaks, stop work, the draft, submit, a manual entry, the
answer to a supervisor's edit, the dispute thread. Every change goes through
`fulfillment.services`; another worker's time log is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fulfillment import selectors as fulfillment_selectors
from fulfillment.enums import FROZEN_STATUSES, ON_SHIFT, OPEN_STATUSES, SegmentKind, TimeLogStatus
from fulfillment.portal import member_selectors as selectors
from fulfillment.portal.member_forms import CorrectionForm, DisputeMessageForm, RejectForm, RetroactiveForm, TimesForm
from fulfillment.selectors import member_hours, standing_minutes
from fulfillment.services import timelogs as timelogs_services
from unioncore.errors import RuleViolation
from unioncore.portal.access import member_required
from unioncore.portal.actions import run_action, run_form_action

S = TimeLogStatus
DETAIL = "portal/member/timelogs/detail.html"


def _mine(request, pk: int):
    return get_object_or_404(selectors.member_timelogs(user=request.user), pk=pk)


def _back(pk: int) -> str:
    return reverse("portal:member-timelog", args=[pk])


def _timelog_action(request, pk: int, service, success: str, **kwargs):
    """A button on one of my time logs: `service(timelog_id=pk, by=me, **kwargs)`, then back."""
    _mine(request, pk)
    return run_action(
        request, lambda: service(timelog_id=pk, by=request.user, **kwargs), success=success, back=_back(pk)
    )


def _timelog_form(request, pk: int, name: str, form, action, success: str, anchor: str = ""):
    """A form on one of my time logs' page (`name` in its context): `action(cleaned_data)`, then
    back; a refusal shows the page again with the form's errors in place."""
    time_log = _mine(request, pk)

    def again():
        time_log.refresh_from_db()
        return render(request, DETAIL, _detail_context(request, time_log, **{name: form}))

    return run_form_action(request, form, action, success=success, back=_back(pk) + anchor, again=again)


@never_cache
@member_required
def timelogs(request):
    page = Paginator(selectors.member_timelogs(user=request.user), 20).get_page(request.GET.get("page"))
    for log in page:  # the hours of each shift: verified, or as they stand while they wait
        log.hours = selectors.hours(standing_minutes(log)) if log.status not in OPEN_STATUSES else ""
    weeks, dispatches = member_hours(user=request.user)
    context = {
        "weeks": weeks[:8],
        "dispatch_hours": dispatches,
        "open_shift": selectors.open_shift(user=request.user),
        "clock_in_dispatches": selectors.clock_in_dispatches(user=request.user),
        "waiting": selectors.waiting_on_worker(user=request.user),
        "page": page,
    }
    return render(request, "portal/member/timelogs/list.html", context)


@require_POST
@member_required
def clock_in(request):
    try:
        dispatch_id = int(request.POST.get("dispatch", ""))
    except ValueError:
        raise Http404("No such dispatch.") from None
    if not selectors.retroactive_dispatches(user=request.user).filter(pk=dispatch_id).exists():
        raise Http404("No such dispatch of yours.")
    done = {}

    def act():
        done["log"] = timelogs_services.timelog_clock_in(dispatch_id=dispatch_id, by=request.user)

    response = run_action(request, act, success="You are clocked in.", back=reverse("portal:member-timelogs"))
    if "log" in done:
        return redirect(_back(done["log"].pk))
    return response


def _detail_context(request, time_log, **forms):
    dispute, thread = selectors.dispute_thread(time_log=time_log)
    context = {
        "log": time_log,
        "on_shift": time_log.status in ON_SHIFT,
        "segment_kinds": SegmentKind.choices,
        "compare": selectors.compare(time_log.worker_times, time_log.supervisor_times),
        "hours": selectors.hours,
        "dispute": dispute,
        "thread": thread,
        "S": {s.name: s.value for s in S},
        # Offline clock-outs that met the supervisor's: waiting for their choice, or its outcome.
        "offline_clock_outs": fulfillment_selectors.worker_conflicts(timelog_id=time_log.pk),
    }
    if time_log.status == S.DRAFT:
        context["draft_form"] = forms.get("draft_form") or TimesForm(
            initial=TimesForm.initial_from(time_log.worker_times)
        )
    if time_log.status == S.PENDING_WORKER_REVIEW:
        context["reject_form"] = forms.get("reject_form") or RejectForm()
    if dispute is not None:
        context["message_form"] = forms.get("message_form") or DisputeMessageForm()
    corrections = list(time_log.corrections.order_by("-clock_in_at", "-id"))
    context["corrections"] = corrections
    if forms.get("correction_form") is not None:  # sent and refused: the reason in place
        context["correction_form"] = forms["correction_form"]
    elif time_log.status == S.VERIFIED and not any(c.status not in FROZEN_STATUSES for c in corrections):
        context["correction_form"] = CorrectionForm(initial=CorrectionForm.initial_from(time_log.final_times))
    return context


@never_cache
@member_required
def timelog_detail(request, pk: int):
    time_log = _mine(request, pk)
    return render(request, DETAIL, _detail_context(request, time_log))


@require_POST
@member_required
def segment(request, pk: int, edge: str):
    _mine(request, pk)
    if edge not in ("start", "end"):
        raise Http404("No such action.")
    kind = request.POST.get("kind") or SegmentKind.BREAK
    if kind not in SegmentKind.values:
        kind = SegmentKind.BREAK
    label = SegmentKind(kind).label.lower()
    if edge == "start":
        service, success = timelogs_services.timelog_segment_start, f"{label.capitalize()} started."
    else:
        service, success = timelogs_services.timelog_segment_end, f"Back to work: {label} ended."
    return _timelog_action(request, pk, service, success, kind=kind)


@require_POST
@member_required
def stop(request, pk: int):
    return _timelog_action(
        request, pk, timelogs_services.timelog_stop_work, "Work stopped. Check your times, then submit them."
    )


@require_POST
@member_required
def draft_edit(request, pk: int):
    form = TimesForm(request.POST)
    return _timelog_form(
        request, pk, "draft_form", form,
        lambda data: timelogs_services.timelog_draft_edit(timelog_id=pk, by=request.user, **form.times()),
        "Times saved. Submit them when they are right.",
    )  # fmt: skip


@require_POST
@member_required
def submit(request, pk: int):
    return _timelog_action(
        request,
        pk,
        timelogs_services.timelog_submit,
        "Submitted. Your supervisor has 4 hours to verify, or your times stand.",
    )


@require_POST
@member_required
def accept_edit(request, pk: int):
    return _timelog_action(
        request, pk, timelogs_services.timelog_accept_edit, "You accepted the supervisor's times. They are final."
    )


@require_POST
@member_required
def reject_edit(request, pk: int):
    return _timelog_form(
        request, pk, "reject_form", RejectForm(request.POST),
        lambda data: timelogs_services.timelog_reject_edit(timelog_id=pk, by=request.user, comment=data["comment"]),
        "You rejected the change. Your supervisor will look at it again.",
    )  # fmt: skip


@require_POST
@member_required
def dispute_message(request, pk: int):
    return _timelog_form(
        request, pk, "message_form", DisputeMessageForm(request.POST),
        lambda data: timelogs_services.dispute_message_add(timelog_id=pk, by=request.user, body=data["body"]),
        "Message posted.", anchor="#thread",
    )  # fmt: skip


@require_POST
@member_required
def correction(request, pk: int):
    """A verified shift's hours were wrong: the right ones, as a new time log linked to it."""
    time_log = _mine(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            corrected = timelogs_services.timelog_correction_submit(
                timelog_id=pk, by=request.user, note=form.cleaned_data["note"], **form.times()
            )
        except RuleViolation as refused:
            form.show_violation(refused)
        else:
            messages.success(request, "Correction sent. Your supervisor has 4 hours to verify it, or it stands.")
            return redirect(_back(corrected.pk))
    return render(request, DETAIL, _detail_context(request, time_log, correction_form=form))


@never_cache
@require_http_methods(["GET", "POST"])
@member_required
def retroactive(request):
    dispatches = list(selectors.retroactive_dispatches(user=request.user))
    form = RetroactiveForm(request.POST or None, dispatches=dispatches)
    if request.method == "POST" and form.is_valid():
        try:
            time_log = timelogs_services.timelog_retroactive_submit(
                dispatch_id=form.cleaned_data["dispatch"], by=request.user, note=form.cleaned_data["note"],
                **form.times(),
            )  # fmt: skip
        except RuleViolation as refused:
            form.show_violation(refused)
        else:
            messages.success(request, "Your manual entry is sent to the supervisor to verify.")
            return redirect(_back(time_log.pk))
    return render(request, "portal/member/timelogs/retroactive.html", {"form": form, "dispatches": dispatches})
