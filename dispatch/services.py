"""Every write of the Dispatch part: requests, referral runs, offers, dispatches, bids.

Locks are always taken in the same order — job request, then member, then registration — so two
dispatchers (or a dispatcher and a bid) wait for each other instead of deadlocking, and the
database constraints (one open dispatch per member) are the last line."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dispatch import messages, rules, selectors
from dispatch.enums import (
    FILLING_DISPATCH_STATUSES,
    BidStatus,
    CandidateOutcome,
    DeclineKind,
    DispatchStatus,
    DispatchType,
    EmployerRole,
    EndReason,
    JobRequestStatus,
    RequestCategory,
    SuspensionKind,
)
from dispatch.errors import DispatchError
from dispatch.models import (
    Dispatch,
    Employer,
    EmployerUser,
    HallSettings,
    JobBid,
    JobRequest,
    ReferralCandidate,
    ReferralRun,
    ReferralSuspension,
)
from members.models import Member
from referral import calendar
from referral import services as referral_services
from referral.enums import RegistrationStatus, ReRegistrationCause, RollOffReason
from referral.errors import ReferralError
from referral.models import BookRegistration, ReferralBook
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User
from unioncore.records import record_save

HALL_SETTINGS_FIELDS = (
    "request_cutoff",
    "bidding_opens",
    "bidding_closes",
    "bid_rejection_suspension_days",
    "short_call_max_days",
    "short_call_uncounted_days",
    "short_call_max_restorations",
    "by_name_bar_days",
)


@transaction.atomic
def hall_settings_save(*, by: User, **fields) -> HallSettings:
    """An officer changes the hall's referral and dispatch rule numbers (the console's page, one
    row, made by its migration); the history records who and what it was before."""
    return record_save(HallSettings, pk=1, by=by, fields=fields, allowed=HALL_SETTINGS_FIELDS)


def _local(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def referral_time(*, taken_at: datetime.datetime, start_time: datetime.time) -> datetime.datetime:
    """Taken by the hall's cut-off (3 PM): the next business morning at the book's start time;
    later: the one after."""
    local = timezone.localtime(taken_at)
    cal = calendar.calendar_around(local.date())
    day = cal.add_business_days(local.date(), 1 if local.time() <= HallSettings.current().request_cutoff else 2)
    return _local(day, start_time)


@dataclass(frozen=True)
class ReferralSchedule:
    """When a request is referred and when its book's members may bid on it."""

    refer_at: datetime.datetime
    bidding_opens_at: datetime.datetime | None = None
    bidding_closes_at: datetime.datetime | None = None


def referral_schedule(*, book: ReferralBook, taken_at: datetime.datetime, by_name: bool) -> ReferralSchedule:
    """The referral time and the bidding window a call taken at `taken_at` gets on `book` (the
    service takes it with these; the console shows them before it is taken)."""
    refer_at = referral_time(taken_at=taken_at, start_time=book.referral_start_time)
    if not book.internet_bidding_enabled or by_name:
        return ReferralSchedule(refer_at)
    # The book's window (the 2024 procedure, rule 6; the hall's times): from 5:30 PM of the
    # last working day before the referral morning to 7:00 AM, so open all day on weekends.
    hall = HallSettings.current()
    evening = _working_day_before(timezone.localdate(refer_at))
    opens = max(_local(evening, hall.bidding_opens), taken_at)
    return ReferralSchedule(refer_at, opens, _local(timezone.localdate(refer_at), hall.bidding_closes))


def earliest_start(
    *, book_classification: str, region: str, taken_at: datetime.datetime, report_time: datetime.time
) -> datetime.date:
    """The first day a call taken at `taken_at` may start at `report_time` without an officer's
    override (rule L2c): its referral morning if the start is not before the referral, else the
    day after (from then bidding has opened too)."""
    book = _request_book(book_classification, region)
    refer_at = referral_time(taken_at=taken_at, start_time=book.referral_start_time)
    day = timezone.localdate(refer_at)
    return day if _local(day, report_time) >= refer_at else day + datetime.timedelta(days=1)


def request_refusals(
    *, schedule: ReferralSchedule, start: datetime.datetime, taken_at: datetime.datetime
) -> list[RuleViolation]:
    """What the request checks (rule L2c) refuse in a start, first the gravest: in the past
    (when the call is taken), so early that bidding could not open before it (a narrower case
    of the next: told apart, it says what is lost), before the book's referral time."""
    when = timezone.localtime(start).strftime("%a %-d %b %H:%M")
    refusals = []
    if start < taken_at:
        refusals.append(RuleViolation(
            DispatchError.START_IN_PAST, f"The start ({when}) is in the past.", fields={"start_date": "In the past."}
        ))  # fmt: skip
    opens = schedule.bidding_opens_at
    if opens is not None and opens >= start:
        refusals.append(RuleViolation(
            DispatchError.BIDDING_AFTER_START,
            f"The start ({when}) is before the book's bidding could open "
            f"({timezone.localtime(opens).strftime('%a %-d %b %H:%M')}).",
            fields={"start_date": "Before bidding could open."},
        ))  # fmt: skip
    if start < schedule.refer_at:
        refusals.append(RuleViolation(
            DispatchError.START_BEFORE_REFERRAL,
            f"The start ({when}) is before the request's referral time "
            f"({timezone.localtime(schedule.refer_at).strftime('%a %-d %b %H:%M')}).",
            fields={"start_date": "Before the referral time."},
        ))  # fmt: skip
    return refusals


def _override_checks(refusals: list[RuleViolation], *, override_reason: str, by: User) -> str:
    """The first refusal, unless an officer gives the reason to take the request anyway; the
    reason to keep on the request ("" when nothing needed overriding)."""
    if not refusals:
        return ""
    override_reason = (override_reason or "").strip()
    if not override_reason:
        raise refusals[0]
    if not by.has_perm("dispatch.emergency_referral"):
        raise RuleViolation(
            CommonError.OFFICER_ONLY, f"{refusals[0].message} Taking it anyway is an officer's action.",
            fields={"override_reason": "An officer's reason only."},
        )  # fmt: skip
    return override_reason


def _request_book(classification: str, region: str) -> ReferralBook:
    book = ReferralBook.objects.filter(classification=classification, region=region, is_active=True).order_by(
        "book_number"
    )
    first = book.first()
    if first is None:
        raise RuleViolation(DispatchError.NO_BOOK, "There is no open book for that classification in that region.")
    return first


def _check_terms(request: JobRequest, *, by_name: bool) -> None:
    """A request's terms, on a call and on each edit: workers, a short call's length, the TERO
    book, a PLA/CWA's priority area, a by-name request's attestation."""
    if request.workers_wanted is None or request.workers_wanted < 1:
        raise RuleViolation(
            DispatchError.NO_WORKERS, "A request asks for at least one worker.", fields={"workers_wanted": "≥ 1"}
        )
    longest = HallSettings.current().short_call_max_days
    if request.is_short_call and request.expected_days and request.expected_days > longest:
        raise RuleViolation(DispatchError.SHORT_CALL_TOO_LONG, f"A short call lasts {longest} days or less.")
    request.book_classification = rules.book_classification_of(
        category=request.category, classification=request.book_classification
    )
    if request.category in (RequestCategory.PLA, RequestCategory.CWA) and not request.priority_zip_codes.strip():
        raise RuleViolation(
            DispatchError.PRIORITY_AREA_REQUIRED, "A PLA/CWA request needs its priority-hire ZIP codes."
        )
    if by_name and not request.by_name_attested:
        raise RuleViolation(
            DispatchError.ATTESTATION_REQUIRED, "A by-name request needs the employer's anti-collusion attestation.",
            fields={"by_name_attested": "Required for a by-name request."},
        )  # fmt: skip


def _schedule(
    request: JobRequest, *, by: User, by_name: bool, override_reason: str, kept: str = "",
    accepted_at: datetime.datetime | None = None,
) -> None:  # fmt: skip
    """Set the request's referral time and bidding window (its book's, counted from when the
    call was taken) after the start checks (rule L2c); `kept`, an officer's reason already on
    the request that still covers an unchanged start. `accepted_at`: when the hall accepts an
    employer's order, as sent or corrected (decision 0059): the start is checked against it,
    not against the order's time, and members bid from then only (an order waiting for the
    hall takes no bids); the referral time still counts from the order (its cut-off)."""
    schedule = referral_schedule(
        book=_request_book(request.book_classification, request.region), taken_at=request.taken_at, by_name=by_name
    )
    hall_takes_at = max(accepted_at or request.taken_at, request.taken_at)
    opens, closes = schedule.bidding_opens_at, schedule.bidding_closes_at
    if opens is not None and hall_takes_at > opens:
        # The order waited for the hall into its window: bids from now, none if the window is over.
        opens, closes = (hall_takes_at, closes) if hall_takes_at < closes else (None, None)
        schedule = ReferralSchedule(schedule.refer_at, opens, closes)
    start = _local(request.start_date, request.report_time)
    refusals = request_refusals(schedule=schedule, start=start, taken_at=hall_takes_at)
    if refusals and kept and not (override_reason or "").strip():
        request.override_reason = kept
    else:
        request.override_reason = _override_checks(refusals, override_reason=override_reason, by=by)
    refer_at = schedule.refer_at
    if request.override_reason and start < refer_at:
        # Taken on an officer's word though the job starts before the book's referral time: it
        # is referred at once (decision 0059), not after the start; a correction keeps an
        # earlier "at once", and there is no bidding on a request already referred.
        refer_at = min(refer_at, max(timezone.now(), hall_takes_at), request.refer_at or refer_at)
        opens = closes = None
    elif opens is not None and opens >= start:
        opens = closes = None  # an officer took it anyway: no bidding that would open after the start
    request.refer_at, request.bidding_opens_at, request.bidding_closes_at = refer_at, opens, closes


@transaction.atomic
def job_request_create(
    *,
    by: User,
    employer_id: int,
    book_classification: str,
    region: str,
    workers_wanted: int,
    start_date: datetime.date,
    report_time: datetime.time,
    worksite: str,
    expected_days: int | None = None,
    is_short_call: bool = False,
    category: str = RequestCategory.NORMAL,
    priority_zip_codes: str = "",
    special_skill_ids=(),
    by_name_member_ids=(),
    by_name_attested: bool = False,
    mou_jobsite: bool = False,
    under_scale_recovery: bool = False,
    various_locations: bool = False,
    is_turnaround: bool = False,
    wage_rate=None,
    job_class: str = "journeyman",
    taken_at: datetime.datetime | None = None,
    notes: str = "",
    submitted_by_employer: bool = False,
    override_reason: str = "",
    accepted_at: datetime.datetime | None = None,
) -> JobRequest:
    """Take an employer's call for labor (or, `submitted_by_employer`, an employer's order from
    the portal, which waits for a dispatcher to accept it: decision 0044). A start in the past,
    before the book's referral time or before its bidding could open is refused unless an
    officer gives `override_reason`, kept on the request (decision 0050); an employer's order
    the hall corrects is checked as of `accepted_at`, the moment the hall takes it (0059)."""
    taken_at = taken_at or timezone.now()
    employer = Employer.objects.get(pk=employer_id)
    if employer.status != "active":
        raise RuleViolation(DispatchError.EMPLOYER_NOT_SIGNATORY, f"{employer} is not an active signatory employer.")
    request = JobRequest(
        employer=employer, book_classification=book_classification, region=region, job_class=job_class,
        workers_wanted=workers_wanted, start_date=start_date, report_time=report_time, worksite=worksite,
        expected_days=expected_days, is_short_call=is_short_call, category=category,
        priority_zip_codes=priority_zip_codes, by_name_attested=by_name_attested, wage_rate=wage_rate,
        mou_jobsite=mou_jobsite, under_scale_recovery=under_scale_recovery, various_locations=various_locations,
        is_turnaround=is_turnaround, taken_at=taken_at, taken_by=by, notes=notes,
        status=JobRequestStatus.SUBMITTED if submitted_by_employer else JobRequestStatus.OPEN,
    )  # fmt: skip
    _check_terms(request, by_name=bool(by_name_member_ids))
    _schedule(
        request, by=by, by_name=bool(by_name_member_ids), override_reason=override_reason, accepted_at=accepted_at
    )
    request.full_clean(exclude=["status"])  # a protected FSM field cannot be re-assigned by clean
    request._history_user = by
    request.save()
    request.special_skills.set(special_skill_ids)
    request.by_name_members.set(by_name_member_ids)
    return request


# What a dispatcher may still change on a request (not the employer, not when the call was taken).
EDITABLE_REQUEST_FIELDS = (
    "book_classification", "region", "job_class", "workers_wanted", "start_date", "report_time", "worksite",
    "expected_days", "is_short_call", "category", "priority_zip_codes", "by_name_attested", "mou_jobsite",
    "under_scale_recovery", "various_locations", "is_turnaround", "wage_rate", "notes",
)  # fmt: skip


@transaction.atomic
def job_request_change(
    *, job_request_id: int, by: User, special_skill_ids=None, by_name_member_ids=None, override_reason: str = "",
    **fields,
) -> JobRequest:  # fmt: skip
    """A dispatcher corrects an open request until its first offer (rule L2d): every rule of a
    call again (`_check_terms`, the start checks), its referral time and bidding window counted
    again from when the call was taken. After an offer the members were told its terms: a
    change is a cancellation and a new call. An officer's override stays while the start, the
    book and the by-name list stay."""
    _ensure_dispatcher(by)
    unknown = set(fields) - set(EDITABLE_REQUEST_FIELDS)
    if unknown:
        raise TypeError(f"job_request_change() cannot change {sorted(unknown)}")
    request = lock_request(job_request_id)
    if request.status != JobRequestStatus.OPEN:
        raise RuleViolation(
            DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.get_status_display().lower()}."
        )
    if request.dispatches.exists():
        raise RuleViolation(
            DispatchError.REQUEST_OFFERED,
            f"Request {request.pk} has been offered: cancel it and take a new call to change its terms.",
        )
    named = list(request.by_name_members.values_list("pk", flat=True))
    by_name_member_ids = named if by_name_member_ids is None else list(by_name_member_ids)

    def schedule_facts(by_name):  # what the referral time, the window and the start checks read
        return request.start_date, request.report_time, request.book_classification, request.region, sorted(by_name)

    before = schedule_facts(named)
    book_before = request.book_classification, request.region
    for name, value in fields.items():
        setattr(request, name, value)
    _check_terms(request, by_name=bool(by_name_member_ids))
    kept = request.override_reason if schedule_facts(by_name_member_ids) == before else ""
    _schedule(request, by=by, by_name=bool(by_name_member_ids), override_reason=override_reason, kept=kept)
    request.full_clean(exclude=["status"])
    request._history_user = by
    request._change_reason = "Corrected before the first offer"
    request.save()
    _bids_after_a_correction(request, by, book_moved=(request.book_classification, request.region) != book_before)
    if special_skill_ids is not None:
        request.special_skills.set(special_skill_ids)
    request.by_name_members.set(by_name_member_ids)
    return request


def _bids_after_a_correction(request: JobRequest, by: User, *, book_moved: bool) -> None:
    """The pending bids a correction leaves without ground are withdrawn and each bidder told why
    (decision 0059): all of them when the request moved to another book (they bid from the old
    one), else those its bidding window (new, or none) would not have taken when they were
    placed. A correction that touches neither keeps them; a bidder's place on the book is theirs."""
    opens, closes = request.bidding_opens_at, request.bidding_closes_at
    if book_moved:
        reason = "the hall moved the request to another book"
    elif opens is None:
        reason = "the request no longer takes online bids"
    else:
        local_opens, local_closes = timezone.localtime(opens), timezone.localtime(closes)
        reason = (
            f"the hall changed its bidding window to {local_opens:%a %b %-d %-I:%M %p} – "
            f"{local_closes:%a %b %-d %-I:%M %p}" + ("; bid again inside it" if closes > timezone.now() else "")
        )
    for bid in JobBid.objects.select_for_update().filter(job_request=request, status=BidStatus.PENDING):
        if not book_moved and opens is not None and opens <= bid.placed_at < closes:
            continue  # the window as corrected takes this bid too
        bid.withdraw()
        bid._history_user = by
        bid._change_reason = f"Withdrawn by the hall: {reason}"[:100]
        bid.save()
        messages.tell_bid_not_taken(bid, reason)


def lock_request(job_request_id: int) -> JobRequest:
    return JobRequest.objects.select_for_update(of=("self",)).select_related("employer").get(pk=job_request_id)


@transaction.atomic
def referral_run(*, job_request_id: int, by: User) -> ReferralRun:
    """Run the referral order for a request and store what it saw (the referral record)."""
    request = lock_request(job_request_id)
    if request.status != JobRequestStatus.OPEN:
        raise RuleViolation(DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.status}.")
    wanted = request.workers_wanted - request.dispatches.filter(status__in=FILLING_DISPATCH_STATUSES).count()
    candidates = selectors.referral_order(job_request=request, wanted=wanted)
    run = ReferralRun(job_request=request, run_by=by, workers_sought=wanted, candidates_seen=len(candidates))
    run._history_user = by
    run.save()
    ReferralCandidate.objects.bulk_create(
        ReferralCandidate(
            run=run,
            rank=rank,
            registration_id=c.registration_id,
            member_id=c.member_id,
            apn=c.apn,
            tier=c.tier,
            by_name=c.by_name,
            outcome=c.outcome,
            skip_reason=c.skip_reason,
            detail=c.detail[:200],
        )
        for rank, c in enumerate(candidates, start=1)
    )
    return run


def _dispatch_type(request: JobRequest, by_name: bool) -> str:
    if by_name:
        return DispatchType.BY_NAME
    return DispatchType.SHORT_CALL if request.is_short_call else DispatchType.NORMAL


@transaction.atomic
def dispatch_offer(
    *, job_request_id: int, registration_id: int, by: User, run: ReferralRun | None = None,
    emergency: bool = False, bid: JobBid | None = None, override_reason: str = "",
) -> Dispatch:  # fmt: skip
    """Offer the job to the member of a registration. Refused if the member is not eligible now,
    if the request is full, or if the member already holds an open dispatch.

    Every offer carries its referral run (decision 0043): without `run` the order is run here
    and stored; the offer goes only to a member the run selected. The only way around the order
    is an officer's `override_reason` (an emergency or out-of-order call), kept on the dispatch."""
    override_reason = (override_reason or "").strip()
    if emergency and not by.has_perm("dispatch.emergency_referral"):
        raise RuleViolation(CommonError.OFFICER_ONLY, "An emergency referral is an officer's action.")
    if override_reason and not by.has_perm("dispatch.emergency_referral"):
        raise RuleViolation(CommonError.OFFICER_ONLY, "Offering outside the referral order is an officer's action.")
    if emergency and run is None and not override_reason:
        raise RuleViolation(
            CommonError.REASON_REQUIRED, "An emergency call made by hand needs the officer's reason.",
            fields={"override_reason": "Required for an emergency call."},
        )  # fmt: skip
    request = lock_request(job_request_id)
    if request.status != JobRequestStatus.OPEN:
        raise RuleViolation(
            DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.get_status_display().lower()}."
        )
    registration = BookRegistration.objects.select_related("member", "book").get(pk=registration_id)
    Member.objects.select_for_update().get(pk=registration.member_id)  # one offer per member at a time
    registration = referral_services.lock_registration(registration_id)
    filled = request.dispatches.filter(status__in=FILLING_DISPATCH_STATUSES).count()
    if filled >= request.workers_wanted:
        raise RuleViolation(
            DispatchError.REQUEST_FULL, f"Request {request.pk} already has its {request.workers_wanted} worker(s)."
        )
    by_name = request.by_name_attested and request.by_name_members.filter(pk=registration.member_id).exists()
    verdict = next(
        (c for c in selectors.referral_order(job_request=request) if c.member_id == registration.member_id), None
    )
    if verdict is None or verdict.registration_id != registration.pk:
        raise RuleViolation(DispatchError.NOT_ELIGIBLE, f"{registration.member} is not on the list for this request.")
    if verdict.skip_reason:
        raise RuleViolation(
            DispatchError.NOT_ELIGIBLE,
            f"{registration.member} is not eligible: {verdict.skip_reason.label}"
            + (f" ({verdict.detail})." if verdict.detail else "."),
        )
    if run is None and not override_reason:
        run = referral_run(job_request_id=request.pk, by=by)
    if run is not None and run.job_request_id != request.pk:
        raise RuleViolation(DispatchError.WRONG_RUN, f"Referral run {run.pk} is not of request {request.pk}.")
    if (
        not override_reason
        and not run.candidates.filter(registration_id=registration.pk, outcome=CandidateOutcome.SELECTED).exists()
    ):
        raise RuleViolation(
            DispatchError.OUT_OF_ORDER,
            f"{registration.member} is not next in the referral order (run {run.pk}): offer to the members it "
            "selected, or an officer gives the reason to offer out of order.",
        )
    dispatch = Dispatch(
        member=registration.member, employer=request.employer, job_request=request, registration=registration,
        referral_run=run, override_reason=override_reason, bid=bid,
        type=DispatchType.EMERGENCY if emergency else _dispatch_type(request, by_name),
        wage_rate=request.wage_rate or 0, start_date=request.start_date, created_by=by, lending_admin=by,
        primary_site_contact=request.employer.users.order_by("id").first(),
    )  # fmt: skip
    dispatch._history_user = by
    try:
        with transaction.atomic():
            dispatch.save()
    except IntegrityError:
        raise RuleViolation(
            DispatchError.ALREADY_DISPATCHED, f"{registration.member} already has an open dispatch."
        ) from None
    messages.tell_offer(dispatch)
    return dispatch


@transaction.atomic
def dispatch_offer_next(*, job_request_id: int, by: User) -> Dispatch:
    """The referral desk's one click: run the referral order for the request (the run is the
    record) and offer the job to the first member it selected."""
    run = referral_run(job_request_id=job_request_id, by=by)
    first = run.candidates.filter(outcome=CandidateOutcome.SELECTED).order_by("rank").first()
    if first is None:
        raise RuleViolation(
            DispatchError.NOBODY_ELIGIBLE, f"Nobody on the list can take request {job_request_id}: mark it unfilled."
        )
    return dispatch_offer(job_request_id=job_request_id, registration_id=first.registration_id, by=by, run=run)


def lock_dispatch(dispatch_id: int) -> Dispatch:
    dispatch = Dispatch.objects.select_related("job_request").get(pk=dispatch_id)
    lock_request(dispatch.job_request_id)
    return (
        Dispatch.objects.select_for_update(of=("self",))
        .select_related("job_request", "registration")
        .get(pk=dispatch_id)
    )


def _save(dispatch: Dispatch, by: User) -> None:
    dispatch._history_user = by
    dispatch.save()


@transaction.atomic
def dispatch_accept(*, dispatch_id: int, by: User) -> Dispatch:
    """The member takes the job: off the book (or held on it for a short call)."""
    dispatch = lock_dispatch(dispatch_id)
    if not rules.in_status("accept", dispatch.status):
        raise RuleViolation(CommonError.WRONG_STATUS, f"This dispatch is {dispatch.get_status_display().lower()}.")
    dispatch.accept()
    _save(dispatch, by)
    passed_over = _lock_the_passed_over(dispatch)
    if dispatch.registration_id:
        referral_services.registration_dispatch(
            registration_id=dispatch.registration_id, by=by, short_call=dispatch.type == DispatchType.SHORT_CALL,
            reason=f"Request {dispatch.job_request_id}, {dispatch.employer}",
        )  # fmt: skip
    request = dispatch.job_request
    on_the_job = request.dispatches.filter(status__in=(DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED)).count()
    if request.status == JobRequestStatus.OPEN and on_the_job >= request.workers_wanted:
        request.mark_filled()
        request._history_user = by
        request.save()
    if passed_over:
        tier = dispatch.registration.book.book_number
        referral_services.registrations_check_mark_passed_over(
            registration_ids=passed_over, by=_rule_actor(by),
            reason=f"Request {request.pk} ({request.employer}) fell to Book {tier}: passed over",
        )  # fmt: skip
    return dispatch


def _lock_the_passed_over(dispatch: Dispatch) -> list[int]:
    """The registrations a request falling to this dispatch's tier passes over (rule 9, decision
    0033), locked with the dispatch's own in id order — the order the unfilled-request marks
    take too, so the two never wait for each other in a circle."""
    passed_over = selectors.passed_over(dispatch=dispatch)
    if passed_over:
        referral_services.lock_registrations([dispatch.registration_id, *passed_over])
    return passed_over


def _rule_actor(by: User) -> User:
    """Who a mark the rule gives is recorded as: the staff member whose action set it off, else
    `system` (a member accepting by phone does not put their name on another's record)."""
    from unioncore.audit import system_user

    return by if by.is_staff else system_user()


@transaction.atomic
def dispatch_check_in(*, dispatch_id: int, by: User) -> Dispatch:
    """The member checked in with the employer (the 2024 procedure, rule 7): recorded by the
    employer's supervisor or a dispatcher. A second check-in keeps the first."""
    dispatch = lock_dispatch(dispatch_id)
    if not rules.actor_of(by).may_check_in(dispatch.employer_id):
        raise RuleViolation(
            CommonError.NOT_ALLOWED, "Only the employer of this dispatch or a dispatcher records a check-in."
        )
    if not rules.in_status("check_in", dispatch.status):
        raise RuleViolation(CommonError.WRONG_STATUS, f"This dispatch is {dispatch.get_status_display().lower()}.")
    if dispatch.no_show_at is not None:
        raise RuleViolation(
            DispatchError.NO_SHOW,
            f"The member was rolled off for not checking in by {rules.CHECK_IN_WORDS} of the dispatch day.",
        )
    if dispatch.checked_in_at is None:
        dispatch.checked_in_at, dispatch.checked_in_by = timezone.now(), by
        _save(dispatch, by)
    return dispatch


def dispatch_roll_off_no_shows(*, day: datetime.date, by: User) -> list[Dispatch]:
    """At 3 PM of a dispatch day: each member who has not checked in with the employer is rolled
    off every book, with the reason (each dispatch in its own transaction; safe to run twice)."""
    done = []
    for dispatch_id in selectors.no_shows(day=day).values_list("id", flat=True):
        with transaction.atomic():
            dispatch = lock_dispatch(dispatch_id)
            if dispatch.checked_in_at is not None or dispatch.no_show_at is not None:
                continue  # checked in (or handled) since the list was read
            dispatch.no_show_at = timezone.now()
            _save(dispatch, by)
            reason = f"No check-in with {dispatch.employer} by {rules.CHECK_IN_WORDS} on {day:%m/%d/%Y}"
            # The member is told by the roll-off itself (Referral's message, with this reason).
            referral_services.member_roll_off_all_books(
                member_id=dispatch.member_id, by=by, cause=RollOffReason.NO_CHECK_IN, reason=reason
            )
            done.append(dispatch)
    return done


def dispatch_warn_no_shows(*, day: datetime.date) -> int:
    """At 1 PM of a dispatch day: each member who has not checked in yet is told to, before the
    3 PM roll-off (the 2024 procedure, rule 7). Once per dispatch; safe to run twice."""
    warned = 0
    for dispatch in selectors.no_shows(day=day).select_related("member__user"):
        with transaction.atomic():
            warned += len(messages.tell_no_show_warning(dispatch))
    return warned


UNFILLED_NOTICE_KEY = "dispatch:unfilled-notice:{day}"


def notify_unfilled_requests(*, now: datetime.datetime) -> int:
    """Tell the officers (the Business Manager and designees) which requests the morning
    referral left unfilled, once a day (a second call the same day sends nothing). Returns the
    number of requests in the notice."""
    from django.contrib.auth.models import Group
    from django.core.cache import cache
    from django.core.mail import send_mail

    day = timezone.localdate(now)
    unfilled = list(
        selectors.unfilled_after_referral(now=now).filter(refer_at__date__gte=day - datetime.timedelta(days=7))
    )
    if not unfilled:
        return 0
    if not cache.add(UNFILLED_NOTICE_KEY.format(day=day.isoformat()), "sent", timeout=2 * 24 * 3600):
        return 0  # already sent today
    officers = Group.objects.filter(name="officer").values_list("user__email", flat=True)
    recipients = sorted({email for email in officers if email})
    if recipients:
        lines = [
            f"#{r.pk} {r.employer} — {r.get_book_classification_display()} {r.get_region_display()}, "
            f"{r.filling} of {r.workers_wanted} filled, starts {r.start_date:%a %m/%d}"
            for r in unfilled
        ]
        send_mail(
            f"{len(unfilled)} request(s) unfilled after the morning referral",
            "Fill them by any means before 3:00 PM (the referral procedure, rule 2):\n\n" + "\n".join(lines),
            None,
            recipients,
        )
    return len(unfilled)


@transaction.atomic
def dispatch_decline(
    *, dispatch_id: int, by: User, kind: str = DeclineKind.DECLINED, no_check_mark_reason: str = ""
) -> Dispatch:
    """The member declines or does not answer (a check mark unless excused), or the employer
    rejects the member (no check mark, place kept)."""
    dispatch = lock_dispatch(dispatch_id)
    if not rules.in_status("decline", dispatch.status):
        raise RuleViolation(CommonError.WRONG_STATUS, f"This dispatch is {dispatch.get_status_display().lower()}.")
    dispatch.decline(kind=kind)
    _save(dispatch, by)
    if kind == DeclineKind.EMPLOYER_REJECTION:
        return dispatch  # no check mark, the place kept
    registration = None
    if dispatch.registration_id:
        registration = BookRegistration.objects.select_related("book").get(pk=dispatch.registration_id)
    verdict = selectors.decline_verdict(dispatch, registration)  # the rule the member was shown
    if verdict.quit:
        _bidder_rejected(dispatch, by)
        return dispatch
    if registration is None:
        return dispatch
    reason = f"Request {dispatch.job_request_id}: {DeclineKind(kind).label}"
    no_check_mark_reason = no_check_mark_reason or verdict.excuse
    if no_check_mark_reason or registration.exempt:
        referral_services.registration_pass_without_check_mark(
            registration_id=registration.pk, by=by, no_check_mark_reason=no_check_mark_reason, reason=reason
        )
    else:
        referral_services.registration_check_mark(registration_id=registration.pk, by=by, reason=reason)
    return dispatch


def _working_day_before(day: datetime.date) -> datetime.date:
    cal = calendar.calendar_around(day)
    day -= datetime.timedelta(days=1)
    while not cal.is_business_day(day):
        day -= datetime.timedelta(days=1)
    return day


def _business_days_between(start: datetime.date, end: datetime.date) -> int:
    cal = calendar.BusinessCalendar(start, end)
    return sum(1 for n in range((end - start).days + 1) if cal.is_business_day(start + datetime.timedelta(days=n)))


@transaction.atomic
def dispatch_end(*, dispatch_id: int, by: User, end_reason: str, end_date: datetime.date) -> Dispatch:
    """The job ended. A layoff is no penalty; a short call (or a layoff within a long call's
    short-call period), an under-scale job, a turnaround, or a layoff within the 90 Day Rule
    holds the APN until the member re-registers (decision 0034); a quit or a discharge rolls
    the member off every book, and — where the hall has turned the setting on — a second
    discharge within 12 months suspends referral."""
    dispatch = lock_dispatch(dispatch_id)
    if dispatch.status != DispatchStatus.ACCEPTED:
        raise RuleViolation(CommonError.WRONG_STATUS, "Only a dispatch on the job can end.")
    if end_date < dispatch.start_date:
        raise RuleViolation(CommonError.END_BEFORE_START, "The end date is before the start date.")
    if end_reason in (EndReason.QUIT, EndReason.DISCHARGED):
        dispatch.terminate(end_reason=end_reason, end_date=end_date)
    else:
        dispatch.complete(end_reason=end_reason, end_date=end_date)
    _save(dispatch, by)

    if end_reason in (EndReason.QUIT, EndReason.DISCHARGED):
        referral_services.member_roll_off_all_books(
            member_id=dispatch.member_id, by=by,
            cause=RollOffReason.QUIT if end_reason == EndReason.QUIT else RollOffReason.DISCHARGE,
            reason=f"{EndReason(end_reason).label} — {dispatch.employer}",
        )  # fmt: skip
        if end_reason == EndReason.DISCHARGED and settings.SECOND_DISCHARGE_SUSPENSION:
            _suspend_after_second_discharge(dispatch, by)
        return dispatch

    registration = dispatch.registration
    if registration is None or registration.status not in (
        RegistrationStatus.SHORT_CALL,
        RegistrationStatus.DISPATCHED,
    ):
        return dispatch
    _hold_or_roll_off_after_layoff(dispatch, registration, by, end_date)
    return dispatch


def _hold_or_roll_off_after_layoff(dispatch: Dispatch, registration, by: User, end_date: datetime.date) -> None:
    """What a layoff (or the job's end) does to the registration it was dispatched from (the 2024
    procedure, rules 4 and 8; decision 0034), the cause read from the request and the days:
    - an under-scale work-recovery job or a turnaround: the APN held, whatever its length, its
      days not counted;
    - within the short-call period (the hall's settings: 10 business days): the short-call rules
      (restored at most twice, calls of 3 days or less not counted);
    - longer, while the calendar days on calls since registering stay within the book's max days
      on book (the 90 Day Rule): the APN held;
    - beyond: rolled off (the member registers again at the bottom).
    Each hold lasts to the end of the next working day for the member to re-register."""
    request = dispatch.job_request
    held = (ReRegistrationCause.UNDER_SCALE if request.under_scale_recovery
            else ReRegistrationCause.TURNAROUND if request.is_turnaround else "")  # fmt: skip
    if held:
        referral_services.registration_job_ended_held(
            registration_id=registration.pk, by=by, cause=held, ended_on=end_date
        )
        return
    days = (end_date - dispatch.start_date).days + 1  # calendar days, the first and the last counted
    worked = _business_days_between(dispatch.start_date, end_date)
    hall = HallSettings.current()
    if worked <= hall.short_call_max_days:
        referral_services.registration_short_call_ended(
            registration_id=registration.pk, by=by, counts=worked > hall.short_call_uncounted_days,
            ended_on=end_date, max_restorations=hall.short_call_max_restorations, days_worked=days,
        )  # fmt: skip
    elif registration.days_on_calls + days <= registration.book.max_days_on_book:
        referral_services.registration_job_ended_held(
            registration_id=registration.pk, by=by, cause=ReRegistrationCause.NINETY_DAY_RULE, ended_on=end_date,
            days_worked=days,
        )  # fmt: skip
    else:
        referral_services.registration_roll_off_after_job(registration_id=registration.pk, by=by)


def _suspend_after_second_discharge(dispatch: Dispatch, by: User) -> None:
    year_ago = dispatch.end_date - datetime.timedelta(days=365)
    discharges = Dispatch.objects.filter(
        member_id=dispatch.member_id, end_reason=EndReason.DISCHARGED, end_date__gt=year_ago
    ).count()
    if discharges >= 2:
        suspension = ReferralSuspension(
            member_id=dispatch.member_id, kind=SuspensionKind.REFERRAL,
            reason=f"Second discharge for cause within 12 months ({dispatch.employer})",
        )  # fmt: skip
        suspension._history_user = by
        suspension.save()


# --- Online bidding ---


def _bidder_rejected(dispatch: Dispatch, by: User) -> None:
    """An accepted bidder who rejects the job is treated as a quit; a second rejection within
    12 months suspends online bidding for a year."""
    bid = JobBid.objects.select_for_update().get(pk=dispatch.bid_id)
    bid.decline()
    bid._history_user = by
    bid.save()
    referral_services.member_roll_off_all_books(
        member_id=dispatch.member_id, by=by, cause=RollOffReason.QUIT,
        reason=f"Rejected the job bid on (request {dispatch.job_request_id})",
    )  # fmt: skip
    suspension_length = datetime.timedelta(days=HallSettings.current().bid_rejection_suspension_days)
    year_ago = timezone.now() - suspension_length
    rejections = Dispatch.objects.filter(
        member_id=dispatch.member_id, bid__isnull=False, status=DispatchStatus.DECLINED, answered_at__gt=year_ago
    ).exclude(decline_kind=DeclineKind.EMPLOYER_REJECTION)
    if rejections.count() >= 2:
        suspension = ReferralSuspension(
            member_id=dispatch.member_id, kind=SuspensionKind.BIDDING,
            ends_at=timezone.now() + suspension_length, reason="Second rejection of a bid job within 12 months",
        )  # fmt: skip
        suspension._history_user = by
        suspension.save()


@transaction.atomic
def bids_take(*, job_request_id: int, by: User) -> ReferralRun:
    """At referral time: run the referral order; each selected bidder gets the offer (their bid
    accepted; rejecting the job now counts as a quit), the other bids expire. Places no bidder
    filled stay for the dispatcher."""
    run = referral_run(job_request_id=job_request_id, by=by)
    bids = {
        b.member_id: b
        for b in JobBid.objects.select_for_update().filter(job_request_id=job_request_id, status=BidStatus.PENDING)
    }
    selected = run.candidates.filter(outcome="selected", member_id__in=bids).order_by("rank")
    for candidate in selected:
        bid = bids.pop(candidate.member_id)
        bid.accept()
        bid._history_user = by
        bid.save()
        dispatch_offer(
            job_request_id=job_request_id, registration_id=candidate.registration_id, by=by, run=run, bid=bid
        )
    for bid in bids.values():
        bid.expire()
        bid._history_user = by
        bid.save()
        messages.tell_bid_not_taken(bid, "the referral order reached others first")
    return run


@transaction.atomic
def bid_place(*, job_request_id: int, member_id: int, by: User) -> JobBid:
    """A member bids on a request of one of their books, inside its bidding window."""
    request = lock_request(job_request_id)
    now = timezone.now()
    if request.status != JobRequestStatus.OPEN:
        raise RuleViolation(
            DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.get_status_display().lower()}."
        )
    if request.bidding_opens_at is None:
        raise RuleViolation(DispatchError.NO_BIDDING, "This request does not take online bids.")
    if not request.bidding_opens_at <= now < request.bidding_closes_at:
        opens = timezone.localtime(request.bidding_opens_at)
        closes = timezone.localtime(request.bidding_closes_at)
        raise RuleViolation(
            DispatchError.OUTSIDE_BID_WINDOW, f"Bids are taken from {opens:%b %-d %-I:%M %p} to {closes:%-I:%M %p}."
        )
    suspended = ReferralSuspension.objects.filter(
        member_id=member_id, kind=SuspensionKind.BIDDING, lifted_at__isnull=True, ends_at__gt=now
    ).exists()
    if suspended:
        raise RuleViolation(DispatchError.BIDDING_SUSPENDED, "Online bidding is suspended for this member.")
    registration = selectors.request_books_list(request).filter(member_id=member_id).first()
    if registration is None:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "Bids are for members out of work on this request's books.")
    if JobBid.objects.filter(job_request=request, member_id=member_id, status=BidStatus.PENDING).exists():
        raise RuleViolation(DispatchError.ALREADY_BID, "You have already bid on this request.")
    bid = JobBid(job_request=request, member_id=member_id, registration=registration)
    bid._history_user = by
    bid.save()
    return bid


@transaction.atomic
def bid_withdraw(*, job_request_id: int, member_id: int, by: User) -> JobBid:
    lock_request(job_request_id)
    bid = (
        JobBid.objects.select_for_update()
        .filter(job_request_id=job_request_id, member_id=member_id, status=BidStatus.PENDING)
        .first()
    )
    if bid is None:
        raise RuleViolation(DispatchError.NO_BID, "There is no pending bid to withdraw.")
    bid.withdraw()
    bid._history_user = by
    bid.save()
    return bid


# --- The end of a request ---


@transaction.atomic
def job_request_cancel(*, job_request_id: int, by: User, reason: str) -> JobRequest:
    """The employer calls the request off: pending offers and bids lapse (no check marks)."""
    if not (reason or "").strip():
        raise RuleViolation(CommonError.REASON_REQUIRED, "Give a reason.", fields={"reason": "Required."})
    request = lock_request(job_request_id)
    if request.status not in (JobRequestStatus.SUBMITTED, JobRequestStatus.OPEN, JobRequestStatus.FILLED):
        raise RuleViolation(
            DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.get_status_display().lower()}."
        )
    if request.dispatches.filter(status=DispatchStatus.ACCEPTED).exists():
        raise RuleViolation(DispatchError.MEMBERS_ON_THE_JOB, "Members are on this job: end their dispatches first.")
    for dispatch in request.dispatches.select_for_update().filter(status=DispatchStatus.PENDING):
        dispatch.decline(kind=DeclineKind.EMPLOYER_REJECTION)  # the offer lapses; the place is kept
        _save(dispatch, by)
    _expire_bids(request, by, reason="the employer cancelled the request")
    request.cancel()
    request._history_user = by
    request._change_reason = f"Cancelled: {reason.strip()}"[:100]
    request.save()
    return request


def _expire_bids(request: JobRequest, by: User, *, reason: str) -> None:
    for bid in JobBid.objects.select_for_update().filter(job_request=request, status=BidStatus.PENDING):
        bid.expire()
        bid._history_user = by
        bid.save()
        messages.tell_bid_not_taken(bid, reason)


def job_requests_expire(*, today: datetime.date, by: User) -> int:
    """Open requests whose start date has passed unfilled expire (their bids with them), and so
    do employers' orders nobody accepted (they were never referred: no marks). Each in its own
    transaction; safe to run twice."""
    expired = 0
    waiting = (JobRequestStatus.SUBMITTED, JobRequestStatus.OPEN)
    ids = JobRequest.objects.filter(status__in=waiting, start_date__lt=today).values_list("id", flat=True)
    for job_request_id in list(ids):
        with transaction.atomic():
            request = lock_request(job_request_id)
            if request.status not in waiting or request.start_date >= today:
                continue
            referred = request.status == JobRequestStatus.OPEN
            _expire_bids(request, by, reason="the request expired unfilled")
            request.expire()
            request._history_user = by
            request.save()
            if referred:
                _mark_unfilled(request, by)
            expired += 1
    return expired


@transaction.atomic
def job_request_mark_unfilled(*, job_request_id: int, by: User) -> JobRequest:
    """The dispatcher found nobody for the places left: the request goes to the Business
    Manager's queue now (the 2024 procedure, rule 2: to fill by any means before 3 PM), and the
    officers are told once, after commit. A second mark changes nothing."""
    request = lock_request(job_request_id)
    if request.status != JobRequestStatus.OPEN:
        raise RuleViolation(
            DispatchError.REQUEST_NOT_OPEN, f"Request {request.pk} is {request.get_status_display().lower()}."
        )
    filling = request.dispatches.filter(status__in=FILLING_DISPATCH_STATUSES).count()
    if filling >= request.workers_wanted:
        raise RuleViolation(
            DispatchError.REQUEST_FULL, f"Request {request.pk} has its {request.workers_wanted} worker(s)."
        )
    if request.unfilled_at is not None:
        return request
    request.unfilled_at = timezone.now()
    request._history_user = by
    request._change_reason = "Sent to the Business Manager: unfilled"
    request.save()
    transaction.on_commit(lambda: _tell_officers_unfilled(request, filling, by))
    return request


def _tell_officers_unfilled(request: JobRequest, filling: int, by: User) -> None:
    from django.contrib.auth.models import Group
    from django.core.mail import send_mail

    officers = Group.objects.filter(name="officer").values_list("user__email", flat=True)
    recipients = sorted({email for email in officers if email})
    if recipients:
        send_mail(
            f"Request #{request.pk} unfilled: {request.employer}",
            f"{by.get_full_name() or by} found nobody on the list for request #{request.pk} ({request.employer}, "
            f"{request.get_book_classification_display()} {request.get_region_display()}): {filling} of "
            f"{request.workers_wanted} filled, starts {request.start_date:%a %m/%d}. Fill it by any means before "
            "3:00 PM (the referral procedure, rule 2).",
            None,
            recipients,
        )


def _mark_unfilled(request: JobRequest, by: User) -> None:
    """An unfilled request gives every registrant available on its book a check mark (rule 9,
    decision 0033), unless the request excuses a pass."""
    due = selectors.unfilled_marks_due(job_request=request, now=timezone.now())
    if due:
        referral_services.registrations_check_mark_passed_over(
            registration_ids=due, by=by,
            reason=f"Request {request.pk} ({request.employer}) went unfilled (to start {request.start_date:%m/%d/%Y})",
        )  # fmt: skip


# --- Stewards and the 401(k) statement (decision 0049) ---

STEWARD_FIELDS = ("member_id", "employer_id", "worksite", "appointed_on", "ended_on")


@transaction.atomic
def steward_record(*, by: User, steward_id: int | None = None, **fields):
    """Appoint a member job steward for an employer (at a job site), or change or end it."""
    from dispatch.models import Steward

    return record_save(Steward, pk=steward_id, by=by, fields=fields, allowed=STEWARD_FIELDS)


@transaction.atomic
def dispatch_statement_401k(*, dispatch_id: int, by: User, received: bool = True) -> Dispatch:
    """Record that the member handed in (or not) the 401(k) statement of a dispatch."""
    dispatch = Dispatch.objects.select_for_update(of=("self",)).get(pk=dispatch_id)
    if dispatch.statement_401k == received:
        return dispatch  # twice is once
    dispatch.statement_401k = received
    _save(dispatch, by)
    return dispatch


# --- Employers' job orders from the portal (issue 22, item 4; decision 0044) ---

ORDER_ROLES = (EmployerRole.SUPERVISOR, EmployerRole.MANAGER, EmployerRole.ADMIN)


def ordering_employer_user(user: User) -> EmployerUser:
    """The employer login that may send the hall orders (any role of one employer), else a refusal."""
    employer_user = EmployerUser.objects.filter(user=user).select_related("employer").first()
    if employer_user is None or employer_user.role not in ORDER_ROLES:
        raise RuleViolation(
            CommonError.NOT_ALLOWED, "Only an employer's supervisor or manager sends the hall a job order."
        )
    return employer_user


def _ensure_dispatcher(user: User) -> None:
    if not (user.is_staff and user.has_perm("dispatch.change_jobrequest")):
        raise RuleViolation(
            CommonError.NOT_ALLOWED, "Only the hall's dispatchers accept or correct an employer's order."
        )


@transaction.atomic
def job_order_submit(*, by: User, **fields) -> JobRequest:
    """An employer's supervisor or manager sends the hall a labor request from the portal: the
    rules of a call taken by phone (`job_request_create`), its referral time counted from now
    (the 3 PM cut-off), waiting for a dispatcher to accept it. `fields` are
    `job_request_create`'s, less the employer (the sender's) and the time (now)."""
    employer_user = ordering_employer_user(by)
    fields.pop("taken_at", None)
    fields.pop("accepted_at", None)
    fields.pop("employer_id", None)
    return job_request_create(by=by, employer_id=employer_user.employer_id, submitted_by_employer=True, **fields)


def _lock_order(job_request_id: int) -> JobRequest:
    order = lock_request(job_request_id)
    if order.status != JobRequestStatus.SUBMITTED:
        raise RuleViolation(
            DispatchError.NOT_AN_ORDER_TO_ACCEPT,
            f"Request {order.pk} is {order.get_status_display().lower()}: no employer's order waits on it.",
        )
    return order


@transaction.atomic
def job_order_accept(*, job_request_id: int, by: User, override_reason: str = "") -> JobRequest:
    """A dispatcher accepts an employer's order as sent: it is open and referred at its time.
    The start is checked again as of now (rule L2c: the order may have waited past it, or past
    its bidding window), with the codes of a call; an officer's `override_reason` takes it
    anyway, kept on the request (decisions 0050, 0059)."""
    _ensure_dispatcher(by)
    order = _lock_order(job_request_id)
    by_name = order.by_name_members.exists()
    _schedule(order, by=by, by_name=by_name, override_reason=override_reason, accepted_at=timezone.now())
    order.accept_order()
    order._history_user = by
    order._change_reason = "Employer's order accepted" + (" on an officer's override" if order.override_reason else "")
    order.save()
    return order


@transaction.atomic
def job_order_correct(*, job_request_id: int, by: User, reason: str, **fields) -> JobRequest:
    """A dispatcher corrects an employer's order: the corrected request is taken through
    `job_request_create` (every rule of a call), counted from when the employer sent the order
    (its 3 PM cut-off) and open at once; the order is cancelled, pointing at it, so the
    employer's own words and attestation stay as sent. `fields` are `job_request_create`'s."""
    _ensure_dispatcher(by)
    if not (reason or "").strip():
        raise RuleViolation(
            CommonError.REASON_REQUIRED, "Say what was corrected, for the employer.", fields={"reason": "Required."}
        )
    order = _lock_order(job_request_id)
    if fields.pop("employer_id", order.employer_id) != order.employer_id:
        raise RuleViolation(
            DispatchError.ORDER_EMPLOYER, "A correction keeps the employer who sent the order.",
            fields={"employer": "The employer who sent the order."},
        )  # fmt: skip
    fields.pop("taken_at", None)
    fields.pop("accepted_at", None)
    fields.pop("submitted_by_employer", None)
    notes = fields.pop("notes", "") or ""
    corrected = job_request_create(
        by=by, employer_id=order.employer_id, taken_at=order.taken_at, accepted_at=timezone.now(),
        notes=f"Corrected from the employer's order #{order.pk}: {reason.strip()}\n{notes}".strip(), **fields,
    )  # fmt: skip
    order.cancel()
    order.corrected_as = corrected
    order._history_user = by
    order._change_reason = f"Corrected as #{corrected.pk}: {reason.strip()}"[:100]
    order.save()
    return corrected


@transaction.atomic
def job_order_cancel(*, job_request_id: int, by: User, reason: str) -> JobRequest:
    """The employer calls off one of its own requests from the portal (as by phone: pending
    offers lapse, no check marks; not once members are on the job)."""
    employer_user = ordering_employer_user(by)
    if not JobRequest.objects.filter(pk=job_request_id, employer_id=employer_user.employer_id).exists():
        raise RuleViolation(CommonError.NOT_FOUND, "No such request of your company.")
    return job_request_cancel(job_request_id=job_request_id, by=by, reason=reason)
