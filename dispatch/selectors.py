"""The referral order: who is next for a request, and why the others were passed over."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from dispatch.enums import (
    OPEN_DISPATCH_STATUSES,
    BiddingState,
    BidStatus,
    CandidateOutcome,
    EndReason,
    JobClass,
    RequestCategory,
    SkipReason,
    SuspensionKind,
)
from dispatch.models import Dispatch, EmployerBar, HallSettings, JobBid, JobRequest, ReferralSuspension
from dispatch.rules import CHECK_IN_BY, EARLY_START, book_classification_of, requests_drawing_from
from members.enums import MemberStatus
from members.models import MemberSkill
from referral.selectors import referral_list
from unioncore.composition import parts

# The skills that qualify a member for a request's job class (decision 0031).
CLASS_SKILLS = {
    JobClass.FOREMAN: ("foreman", "general-foreman"),
    JobClass.GENERAL_FOREMAN: ("general-foreman",),
}


@dataclass
class Candidate:
    member_id: int
    registration_id: int | None
    apn: Decimal | None
    tier: int | None
    by_name: bool
    outcome: str
    skip_reason: str = ""
    detail: str = ""


def request_books_list(job_request: JobRequest):
    """The out-of-work list a request draws from: its trade and region, tier 1 → 2 → 3 → 4 (a
    TERO request always draws from the TERO book)."""
    classification = book_classification_of(
        category=job_request.category, classification=job_request.book_classification
    )
    return referral_list(classification=classification, region=job_request.region)


class _HallFacts:
    """What the order needs to know about members for some requests, fetched once (a fixed
    number of queries, whatever the length of the book or the number of requests): one request's
    referral run reads it for that request, the referral desk for every request on its sheet."""

    def __init__(self, job_requests: list[JobRequest], now: datetime.datetime):
        ids = [r.pk for r in job_requests]
        today = timezone.localdate(now)
        self.today = today
        self.on_a_job = set(
            Dispatch.objects.filter(status__in=OPEN_DISPATCH_STATUSES).values_list("member_id", flat=True)
        )
        self.offered: dict[int, set[int]] = {}
        for request_id, member_id in Dispatch.objects.filter(job_request_id__in=ids).values_list(
            "job_request_id", "member_id"
        ):
            self.offered.setdefault(request_id, set()).add(member_id)
        self.suspended = set(
            ReferralSuspension.objects.filter(kind=SuspensionKind.REFERRAL, lifted_at__isnull=True, starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .values_list("member_id", flat=True)
        )
        self.barred: dict[int, set[int]] = {}
        bars = EmployerBar.objects.filter(employer_id__in={r.employer_id for r in job_requests}).filter(
            Q(until__isnull=True) | Q(until__gte=today)
        )
        for employer_id, member_id in bars.values_list("employer_id", "member_id"):
            self.barred.setdefault(employer_id, set()).add(member_id)
        self.required_skills: dict[int, set[int]] = {}
        wanted_skills = JobRequest.special_skills.through.objects.filter(jobrequest_id__in=ids)
        for request_id, skill_id in wanted_skills.values_list("jobrequest_id", "skill_id"):
            self.required_skills.setdefault(request_id, set()).add(skill_id)
        self.skills: dict[int, set[int]] = {}
        all_required = set().union(*self.required_skills.values())
        if all_required:
            held = MemberSkill.objects.filter(skill_id__in=all_required).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=today)
            )
            for member_id, skill_id in held.values_list("member_id", "skill_id"):
                self.skills.setdefault(member_id, set()).add(skill_id)
        # Foreman classes (the 2024 procedure, rule 11): only members qualified for the class,
        # held as a skill (decision 0031); a general foreman also qualifies as a foreman.
        self.class_members: dict[str, set[int]] = {}
        class_codes = {code for r in job_requests for code in CLASS_SKILLS.get(r.job_class, ())}
        if class_codes:
            qualified = MemberSkill.objects.filter(skill__code__in=class_codes).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=today)
            )
            for member_id, code in qualified.values_list("member_id", "skill__code"):
                self.class_members.setdefault(code, set()).add(member_id)
        bar_days = HallSettings.current().by_name_bar_days
        since = today - datetime.timedelta(days=bar_days)
        # The 2024 procedure (rule 10): after a quit or a discharge, no by-name request of any
        # employer for the hall's bar (two weeks) — not only the one the member left. The skip's
        # detail says the bar in force, and to when (the ranked list keeps it as the run saw it).
        self.recently_left: dict[int, str] = {}
        left = Dispatch.objects.filter(end_reason__in=[EndReason.QUIT, EndReason.DISCHARGED], end_date__gte=since)
        for member_id, end_reason, end_date in left.order_by("end_date", "id").values_list(
            "member_id", "end_reason", "end_date"
        ):
            until = end_date + datetime.timedelta(days=bar_days)
            self.recently_left[member_id] = (
                f"{'quit' if end_reason == EndReason.QUIT else 'discharged'} {end_date:%-m/%-d/%Y}; "
                f"the hall's bar is {bar_days} days, to {until:%-m/%-d}"
            )


class _Eligibility:
    """Everything the order needs to know about members for one request (from `_HallFacts`,
    read for it alone unless the caller read it for several)."""

    def __init__(self, job_request: JobRequest, now: datetime.datetime, facts: _HallFacts | None = None):
        facts = facts or _HallFacts([job_request], now)
        self.request = job_request
        self.today = facts.today
        self.on_a_job = facts.on_a_job
        self.offered = facts.offered.get(job_request.pk, set())
        self.suspended = facts.suspended
        self.barred = facts.barred.get(job_request.employer_id, set())
        self.required_skills = facts.required_skills.get(job_request.pk, set())
        self.skills = facts.skills
        self.class_qualified: set[int] | None = None
        class_skills = CLASS_SKILLS.get(job_request.job_class)
        if class_skills:
            self.class_qualified = set().union(*(facts.class_members.get(code, set()) for code in class_skills))
        self.zip_codes = (
            job_request.zip_codes if job_request.category in (RequestCategory.PLA, RequestCategory.CWA) else set()
        )
        # Read once: an enum member looked up on every row of a 10,000-row book costs more than
        # the comparison itself.
        self.active = str(MemberStatus.ACTIVE)
        self.tero_only = job_request.category == RequestCategory.TERO
        self.recently_left = facts.recently_left

    def skip_reason(self, row: "_Row", by_name: bool = False) -> tuple[str, str]:
        member_id = row.member_id
        if member_id in self.offered:
            return SkipReason.ALREADY_OFFERED, ""
        if member_id in self.on_a_job:
            return SkipReason.ALREADY_DISPATCHED, ""
        if row.member_status != self.active:
            return SkipReason.MEMBER_NOT_ACTIVE, MemberStatus(row.member_status).label
        if row.re_sign_due is not None and row.re_sign_due < self.today:
            # The nightly job may not have run yet: an overdue re-sign is never offered a job.
            return SkipReason.RE_SIGN_OVERDUE, f"due {row.re_sign_due:%m/%d/%Y}"
        if member_id in self.suspended:
            return SkipReason.REFERRAL_SUSPENDED, ""
        if member_id in self.barred:
            return SkipReason.BARRED_BY_EMPLOYER, ""
        if self.required_skills:
            missing = self.required_skills - self.skills.get(member_id, set())
            if missing:
                return SkipReason.MISSING_SKILL, f"{len(missing)} required skill(s) missing"
        if self.class_qualified is not None and not by_name and member_id not in self.class_qualified:
            # An employer naming a foreman has qualified them itself.
            return SkipReason.NOT_QUALIFIED_FOR_CLASS, JobClass(self.request.job_class).label
        if self.tero_only and not row.tribal_affiliation:
            return SkipReason.NOT_TRIBAL_MEMBER, ""
        if self.zip_codes and row.zip_code[:5] not in self.zip_codes:
            return SkipReason.OUTSIDE_PRIORITY_AREA, f"home ZIP {row.zip_code or 'unknown'}"
        return "", ""


class _Row(NamedTuple):
    """What the order needs of a registration, read as plain values (no model objects: the
    list may be 10,000 long)."""

    registration_id: int
    member_id: int
    apn: Decimal
    tier: int
    member_status: str
    tribal_affiliation: str
    zip_code: str
    re_sign_due: datetime.date | None


# The queryset's own order is the referral order (REFERRAL_ORDER): no sort key is read back.
_ROW_FIELDS = ("id", "member_id", "apn", "book__book_number", "member__status", "member__tribal_affiliation",
               "member__zip_code", "re_sign_due")  # fmt: skip


def _rows(queryset):
    for values in queryset.values_list(*_ROW_FIELDS).iterator(chunk_size=2000):
        yield _Row(*values)


def referral_order(*, job_request: JobRequest, wanted: int | None = None, now=None) -> list[Candidate]:
    """The candidates for a request in referral order, as far as it takes to find `wanted`
    eligible members (all of them when None): by-name members first (when attested), then
    Book 1 before Book 2, each by APN, every ineligible member with the reason it was skipped.
    An internet-bid request takes the members who bid first."""
    now = now or timezone.now()
    listing = request_books_list(job_request)
    named: set[int] = set()
    if job_request.by_name_attested:
        named = set(job_request.by_name_members.values_list("id", flat=True))
    # An internet-bid request takes its bidders first, in referral order; the rest of the list
    # follows for the places bids did not fill. Each section is read only when reached.
    sections = [listing.exclude(member_id__in=named)]
    if job_request.bidding_opens_at is not None:
        bidders = JobBid.objects.filter(job_request=job_request, status=BidStatus.PENDING).values("member_id")
        sections = [sections[0].filter(member_id__in=bidders), sections[0].exclude(member_id__in=bidders)]
    return _in_order(
        _Eligibility(job_request, now),
        named=named,
        named_rows=_rows(listing.filter(member_id__in=named)) if named else (),
        sections=(_rows(section) for section in sections),
        wanted=wanted,
    )


def _in_order(eligibility: _Eligibility, *, named: set[int], named_rows, sections, wanted: int | None):
    """The one referral order, over rows given in the list's order: the named members (their
    rows in `named_rows`), then each of `sections` in turn, until `wanted` are selected."""
    candidates: list[Candidate] = []
    selected = 0

    def consider(row: _Row, by_name: bool, forced_reason=("", "")):
        nonlocal selected
        reason, detail = forced_reason if forced_reason[0] else eligibility.skip_reason(row, by_name)
        if not reason:
            selected += 1
        candidates.append(
            Candidate(
                member_id=row.member_id,
                registration_id=row.registration_id,
                apn=row.apn,
                tier=row.tier,
                by_name=by_name,
                outcome=CandidateOutcome.SKIPPED if reason else CandidateOutcome.SELECTED,
                skip_reason=reason,
                detail=detail,
            )
        )

    if named:
        on_book: dict[int, tuple[int, _Row]] = {}  # the member's best place, in the list's order
        for place, row in enumerate(named_rows):
            on_book.setdefault(row.member_id, (place, row))
        for member_id in sorted(named, key=lambda m: (0, on_book[m][0]) if m in on_book else (1, m)):
            row = on_book[member_id][1] if member_id in on_book else None
            if row is None:
                candidates.append(
                    Candidate(member_id, None, None, None, True, CandidateOutcome.SKIPPED, SkipReason.NOT_ON_BOOK)
                )
            elif member_id in eligibility.recently_left:
                consider(row, True, (SkipReason.RECENT_QUIT_OR_DISCHARGE, eligibility.recently_left[member_id]))
            else:
                consider(row, True)

    for rows in sections:
        for row in rows:
            if wanted is not None and selected >= wanted:
                return candidates
            consider(row, False)
    return candidates


DESK_LOOKAHEAD = 200  # rows of a book the desk reads ahead for each request's next names


@dataclass
class NextNames:
    candidates: list[Candidate]
    exhausted: bool  # the list (as far as the desk reads it) ran out before `n` were found


def next_names(*, job_requests: list[JobRequest], n: int, now=None, lookahead: int = DESK_LOOKAHEAD):
    """The next `n` eligible names of each request, and every member passed over before them
    with the reason, in the referral order (`_in_order`, the order a run uses) — for the
    referral desk. A fixed number of queries for any number of requests: the facts once, and
    per book (not per request) its first `lookahead` rows plus the rows of the members named
    or bidding. Returns {request id: NextNames}."""
    from dispatch.models import JobRequest as Request

    now = now or timezone.now()
    if not job_requests:
        return {}
    facts = _HallFacts(job_requests, now)
    ids = [r.pk for r in job_requests]
    named: dict[int, set[int]] = {}
    attested = [r.pk for r in job_requests if r.by_name_attested]
    if attested:
        through = Request.by_name_members.through.objects.filter(jobrequest_id__in=attested)
        for request_id, member_id in through.values_list("jobrequest_id", "member_id"):
            named.setdefault(request_id, set()).add(member_id)
    bidders: dict[int, set[int]] = {}
    pending = JobBid.objects.filter(job_request_id__in=ids, status=BidStatus.PENDING)
    for request_id, member_id in pending.values_list("job_request_id", "member_id"):
        bidders.setdefault(request_id, set()).add(member_id)
    books: dict[tuple[str, str], list[JobRequest]] = {}
    for r in job_requests:
        classification = book_classification_of(category=r.category, classification=r.book_classification)
        books.setdefault((classification, r.region), []).append(r)
    result = {}
    for (classification, region), requests in books.items():
        listing = referral_list(classification=classification, region=region)
        top = list(_rows(listing[:lookahead]))
        special = set().union(*(named.get(r.pk, set()) | bidders.get(r.pk, set()) for r in requests))
        special_rows = list(_rows(listing.filter(member_id__in=special))) if special else []
        for r in requests:
            mine_named = named.get(r.pk, set())
            mine_bidders = bidders.get(r.pk, set()) if r.bidding_opens_at is not None else set()
            rest = [row for row in top if row.member_id not in mine_named and row.member_id not in mine_bidders]
            bid_rows = [
                row for row in special_rows if row.member_id in mine_bidders and row.member_id not in mine_named
            ]
            candidates = _in_order(
                _Eligibility(r, now, facts),
                named=mine_named,
                named_rows=[row for row in special_rows if row.member_id in mine_named],
                sections=[bid_rows, rest],
                wanted=n,
            )
            found = sum(1 for c in candidates if c.outcome == CandidateOutcome.SELECTED)
            result[r.pk] = NextNames(candidates, exhausted=found < n)
    return result


def no_check_mark_reason_of(job_request: JobRequest) -> str:
    """The request's own excuse for passing it (the 2024 procedure's rule 9), whoever declines
    it and through whichever surface: a short call, a start before 6 AM, an MOU job site, an
    under-scale work-recovery job, various locations, a specialty (a required skill the agreement
    does not recognise; decision 0034). "" when none."""
    from referral.enums import NoCheckMarkReason

    if job_request.is_short_call:
        return NoCheckMarkReason.SHORT_CALL
    if job_request.report_time < EARLY_START:
        return NoCheckMarkReason.EARLY_START
    if job_request.mou_jobsite:
        return NoCheckMarkReason.MOU_SITE
    if job_request.under_scale_recovery:
        return NoCheckMarkReason.UNDER_SCALE
    if job_request.various_locations:
        return NoCheckMarkReason.VARIOUS_LOCATIONS
    if job_request.pk and job_request.special_skills.filter(in_agreement=False).exists():
        return NoCheckMarkReason.SPECIALTY_SKILL
    return ""


@dataclass
class DeclineVerdict:
    """What a member's decline of an offer does: the one rule `services.dispatch_decline` applies
    and the portal, the API and the referral desk show before it is recorded."""

    quit: bool  # a bidder rejecting the job: treated as a quit
    excuse: str  # the request's NoCheckMarkReason, "" when none
    costs_check_mark: bool
    words: str  # for the member ("you")


def decline_verdict(dispatch: Dispatch, registration=None, *, today=None) -> DeclineVerdict:
    """What declining this offer does, decided once: a bidder's decline is a quit; the request's
    own excuse (`no_check_mark_reason_of`) or the member's exemption passes without a mark; a
    second decline the same day adds no mark; else a check mark (the one beyond the book's
    allowance takes the member off)."""
    from referral.enums import NoCheckMarkReason
    from referral.models import BookRegistration

    if dispatch.bid_id:
        return DeclineVerdict(True, "", False, (
            "You bid on this job: declining it counts as a quit. You come off every book, and a second "
            "time within 12 months suspends your online bidding for a year."
        ))  # fmt: skip
    if not dispatch.registration_id:
        return DeclineVerdict(False, "", False, "Declining costs no check mark.")
    if registration is None:
        registration = BookRegistration.objects.select_related("book", "member").get(pk=dispatch.registration_id)
    if excuse := no_check_mark_reason_of(dispatch.job_request):
        label = NoCheckMarkReason(excuse).label.lower()
        return DeclineVerdict(False, excuse, False, f"Declining costs no check mark: {label}.")
    if registration.exempt:
        return DeclineVerdict(
            False, "", False, f"Declining costs no check mark: you are exempt on {registration.book.name}."
        )
    if registration.last_check_mark_on == (today or timezone.localdate()):
        return DeclineVerdict(
            False, "", False, f"You already have today's check mark on {registration.book.name}: declining adds none."
        )
    marks, allowed = registration.check_marks + 1, registration.book.check_marks_allowed
    if marks > allowed:
        return DeclineVerdict(False, "", True, (
            f"Declining costs a check mark on {registration.book.name}: check mark {marks}, one more than "
            f"the {allowed} allowed, takes you off the book."
        ))  # fmt: skip
    return DeclineVerdict(
        False, "", True, f"Declining costs a check mark on {registration.book.name}: {marks} of the {allowed} allowed."
    )


def decline_cost(dispatch: Dispatch) -> tuple[bool, str]:
    """What declining this offer costs the member: (costs a check mark, in words). Shown before
    the member confirms (issue 25)."""
    verdict = decline_verdict(dispatch)
    return verdict.costs_check_mark, verdict.words


def no_shows(*, day: datetime.date):
    """Dispatches of `day` whose member has not checked in (nor clocked in there) by 3 PM."""
    from dispatch.enums import DispatchStatus

    three_pm = timezone.make_aware(datetime.datetime.combine(day, CHECK_IN_BY))
    rows = Dispatch.objects.filter(
        status=DispatchStatus.ACCEPTED, start_date=day, checked_in_at__isnull=True, no_show_at__isnull=True
    )
    # Other proof they turned up, from the apps above (fulfillment: a clock-in before 3 PM).
    for turned_up in parts("dispatch_turned_up", before=three_pm).values():
        rows = rows.exclude(pk__in=turned_up)
    return rows.select_related("member", "employer").order_by("id")


def awaiting_check_in(*, employer_id: int, day: datetime.date):
    """My employer's members dispatched to start `day` who are not checked in yet (the 2024
    procedure, rule 7: by 3 PM, or they come off the books)."""
    from dispatch.enums import DispatchStatus

    return (
        Dispatch.objects.filter(
            employer_id=employer_id, status=DispatchStatus.ACCEPTED, start_date=day,
            checked_in_at__isnull=True, no_show_at__isnull=True,
        )
        .select_related("member", "job_request")
        .order_by("member__last_name", "member__first_name", "id")
    )  # fmt: skip


def unfilled_after_referral(*, now: datetime.datetime):
    """Open requests whose referral time has passed (or that a dispatcher marked unfilled on the
    desk) with places still unfilled (offered, on the job or done count as filled): the Business
    Manager's queue (the 2024 procedure, rule 2), to fill by any means before 3 PM."""
    from django.db.models import Count, F

    from dispatch.enums import FILLING_DISPATCH_STATUSES, JobRequestStatus

    return (
        JobRequest.objects.filter(status=JobRequestStatus.OPEN, is_history=False)
        .filter(Q(refer_at__lte=now) | Q(unfilled_at__lte=now))
        .annotate(filling=Count("dispatches", filter=Q(dispatches__status__in=FILLING_DISPATCH_STATUSES)))
        .filter(filling__lt=F("workers_wanted"))
        .select_related("employer")
        .order_by("refer_at", "id")
    )


@dataclass
class Explanation:
    referred: bool
    reason: str
    run_at: datetime.datetime | None = None
    rank: int | None = None


def referral_explanation(*, member_id: int, job_request: JobRequest) -> Explanation | None:
    """Why a member was or was not referred on a request, from the last referral run that saw
    them (or, if none did, how far the runs got). None when no run has been made."""
    from dispatch.models import ReferralCandidate, ReferralRun

    last_run = ReferralRun.objects.filter(job_request=job_request).order_by("-run_at", "-id").first()
    if last_run is None:
        return None
    seen = (
        ReferralCandidate.objects.filter(run__job_request=job_request, member_id=member_id)
        .select_related("run")
        .order_by("-run__run_at", "-run_id")
        .first()
    )
    if seen is None:
        return Explanation(
            referred=False,
            reason=f"Not reached: the {last_run.workers_sought} place(s) were filled by members ahead of you.",
            run_at=last_run.run_at,
        )
    if seen.outcome == CandidateOutcome.SELECTED:
        return Explanation(referred=True, reason="Referred in list order.", run_at=seen.run.run_at, rank=seen.rank)
    reason = SkipReason(seen.skip_reason).label + (f" ({seen.detail})" if seen.detail else "")
    return Explanation(referred=False, reason=f"Passed over: {reason}.", run_at=seen.run.run_at, rank=seen.rank)


def member_jobs(*, member_id: int, now: datetime.datetime | None = None):
    """Open requests that take online bids, draw from a book the member is out of work on
    (TERO requests from the TERO book of their region) and have not started yet (a job whose
    report time has passed is no one's to bid on), each with `my_bid_status` (the member's
    pending bid, or None). Two queries, whatever the number of books or requests."""
    from django.db.models import OuterRef, Subquery

    from dispatch.enums import JobRequestStatus
    from referral.models import BookRegistration

    books = set(
        BookRegistration.objects.out_of_work()
        .filter(member_id=member_id, book__is_active=True)
        .values_list("book__classification", "book__region")
    )
    on_my_books = Q(pk__in=[])
    for classification, region in books:
        on_my_books |= requests_drawing_from(classification=classification, region=region)
    my_bid = JobBid.objects.filter(job_request=OuterRef("pk"), member_id=member_id, status=BidStatus.PENDING)
    local = timezone.localtime(now or timezone.now())
    not_started = Q(start_date__gt=local.date()) | Q(start_date=local.date(), report_time__gt=local.time())
    return (
        JobRequest.objects.filter(
            on_my_books, not_started, status=JobRequestStatus.OPEN, bidding_opens_at__isnull=False
        )
        .select_related("employer")
        .annotate(my_bid_status=Subquery(my_bid.values("status")[:1]))
        .order_by("bidding_closes_at", "id")
    )


# --- Check marks a request gives a whole list (the 2024 procedure, rule 9; decision 0033) ---


def _without_a_reason_of_their_own(job_request: JobRequest, listing, now: datetime.datetime) -> list[int]:
    """The registrations of `listing` the referral order would not skip at `now`: no reason of
    their own (a skill, the class, a bar, a suspension, an overdue re-sign …), not on a job, and
    not already offered this request (a decline carries its own mark, or its excuse)."""
    eligibility = _Eligibility(job_request, now)
    return [row.registration_id for row in _rows(listing) if not eligibility.skip_reason(row)[0]]


def passed_over(*, dispatch: Dispatch) -> list[int]:
    """Who a request passed over when it fell to a lower tier: accepting `dispatch`, made from
    tier N, marks every registrant of the request's book on tiers 1 … N−1 who was available at
    the run that made the offer (now, for an offer made by hand) and skipped for no reason of
    their own. None for a by-name or a bid dispatch (bidding is no call down the list), nor
    when the request itself excuses a pass."""
    from dispatch.enums import DispatchType
    from dispatch.models import ReferralCandidate

    registration = dispatch.registration
    if registration is None or dispatch.bid_id is not None or dispatch.type == DispatchType.BY_NAME:
        return []
    tier = registration.book.book_number
    job_request = dispatch.job_request
    if tier <= 1 or no_check_mark_reason_of(job_request):
        return []
    listing = request_books_list(job_request).filter(book__book_number__lt=tier)
    seen_at = timezone.now()
    if dispatch.referral_run_id is not None:
        # Those the run found eligible and nobody offered it to: the run is what they were
        # available for (one who joined the book since was never passed over).
        selected = ReferralCandidate.objects.filter(run_id=dispatch.referral_run_id, outcome=CandidateOutcome.SELECTED)
        listing = listing.filter(pk__in=selected.values("registration_id"))
        seen_at = dispatch.referral_run.run_at
    return _without_a_reason_of_their_own(job_request, listing, seen_at)


def unfilled_marks_due(*, job_request: JobRequest, now: datetime.datetime) -> list[int]:
    """Who a request that expired unfilled marks: every registrant of its book (all tiers, its
    referral point only) available at its last referral run (its referral time when none ran)
    and still out of work, skipped for no reason of their own. None when the request itself
    excuses a pass."""
    from referral.enums import RegistrationAction
    from referral.models import RegistrationActivity

    if no_check_mark_reason_of(job_request):
        return []
    last_run = job_request.referral_runs.order_by("-run_at", "-id").first()
    referred_at = min(last_run.run_at if last_run else job_request.refer_at, now)
    # Back on the list only after the referral (from a job, a short call, an exemption): not
    # available when it was called.
    came_back = RegistrationActivity.objects.filter(
        action__in=[
            RegistrationAction.SHORT_CALL_RETURN, RegistrationAction.RETURN_TO_BOOK, RegistrationAction.EXEMPT_OFF,
        ],
        at__gt=referred_at,
    ).values("registration_id")  # fmt: skip
    listing = request_books_list(job_request).filter(registered_at__lte=referred_at).exclude(pk__in=came_back)
    return _without_a_reason_of_their_own(job_request, listing, referred_at)


# --- A member's page in the console (issue 22, item 3) ---

MEMBER_PAGE_ROWS = 20  # the latest; the dispatches and bids lists hold the rest


def member_dispatch_history(*, member_id: int, limit: int = MEMBER_PAGE_ROWS):
    """A member's dispatches, latest offer first, with their employer and request."""
    return (
        Dispatch.objects.filter(member_id=member_id)
        .select_related("employer", "job_request")
        .order_by("-offered_at", "-id")[:limit]
    )


def member_bid_history(*, member_id: int, limit: int = MEMBER_PAGE_ROWS):
    """A member's online bids, latest first, with the request bid on."""
    return (
        JobBid.objects.filter(member_id=member_id)
        .select_related("job_request__employer")
        .order_by("-placed_at", "-id")[:limit]
    )


# --- Employers' job orders (issue 22, item 4; decision 0044) ---


def employer_orders_to_accept():
    """Employers' orders from the portal waiting for a dispatcher (accept, or correct), the
    earliest referral first: what the referral desk and the console's filter show."""
    from dispatch.enums import JobRequestStatus

    return (
        JobRequest.objects.filter(status=JobRequestStatus.SUBMITTED)
        .select_related("employer", "taken_by")
        .order_by("refer_at", "taken_at", "id")
    )


EMPLOYER_REQUESTS_DAYS = 14  # the employer's list keeps requests that started this long ago


def employer_requests(*, employer_id: int, today: datetime.date):
    """An employer's requests still to come or lately started, soonest start first, each with
    its dispatches (`dispatch_list`) and the request a correction put in its place."""
    from django.db.models import Prefetch

    since = today - datetime.timedelta(days=EMPLOYER_REQUESTS_DAYS)
    dispatches = Dispatch.objects.select_related("member").order_by("offered_at", "id")
    return (
        JobRequest.objects.filter(employer_id=employer_id, is_history=False, start_date__gte=since)
        .select_related("corrected_as")
        .prefetch_related(Prefetch("dispatches", queryset=dispatches, to_attr="dispatch_list"))
        .order_by("start_date", "report_time", "id")
    )


# --- What the open-jobs list says of a request's bidding (issue 22, item 7) ---


@dataclass
class Bidding:
    state: str
    label: str  # "Opens at Fri Dec 4, 5:30 PM", "Open until Mon Dec 7, 7:00 AM", "Closed"


def bidding_status(job_request: JobRequest, now: datetime.datetime | None = None) -> Bidding:
    """Whether a request takes bids at `now`, in the words the portal and the phone app show:
    not before its window opens, not after it closes, never on a request no longer open."""
    from dispatch.enums import JobRequestStatus

    now = now or timezone.now()
    opens, closes = job_request.bidding_opens_at, job_request.bidding_closes_at
    if opens is None:
        return Bidding(BiddingState.NONE, BiddingState.NONE.label)
    if job_request.status != JobRequestStatus.OPEN or now >= closes:
        return Bidding(BiddingState.CLOSED, BiddingState.CLOSED.label)
    if now < opens:
        return Bidding(BiddingState.NOT_OPEN_YET, f"Opens at {timezone.localtime(opens):%a %b %-d, %-I:%M %p}")
    return Bidding(BiddingState.OPEN, f"Open until {timezone.localtime(closes):%a %b %-d, %-I:%M %p}")
