"""Supervisor pages: the verification card (the SMS deep link), the list of time logs waiting on
my employer, the site kiosk.

The views read (supervisor_selectors), call a service of `fulfillment.services` — the same ones,
with the same permission checks, as the API — and redirect: every action is a plain POST that
works with JavaScript off. See docs/decisions/0018-supervisor-card-links.md for how the signed
link and the login work together."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from dispatch import rules as dispatch_rules
from dispatch import selectors as dispatch_selectors
from dispatch import services as dispatch_services
from dispatch.models import Dispatch
from fulfillment import rules
from fulfillment import selectors as fulfillment_selectors
from fulfillment.enums import (
    ON_SHIFT,
    OPEN_STATUSES,
    TIMED_STATUSES,
    AcknowledgementMethod,
    TimeLogStatus,
)
from fulfillment.models import ProjectPhoto, Times
from fulfillment.portal import conflicts as conflict_views
from fulfillment.portal import supervisor_selectors as selectors
from fulfillment.portal.supervisor_forms import (
    DisputeForm,
    EditForm,
    EjectForm,
    ForceClockOutForm,
    KioskStopForm,
    MessageForm,
    add_violation,
)
from fulfillment.selectors import as_hours
from fulfillment.services import notifications, timelogs
from unioncore.errors import RuleViolation
from unioncore.portal.access import employer_user_required, portal_login_required
from unioncore.portal.actions import run_form_action

S = TimeLogStatus
# The card's buttons follow the rules the services check.
CAN_APPROVE = rules.TIMELOG_RULES["verify"].statuses
CAN_EDIT = rules.TIMELOG_RULES["edit"].statuses
CAN_DISPUTE = rules.TIMELOG_RULES["dispute"].statuses


def _not_found(request):
    """The same answer for a time log that does not exist and one of another employer."""
    return render(request, "portal/supervisor/not_found.html", status=404)


def timelog_card(request, token: str):
    """The SMS deep link. The token only names the time log (signed, 14 days); the session says
    who is looking, and only someone who may verify that dispatch's time logs sees it."""
    try:
        timelog_id = notifications.card_link_timelog_id(token)
    except (signing.BadSignature, ValueError) as bad:
        expired = isinstance(bad, signing.SignatureExpired)
        context = {"expired": expired, "link_days": notifications.LINK_MAX_AGE.days}
        return render(request, "portal/supervisor/link_problem.html", context, status=410 if expired else 404)
    return _card(request, timelog_id=timelog_id)


@portal_login_required
@require_http_methods(["GET", "HEAD", "POST"])
def _card(request, *, timelog_id: int):
    time_log = selectors.card_timelog(timelog_id=timelog_id)
    if time_log is None or not timelogs.can_verify(request.user, time_log.dispatch):
        return _not_found(request)
    if request.method != "POST":
        if not selectors.has_acknowledged(timelog_id=time_log.pk, user=request.user):
            notifications.timelog_acknowledge(
                timelog_id=time_log.pk, by=request.user, method=AcknowledgementMethod.DEEP_LINK_CLICKED
            )
        return _render_card(request, time_log)
    action = request.POST.get("action")
    handler = ACTIONS.get(action)
    if handler is None:
        messages.error(request, "That action is not one this card offers.")
        return redirect(request.path)
    return handler(request, time_log)


def _render_card(request, time_log, *, forms=None, open_form: str = "", status: int = 200):
    forms = forms or {}
    edit_initial = {**EditForm.initial_from(time_log.supervisor_times or time_log.worker_times)}
    # An offline clock-out waiting for a choice comes first: the timer is paused until then.
    conflicts = fulfillment_selectors.open_conflicts(timelog_id=time_log.pk)
    context = {
        "time_log": time_log,
        "dispatch": time_log.dispatch,
        "member": time_log.dispatch.member,
        "versions": selectors.versions_table(time_log),
        "standing": selectors.standing_times(time_log),
        "dispute": getattr(time_log, "dispute_record", None),
        "timed_statuses": TIMED_STATUSES,
        "approve_hours": _hours(time_log.worker_times.billable_minutes) if time_log.worker_times else "",
        "conflicts": conflicts,
        "can_approve": time_log.status in CAN_APPROVE and not conflicts,
        "can_edit": time_log.status in CAN_EDIT and not conflicts,
        "can_dispute": time_log.status in CAN_DISPUTE,
        "shift": _with_shift_actions([time_log])[0] if time_log.status in OPEN_STATUSES else None,
        "photos": list(time_log.photos.all()),
        "edit_form": forms.get("edit") or EditForm(initial=edit_initial),
        "dispute_form": forms.get("dispute") or DisputeForm(),
        "message_form": forms.get("message") or MessageForm(),
        "open_form": open_form,
    }
    if context["dispute"] is not None:
        context["dispute_messages"] = list(context["dispute"].messages.select_related("author"))
    return render(request, "portal/supervisor/card.html", context, status=status)


def _approve(request, time_log):
    try:
        time_log = timelogs.timelog_verify(timelog_id=time_log.pk, by=request.user)
    except RuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Approved: {_hours(time_log.billable_minutes)} verified.")
    return redirect(request.path)


def _card_form(request, time_log, name: str, form, action, success):
    """One of the card's forms posted: `action(cleaned_data)`, then the card again; a refusal
    shows the card with that form open and its errors in place."""
    return run_form_action(
        request, form, action, success=success, back=request.path, place_violation=add_violation,
        again=lambda: _render_card(request, time_log, forms={name: form}, open_form=name),
    )  # fmt: skip


def _edit(request, time_log):
    form = EditForm(request.POST)
    return _card_form(
        request, time_log, "edit", form,
        lambda data: timelogs.timelog_edit(timelog_id=time_log.pk, by=request.user, note=data["note"], **form.times()),
        _edited,
    )  # fmt: skip


def _edited(time_log) -> str:
    if time_log.status == S.VERIFIED:
        return "The change was a minute or less, so the worker's times were approved."
    return f"Your times were sent to {time_log.worker.get_full_name()} to review."


def _dispute(request, time_log):
    return _card_form(
        request, time_log, "dispute", DisputeForm(request.POST),
        lambda data: timelogs.timelog_dispute(timelog_id=time_log.pk, by=request.user, reason=data["reason"]),
        "Dispute filed. The hours are frozen until the union settles it.",
    )  # fmt: skip


def _message(request, time_log):
    return _card_form(
        request, time_log, "message", MessageForm(request.POST),
        lambda data: timelogs.dispute_message_add(timelog_id=time_log.pk, by=request.user, body=data["body"]),
        "Message added to the dispute.",
    )  # fmt: skip


ACTIONS = {
    "approve": _approve,
    "edit": _edit,
    "dispute": _dispute,
    "message": _message,
    "conflict": conflict_views.resolve_on_card,
}


def _hours(minutes) -> str:
    return as_hours(minutes or 0)


# --- My employer's list ---


@employer_user_required
def waiting_list(request):
    """Time logs waiting on my employer's supervisors, soonest auto-approval first."""
    on_supervisor, on_worker = selectors.split_waiting(
        selectors.waiting_on_employer(employer_id=request.employer_user.employer_id)
    )
    conflicts = fulfillment_selectors.open_conflicts(employer_id=request.employer_user.employer_id)
    context = {
        "employer": request.employer_user.employer,
        "conflicts": conflicts,
        "paused": {c.time_log.pk for c in conflicts},
        "on_supervisor": [_row(t) for t in on_supervisor],
        "on_worker": [_row(t) for t in on_worker],
        "to_check_in": dispatch_selectors.awaiting_check_in(
            employer_id=request.employer_user.employer_id, day=timezone.localdate()
        ),
        "on_the_clock": _with_shift_actions(selectors.open_shifts(employer_id=request.employer_user.employer_id)),
        "auto_approved": [
            _row(t)
            for t in selectors.auto_approved_since(
                employer_id=request.employer_user.employer_id, since=timezone.now() - rules.AUTO_APPROVALS_LISTED_FOR
            )
        ],
        "auto_approvals_listed_for": rules.AUTO_APPROVALS_LISTED_FOR // datetime.timedelta(hours=1),
        # The rules' own values, not their numbers written into the page.
        "check_in_by": dispatch_rules.CHECK_IN_BY,
        "eject_minutes": rules.EJECT_WINDOW // datetime.timedelta(minutes=1),
    }
    return render(request, "portal/supervisor/list.html", context)


@employer_user_required
@require_POST
def check_in(request, pk: int):
    """The member reported to the site: recorded for the hall (due by 3 PM of the first day)."""
    dispatch = Dispatch.objects.filter(pk=pk, employer_id=request.employer_user.employer_id).first()
    if dispatch is None:
        return _not_found(request)
    try:
        dispatch = dispatch_services.dispatch_check_in(dispatch_id=pk, by=request.user)
    except RuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Checked in: {dispatch.member.first_name} {dispatch.member.last_name}.")
    return redirect(reverse("portal:supervisor-list"))


def _row(time_log) -> tuple:
    standing = selectors.standing_times(time_log)
    return time_log, selectors.card_path(time_log), _hours(standing.billable_minutes) if standing else ""


# --- The site kiosk ---


@employer_user_required
def kiosk(request):
    """A tablet on site: my employer's open shifts, each with "Stop shift" and "Stop with changes"."""
    employer_id = request.employer_user.employer_id
    worksites = selectors.open_worksites(employer_id=employer_id)
    worksite = request.GET.get("site", "")
    if worksite not in worksites:
        worksite = ""
    context = {
        "employer": request.employer_user.employer,
        "shifts": _with_shift_actions(selectors.open_shifts(employer_id=employer_id, worksite=worksite)),
        "worksites": worksites,
        "worksite": worksite,
    }
    return render(request, "portal/supervisor/kiosk.html", context)


@employer_user_required
@require_POST
def kiosk_stop(request, pk: int):
    """ "Stop shift" with no edit: the shift ends now and is verified at once (seed)."""
    time_log = selectors.employer_timelog(employer_id=request.employer_user.employer_id, timelog_id=pk)
    if time_log is None:
        return _not_found(request)
    try:
        time_log = timelogs.timelog_kiosk_stop(
            timelog_id=pk, by=request.user, confirm_short=request.POST.get("confirm_short") == "1"
        )
    except RuleViolation as refused:
        if refused.code == "short_shift_unconfirmed":
            return _confirm_short_stop(request, pk, refused)
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Stopped and verified: {_name(time_log)}, {_hours(time_log.billable_minutes)}.")
    return redirect(_kiosk_url(request.POST.get("site", "")))


@employer_user_required
@require_http_methods(["GET", "HEAD", "POST"])
def kiosk_stop_edit(request, pk: int):
    """ "Stop with changes": the shift ends with the supervisor's times and a note. Times that are
    the clock's (the service decides: within a minute of billable time) are no edit, verified at
    once as with "Stop shift"; other times go to the worker to review (negotiation step 2)."""
    time_log = _kiosk_timelog(request, pk)
    if time_log is None:
        return _not_found(request)
    site = (request.POST if request.method == "POST" else request.GET).get("site", "")
    if request.method != "POST":
        if time_log.status not in OPEN_STATUSES:
            messages.error(
                request, f"The shift of {_name(time_log)} is already stopped ({time_log.get_status_display()})."
            )
            return redirect(_kiosk_url(site))
        now = timezone.now()
        initial = {**EditForm.initial_from(_stop_times(time_log, now)),
                   "stop": KioskStopForm.stop_token(timelog_id=pk, at=now)}  # fmt: skip
        return _render_kiosk_stop(request, time_log, KioskStopForm(initial=initial, timelog_id=pk), site=site)
    form = KioskStopForm(request.POST, timelog_id=pk)
    return run_form_action(
        request, form,
        lambda data: timelogs.timelog_kiosk_stop(
            timelog_id=pk, by=request.user, at=form.stop_at(), times=Times(**form.times()), note=data["note"],
            confirm_short=True,  # the supervisor saw and sent these times
        ),
        success=_stopped_with_changes, back=_kiosk_url(site), place_violation=add_violation,
        # Refused: the time log as it is now (stopped meanwhile, the page says so), the form as sent.
        again=lambda: _render_kiosk_stop(request, _kiosk_timelog(request, pk), form, site=site, status=400),
    )  # fmt: skip


def _kiosk_timelog(request, pk: int):
    """The time log with what the page shows, or None when it is not my employer's."""
    time_log = selectors.card_timelog(timelog_id=pk)
    if time_log is None or time_log.dispatch.employer_id != request.employer_user.employer_id:
        return None
    return time_log


def _stop_times(time_log, at) -> Times:
    """What "no change" verifies, as `timelog_kiosk_stop` measures it: the clock's times if the
    shift stopped at `at`, or a draft as the worker left it (their corrections included)."""
    return time_log.worker_times or time_log.calculated_times(until=at)


def _render_kiosk_stop(request, time_log, form, *, site: str, status: int = 200):
    context = {
        "time_log": time_log,
        "dispatch": time_log.dispatch,
        "member": time_log.dispatch.member,
        "is_open": time_log.status in OPEN_STATUSES,
        "form": form,
        "site": site,
        "back": _kiosk_url(site),
    }
    return render(request, "portal/supervisor/kiosk_stop.html", context, status=status)


def _stopped_with_changes(time_log) -> str:
    if time_log.status == S.VERIFIED:
        return (
            f"The same hours as the clock's (within a minute), so nothing for the worker to review: "
            f"stopped and verified, {_name(time_log)}, {_hours(time_log.billable_minutes)}."
        )
    hours = _hours(time_log.supervisor_times.billable_minutes)
    return f"Stopped with your times ({hours}): {_name(time_log)} will review the change."


def _name(time_log) -> str:
    return time_log.worker.get_full_name() or time_log.worker.username


def _kiosk_url(site: str) -> str:
    return reverse("portal:supervisor-kiosk") + (f"?{urlencode({'site': site})}" if site else "")


# --- Ending a shift for the worker: eject, force clock-out (decision 0036) ---


@employer_user_required
@require_http_methods(["GET", "HEAD", "POST"])
def shift_eject(request, pk: int):
    """Send a clocked-in worker off the site, within 25 minutes of the clock-in."""
    return _end_shift(
        request, pk, EjectForm, allowed=ON_SHIFT, title="Send {name} off the site",
        act=lambda data: timelogs.timelog_eject(timelog_id=pk, by=request.user, reason=data["reason"]),
        success=lambda t: f"{_name(t)} was sent off the site; the shift ended and the hall is told.",
    )  # fmt: skip


@employer_user_required
@require_http_methods(["GET", "HEAD", "POST"])
def shift_clock_out(request, pk: int):
    """End a shift the worker forgot to stop, at the time it really ended, saying why."""
    return _end_shift(
        request, pk, ForceClockOutForm, allowed=OPEN_STATUSES, title="Clock {name} out",
        act=lambda data: timelogs.timelog_force_clock_out(
            timelog_id=pk, by=request.user, at=data["clock_out"], reason=data["reason"]
        ),
        success=lambda t: f"{_name(t)} is clocked out; the hours wait for your approval.",
        initial={"clock_out": timezone.now().replace(second=0, microsecond=0)},
    )  # fmt: skip


def _end_shift(request, pk: int, form_class, *, allowed, title: str, act, success, initial=None):
    """The page of one of the two actions: its form (GET), the service (POST), back to where the
    supervisor came from (`next`: the crew list, the kiosk or the card) with a message; a refusal
    shows the form again with the reason in place."""
    time_log = _kiosk_timelog(request, pk)
    if time_log is None:
        return _not_found(request)
    back = _next(request)
    context = {"time_log": time_log, "member": time_log.dispatch.member, "back": back,
               "title": title.format(name=_name(time_log)), "eject": form_class is EjectForm,
               "eject_until": time_log.created_at + rules.EJECT_WINDOW,
               "eject_minutes": rules.EJECT_WINDOW // datetime.timedelta(minutes=1)}  # fmt: skip
    if request.method != "POST":
        if time_log.status not in allowed:
            messages.error(request, f"The shift of {_name(time_log)} is {time_log.get_status_display().lower()}.")
            return redirect(back)
        form = form_class(initial=initial)
        return render(request, "portal/supervisor/shift_end.html", {**context, "form": form})
    form = form_class(request.POST)
    return run_form_action(
        request, form, act, success=success, back=back, place_violation=add_violation,
        again=lambda: render(request, "portal/supervisor/shift_end.html", {**context, "form": form}, status=400),
    )  # fmt: skip


def _next(request) -> str:
    """Where to go back: a path of this site the page was opened from, else the crew list."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("portal:supervisor-list")


def _with_shift_actions(time_logs):
    """Each open shift with `can_eject`: on the clock, less than 25 minutes after its clock-in."""
    now = timezone.now()
    for time_log in time_logs:
        time_log.can_eject = rules.in_status("eject", time_log.status) and rules.eject_window_open(
            clocked_in=time_log.created_at, now=now
        )
    return time_logs


def _confirm_short_stop(request, pk: int, refused: RuleViolation):
    """ "Stop shift" on a shift under the hall's minimum: the same button again, confirmed."""
    time_log = _kiosk_timelog(request, pk)
    context = {"time_log": time_log, "member": time_log.dispatch.member, "message": refused.message,
               "site": request.POST.get("site", ""), "back": _kiosk_url(request.POST.get("site", ""))}  # fmt: skip
    return render(request, "portal/supervisor/kiosk_confirm.html", context, status=409)


# --- Project photos (decision 0036) ---


@portal_login_required
@require_http_methods(["GET", "HEAD"])
def photo(request, pk: int):
    """A project photo, to those who may verify its time log (and its worker); else a 404. Served
    by the app, not as a public media URL: a site's pictures are not for anyone with the link."""
    row = ProjectPhoto.objects.select_related("time_log__dispatch").filter(pk=pk).first()
    if row is None:
        return _not_found(request)
    time_log = row.time_log
    if request.user.pk != time_log.worker_id and not timelogs.can_verify(request.user, time_log.dispatch):
        return _not_found(request)
    response = FileResponse(row.image.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
