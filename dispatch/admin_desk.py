"""The referral desk (issue 22, decision 0043): the dispatcher's morning sheet in the console.
Today's and tomorrow's requests by referral time slot, each with its state, workers wanted and
filled, bids, the offers waiting for an answer and the next names in the referral order (with
the reason each member before them was passed over); one click to offer to the next, take the
bids, record a decline (its excuse derived from the request) or send the request to the
Business Manager. Every click is a service call; HTMX swaps the request's card in place, and
without JavaScript the forms post and come back to the desk."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dispatch import selectors, services
from dispatch.enums import FILLING_DISPATCH_STATUSES, BidStatus, DispatchStatus, JobRequestStatus
from dispatch.models import Dispatch, JobBid, JobRequest
from members.models import Member
from referral.enums import NoCheckMarkReason
from unioncore.admin_actions import refusal_message
from unioncore.errors import RuleViolation

NEXT_NAMES = 3  # the next eligible names shown for each request
SHOWN_STATUSES = (JobRequestStatus.OPEN, JobRequestStatus.FILLED)


@dataclass
class Line:
    """One line of a request's next names: a member the order selects or passes over."""

    position: int
    name: str
    apn: object
    tier: int | None
    selected: bool
    skip_reason: str
    detail: str
    by_name: bool


@dataclass
class Card:
    request: JobRequest
    filled: int
    bids: int
    offers: list = field(default_factory=list)  # (dispatch, what declining does, for the dispatcher)
    lines: list[Line] = field(default_factory=list)
    exhausted: bool = False

    @property
    def next_line(self):
        return next((line for line in self.lines if line.selected), None)

    @property
    def open_places(self) -> int:
        return self.request.workers_wanted - self.filled

    @property
    def unfilled(self) -> bool:
        return self.request.unfilled_at is not None and self.open_places > 0


def _requests(ids=None, *, days=None):
    """The requests of the sheet with everything the cards show, in a fixed number of queries."""
    pending = Dispatch.objects.filter(status=DispatchStatus.PENDING).select_related(
        "member", "registration__book", "registration__member"
    )
    queryset = JobRequest.objects.filter(is_history=False, status__in=SHOWN_STATUSES)
    if ids is not None:
        queryset = JobRequest.objects.filter(pk__in=ids)
    else:
        first, last = days
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
        queryset = queryset.filter(refer_at__gte=start, refer_at__lt=end)
    from dispatch.admin import count_of

    return list(
        queryset.select_related("employer")
        .prefetch_related("special_skills", Prefetch("dispatches", queryset=pending, to_attr="pending_offers"))
        .annotate(
            filled_count=count_of(Dispatch, "job_request", status__in=FILLING_DISPATCH_STATUSES),
            bid_count=count_of(JobBid, "job_request", status=BidStatus.PENDING),
        )
        .order_by("refer_at", "id")
    )


def _decline_words(dispatch: Dispatch) -> str:
    """What recording a decline does, for the dispatcher (the member's own words are the
    portal's): the rule `dispatch_decline` applies."""
    verdict = selectors.decline_verdict(dispatch, dispatch.registration)
    if verdict.quit:
        return "a quit: the bidder comes off every book"
    if verdict.excuse:
        return f"no check mark: {NoCheckMarkReason(verdict.excuse).label.lower()}"
    return "a check mark" if verdict.costs_check_mark else "no check mark"


def cards(requests: list[JobRequest], *, n: int = NEXT_NAMES) -> list[Card]:
    open_requests = [r for r in requests if r.status == JobRequestStatus.OPEN]
    names = selectors.next_names(job_requests=open_requests, n=n)
    member_ids = {c.member_id for found in names.values() for c in found.candidates}
    members = {
        m["id"]: f"{m['last_name']}, {m['first_name']} ({m['card_number']})"
        for m in Member.objects.filter(pk__in=member_ids).values("id", "last_name", "first_name", "card_number")
    }
    result = []
    for r in requests:
        card = Card(request=r, filled=r.filled_count, bids=r.bid_count)
        card.offers = [(d, _decline_words(d)) for d in r.pending_offers]
        found = names.get(r.pk)
        if found is not None:
            card.exhausted = found.exhausted
            card.lines = [
                Line(
                    position=place,
                    name=members.get(c.member_id, f"member {c.member_id}"),
                    apn=c.apn,
                    tier=c.tier,
                    selected=not c.skip_reason,
                    skip_reason=c.skip_reason.label if c.skip_reason else "",
                    detail=c.detail,
                    by_name=c.by_name,
                )
                for place, c in enumerate(found.candidates, start=1)
            ]
        result.append(card)
    return result


def sheet(now: datetime.datetime):
    """Today's and tomorrow's requests (by referral time), as [(day, [(slot, [Card])])]."""
    today = timezone.localdate(now)
    tomorrow = today + datetime.timedelta(days=1)
    all_cards = cards(_requests(days=(today, tomorrow)))

    def day(card):
        return timezone.localtime(card.request.refer_at).date()

    def slot(card):
        return timezone.localtime(card.request.refer_at).time()

    return [
        (d, [(s, list(in_slot)) for s, in_slot in groupby(list(in_day), key=slot)])
        for d, in_day in groupby(all_cards, key=day)
    ], (today, tomorrow)


def _may_act(user) -> None:
    if not user.has_perm("dispatch.change_jobrequest"):
        raise PermissionDenied


def _context(request, admin_site, **extra):
    days, (today, tomorrow) = sheet(timezone.now())
    return {
        **admin_site.each_context(request),
        "title": "Referral desk",
        "days": days,
        "today": today,
        "tomorrow": tomorrow,
        "may_act": request.user.has_perm("dispatch.change_jobrequest"),
        "queue_url": reverse("admin:dispatch_jobrequest_changelist") + "?unfilled=yes",
        **extra,
    }


def desk(request, admin_site):
    if not request.user.has_perm("dispatch.view_jobrequest"):
        raise PermissionDenied
    return TemplateResponse(request, "admin/dispatch/desk.html", _context(request, admin_site))


def _after(request, admin_site, job_request_id: int, message: str, level: int):
    """HTMX: the whole sheet again (every card's next names as they now stand), the message on
    the request's card; without JavaScript, back to the desk (or the page that posted)."""
    if request.headers.get("HX-Request"):
        context = _context(
            request, admin_site, message=message, message_for=job_request_id,
            level="success" if level == messages.SUCCESS else "warning",
        )  # fmt: skip
        return TemplateResponse(request, "admin/dispatch/desk_sheet.html", context)
    messages.add_message(request, level, message)
    back = request.POST.get("next", "")
    if not back.startswith("/admin/"):  # only back into the console
        back = reverse("admin:dispatch_desk") + f"#request-{job_request_id}"
    return HttpResponseRedirect(back)


def _member(dispatch: Dispatch) -> str:
    return f"{dispatch.member.last_name}, {dispatch.member.first_name}"


def _offer(pk: int, by) -> str:
    return f"Offered to {_member(services.dispatch_offer_next(job_request_id=pk, by=by))}."


def _take_bids(pk: int, by) -> str:
    run = services.bids_take(job_request_id=pk, by=by)
    offered = [_member(d) for d in Dispatch.objects.filter(referral_run=run).select_related("member")]
    return f"Bids taken: offered to {', '.join(offered)}." if offered else "Bids taken: no bidder could be offered."


def _unfilled(pk: int, by) -> str:
    services.job_request_mark_unfilled(job_request_id=pk, by=by)
    return "Sent to the Business Manager (unfilled)."


def _run(pk: int, by) -> str:
    run = services.referral_run(job_request_id=pk, by=by)
    return f"Referral run {run.pk} stored: {run.candidates_seen} member(s) ranked."


ACTIONS = {"offer": _offer, "bids": _take_bids, "unfilled": _unfilled, "run": _run}


@require_POST
def desk_act(request, admin_site, pk: int, what: str):
    _may_act(request.user)
    if what not in ACTIONS:
        raise PermissionDenied
    get_object_or_404(JobRequest, pk=pk)
    try:
        message, level = ACTIONS[what](pk, request.user), messages.SUCCESS
    except RuleViolation as refused:
        message, level = refusal_message(refused), messages.WARNING
    return _after(request, admin_site, pk, message, level)


@require_POST
def desk_decline(request, admin_site, pk: int):
    """The member said no (or did not answer) to the offer: recorded with the request's own
    excuse, as `dispatch_decline` derives it."""
    _may_act(request.user)
    dispatch = get_object_or_404(
        Dispatch.objects.select_related("member", "job_request", "registration__book", "registration__member"), pk=pk
    )
    try:
        declining = _decline_words(dispatch)  # what the button said, read before it is recorded
        services.dispatch_decline(dispatch_id=pk, by=request.user)
        message, level = f"Decline recorded for {_member(dispatch)}: {declining}.", messages.SUCCESS
    except RuleViolation as refused:
        message, level = refusal_message(refused), messages.WARNING
    return _after(request, admin_site, dispatch.job_request_id, message, level)


def schedule_preview(data) -> dict:
    """What a call taken now gets, for the job request form (`data`: its fields, posted or
    initial): the book, its referral time and bidding window, and what the request checks would
    refuse in its start — the service's own functions (rule L2c)."""
    classification, region = data.get("book_classification"), data.get("region")
    if not (classification and region):
        return {"missing": "Choose the classification and the region to see its referral time."}
    now = timezone.now()
    try:
        book = services._request_book(classification, region)
    except RuleViolation as refused:
        return {"missing": refused.message}
    by_name = bool(data.getlist("by_name_members") if hasattr(data, "getlist") else data.get("by_name_members"))
    schedule = services.referral_schedule(book=book, taken_at=now, by_name=by_name)
    refusals = []
    try:
        start = timezone.make_aware(
            datetime.datetime.combine(
                datetime.date.fromisoformat(str(data.get("start_date", ""))),
                datetime.time.fromisoformat(str(data.get("report_time", ""))),
            )
        )
    except ValueError:
        start = None  # not chosen yet (or not a date): nothing to check
    if start is not None:
        refusals = [r.message for r in services.request_refusals(schedule=schedule, start=start, taken_at=now)]
    # Taken on an officer's override, a start before the book's referral time is referred at once (decision 0059).
    at_once = bool(refusals) and start < schedule.refer_at
    return {"book": book, "schedule": schedule, "refusals": refusals, "taken_at": now, "at_once": at_once}


def schedule(request, admin_site):
    """The job request form's referral panel again, for its fields as they now stand (HTMX)."""
    if not request.user.has_perm("dispatch.add_jobrequest"):
        raise PermissionDenied
    context = {"schedule": schedule_preview(request.GET)}
    return TemplateResponse(request, "admin/dispatch/jobrequest/schedule.html", context)


def urls(admin_site):
    from django.urls import path

    def view(function):
        return admin_site.admin_view(lambda request, **kw: function(request, admin_site, **kw))

    return [
        path("desk/", view(desk), name="dispatch_desk"),
        path("schedule/", view(schedule), name="dispatch_jobrequest_schedule"),
        path("desk/<int:pk>/<slug:what>/", view(desk_act), name="dispatch_desk_act"),
        path("desk/offers/<int:pk>/decline/", view(desk_decline), name="dispatch_desk_decline"),
    ]
