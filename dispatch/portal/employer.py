"""An employer's job orders in the portal (issue 22, item 4; decision 0044): its supervisors and
managers send the hall a labor request, see the 3 PM cut-off, their requests with who was
dispatched, and call one off. The same services (and rules) as a call taken by phone; the
dispatcher accepts or corrects the order in the console."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dispatch import selectors, services
from dispatch.enums import FILLING_DISPATCH_STATUSES, DispatchStatus, JobRequestStatus
from dispatch.models import HallSettings, JobRequest
from dispatch.portal.employer_forms import CancelOrderForm, JobOrderForm, next_referral_day
from unioncore.portal.access import employer_user_required
from unioncore.portal.actions import run_form_action

CANCELLABLE = (JobRequestStatus.SUBMITTED, JobRequestStatus.OPEN, JobRequestStatus.FILLED)


def _cut_off(now) -> dict:
    cut_off = HallSettings.current().request_cutoff  # the hall's, as job_request_create reads it
    return {"cut_off": cut_off, "past_cut_off": timezone.localtime(now).time() > cut_off,
            "referral_day": next_referral_day(now)}  # fmt: skip


def _row(job_request: JobRequest) -> dict:
    dispatches = job_request.dispatch_list
    on_the_job = [d for d in dispatches if d.status in (DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED)]
    offered = sum(1 for d in dispatches if d.status == DispatchStatus.PENDING)
    filling = sum(1 for d in dispatches if d.status in FILLING_DISPATCH_STATUSES)
    cancellable = job_request.status in CANCELLABLE and not any(d.status == DispatchStatus.ACCEPTED for d in dispatches)
    return {"job": job_request, "dispatched": on_the_job, "offered": offered, "filling": filling,
            "cancellable": cancellable}  # fmt: skip


@never_cache
@employer_user_required
def orders(request):
    """My company's requests: waiting for the hall, open, filled; who was dispatched."""
    employer_user = request.employer_user
    rows = selectors.employer_requests(employer_id=employer_user.employer_id, today=timezone.localdate())
    context = {"employer": employer_user.employer, "rows": [_row(r) for r in rows], **_cut_off(timezone.now())}
    return render(request, "portal/employer/orders.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@employer_user_required
def order_new(request):
    form = JobOrderForm(request.POST or None)
    if request.method == "POST":
        return run_form_action(
            request, form, lambda data: services.job_order_submit(by=request.user, **form.service_fields()),
            success=lambda job: f"Request #{job.pk} is sent: the hall accepts it before its referral on "
            f"{timezone.localtime(job.refer_at):%a %b %-d, %-I:%M %p}.",
            back=reverse("portal:employer-orders"),
            again=lambda: render(request, "portal/employer/order_new.html", {"form": form, **_cut_off(timezone.now())}),
        )  # fmt: skip
    return render(request, "portal/employer/order_new.html", {"form": form, **_cut_off(timezone.now())})


@never_cache
@require_http_methods(["GET", "POST"])
@employer_user_required
def order_cancel(request, pk: int):
    job = JobRequest.objects.filter(pk=pk, employer_id=request.employer_user.employer_id, is_history=False).first()
    if job is None:
        raise Http404("No such request of your company.")
    form = CancelOrderForm(request.POST or None)
    again = lambda: render(request, "portal/employer/order_cancel.html", {"form": form, "job": job})  # noqa: E731
    if request.method == "POST":
        return run_form_action(
            request, form,
            lambda data: services.job_order_cancel(job_request_id=pk, by=request.user, reason=data["reason"]),
            success=f"Request #{pk} is called off.", back=reverse("portal:employer-orders"), again=again,
        )  # fmt: skip
    if job.status not in CANCELLABLE:
        messages.info(request, f"Request #{pk} is already {job.get_status_display().lower()}.")
        return redirect("portal:employer-orders")
    return again()
