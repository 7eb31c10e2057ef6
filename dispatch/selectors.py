"""The referral order: who is next for a request, and why the others were passed over."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from dispatch.enums import (
    OPEN_DISPATCH_STATUSES,
    BidStatus,
    CandidateOutcome,
    EndReason,
    JobClass,
    RequestCategory,
    SkipReason,
    SuspensionKind,
)
from dispatch.models import Dispatch, EmployerBar, JobBid, JobRequest, ReferralSuspension
from members.enums import MemberStatus
from members.models import MemberSkill
from referral.enums import BookType
from referral.selectors import referral_list

# The skills that qualify a member for a request's job class (decision 0031).
CLASS_SKILLS = {
    JobClass.FOREMAN: ("foreman", "general-foreman"),
    JobClass.GENERAL_FOREMAN: ("general-foreman",),
}
BY_NAME_BAR_DAYS = 14  # a quit or discharge bars by-name requests (of any employer) for 2 weeks


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
    classification = job_request.book_classification
    if job_request.category == RequestCategory.TERO:
        classification = BookType.TERO_APPRENTICE_WIRE
    return referral_list(classification=classification, region=job_request.region)


class _Eligibility:
    """Everything the order needs to know about members, fetched once per run (a fixed number
    of queries, whatever the length of the book)."""

    def __init__(self, job_request: JobRequest, now: datetime.datetime):
        self.request = job_request
        self.on_a_job = set(
            Dispatch.objects.filter(status__in=OPEN_DISPATCH_STATUSES).values_list("member_id", flat=True)
        )
        self.offered = set(job_request.dispatches.values_list("member_id", flat=True))
        self.suspended = set(
            ReferralSuspension.objects.filter(kind=SuspensionKind.REFERRAL, lifted_at__isnull=True, starts_at__lte=now)
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .values_list("member_id", flat=True)
        )
        today = timezone.localdate(now)
        self.barred = set(
            EmployerBar.objects.filter(employer_id=job_request.employer_id)
            .filter(Q(until__isnull=True) | Q(until__gte=today))
            .values_list("member_id", flat=True)
        )
        self.today = today
        self.required_skills = set(job_request.special_skills.values_list("id", flat=True))
        self.skills: dict[int, set[int]] = {}
        if self.required_skills:
            held = MemberSkill.objects.filter(skill_id__in=self.required_skills).filter(
                Q(expires_on__isnull=True) | Q(expires_on__gte=today)
            )
            for member_id, skill_id in held.values_list("member_id", "skill_id"):
                self.skills.setdefault(member_id, set()).add(skill_id)
        # Foreman classes (the 2024 procedure, rule 11): only members qualified for the class,
        # held as a skill (decision 0031); a general foreman also qualifies as a foreman.
        self.class_qualified: set[int] | None = None
        class_skills = CLASS_SKILLS.get(job_request.job_class)
        if class_skills:
            self.class_qualified = set(
                MemberSkill.objects.filter(skill__code__in=class_skills)
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
                .values_list("member_id", flat=True)
            )
        self.zip_codes = (
            job_request.zip_codes if job_request.category in (RequestCategory.PLA, RequestCategory.CWA) else set()
        )
        since = today - datetime.timedelta(days=BY_NAME_BAR_DAYS)
        # The 2024 procedure (rule 10): after a quit or a discharge, no by-name request of any
        # employer for two weeks — not only the one the member left.
        # Read once: an enum member looked up on every row of a 10,000-row book costs more than
        # the comparison itself.
        self.active = str(MemberStatus.ACTIVE)
        self.tero_only = job_request.category == RequestCategory.TERO
        self.recently_left = set(
            Dispatch.objects.filter(
                end_reason__in=[EndReason.QUIT, EndReason.DISCHARGED],
                end_date__gte=since,
            ).values_list("member_id", flat=True)
        )

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
    eligibility = _Eligibility(job_request, now)
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

    listing = request_books_list(job_request)
    named: set[int] = set()
    if job_request.by_name_attested:
        named = set(job_request.by_name_members.values_list("id", flat=True))
        on_book: dict[int, tuple[int, _Row]] = {}  # the member's best place, in the list's order
        for place, row in enumerate(_rows(listing.filter(member_id__in=named))):
            on_book.setdefault(row.member_id, (place, row))
        for member_id in sorted(named, key=lambda m: (0, on_book[m][0]) if m in on_book else (1, m)):
            row = on_book[member_id][1] if member_id in on_book else None
            if row is None:
                candidates.append(
                    Candidate(member_id, None, None, None, True, CandidateOutcome.SKIPPED, SkipReason.NOT_ON_BOOK)
                )
            elif member_id in eligibility.recently_left:
                consider(row, True, (SkipReason.RECENT_QUIT_OR_DISCHARGE, ""))
            else:
                consider(row, True)

    # An internet-bid request takes its bidders first, in referral order; the rest of the list
    # follows for the places bids did not fill.
    sections = [listing.exclude(member_id__in=named)]
    if job_request.bidding_opens_at is not None:
        bidders = JobBid.objects.filter(job_request=job_request, status=BidStatus.PENDING).values("member_id")
        sections = [sections[0].filter(member_id__in=bidders), sections[0].exclude(member_id__in=bidders)]
    for section in sections:
        for row in _rows(section):
            if wanted is not None and selected >= wanted:
                return candidates
            consider(row, False)
    return candidates


EARLY_START = datetime.time(6, 0)  # a job reporting before 6 AM costs no check mark (2024 procedure)


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


def decline_cost(dispatch: Dispatch) -> tuple[bool, str]:
    """What declining this offer costs the member, decided as `services.dispatch_decline` decides
    it: (costs a check mark, in words). Shown before the member confirms (issue 25)."""
    from referral.enums import NoCheckMarkReason
    from referral.models import BookRegistration

    if dispatch.bid_id:
        return False, (
            "You bid on this job: declining it counts as a quit. You come off every book, and a second "
            "time within 12 months suspends your online bidding for a year."
        )
    if not dispatch.registration_id:
        return False, "Declining costs no check mark."
    registration = BookRegistration.objects.select_related("book", "member").get(pk=dispatch.registration_id)
    if excuse := no_check_mark_reason_of(dispatch.job_request):
        return False, f"Declining costs no check mark: {NoCheckMarkReason(excuse).label.lower()}."
    if registration.exempt:
        return False, f"Declining costs no check mark: you are exempt on {registration.book.name}."
    if registration.last_check_mark_on == timezone.localdate():
        return False, f"You already have today's check mark on {registration.book.name}: declining adds none."
    marks, allowed = registration.check_marks + 1, registration.book.check_marks_allowed
    if marks > allowed:
        return True, (
            f"Declining costs a check mark on {registration.book.name}: check mark {marks}, one more than "
            f"the {allowed} allowed, takes you off the book."
        )
    return True, f"Declining costs a check mark on {registration.book.name}: {marks} of the {allowed} allowed."


CHECK_IN_BY = datetime.time(15, 0)  # the 2024 procedure, rule 7


def no_shows(*, day: datetime.date):
    """Dispatches of `day` whose member has not checked in (nor clocked in there) by 3 PM."""
    from dispatch.enums import DispatchStatus
    from fulfillment.models import TimeLog

    three_pm = timezone.make_aware(datetime.datetime.combine(day, CHECK_IN_BY))
    return (
        Dispatch.objects.filter(
            status=DispatchStatus.ACCEPTED, start_date=day, checked_in_at__isnull=True, no_show_at__isnull=True
        )
        .exclude(pk__in=TimeLog.objects.filter(clock_in_at__lt=three_pm).values("dispatch_id"))
        .select_related("member", "employer")
        .order_by("id")
    )


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
    """Open requests whose referral time has passed with places still unfilled (offered, on the
    job or done count as filled): the Business Manager's queue (the 2024 procedure, rule 2), to
    fill by any means before 3 PM."""
    from django.db.models import Count, F

    from dispatch.enums import FILLING_DISPATCH_STATUSES, JobRequestStatus

    return (
        JobRequest.objects.filter(status=JobRequestStatus.OPEN, is_history=False, refer_at__lte=now)
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


def member_jobs(*, member_id: int):
    """Open requests that take online bids and draw from a book the member is out of work on
    (TERO requests from the TERO book of their region), each with `my_bid_status` (the
    member's pending bid, or None). Two queries, whatever the number of books or requests."""
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
        if classification == BookType.TERO_APPRENTICE_WIRE:
            on_my_books |= Q(category=RequestCategory.TERO, region=region)
        else:
            on_my_books |= Q(book_classification=classification, region=region) & ~Q(category=RequestCategory.TERO)
    my_bid = JobBid.objects.filter(job_request=OuterRef("pk"), member_id=member_id, status=BidStatus.PENDING)
    return (
        JobRequest.objects.filter(on_my_books, status=JobRequestStatus.OPEN, bidding_opens_at__isnull=False)
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
