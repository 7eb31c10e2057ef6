"""Issue #5: the referral order for a request on a book of 10,000 registrations, with the reason
each ineligible member is skipped, within 2x of a hand-written SQL query that gives the same
ordered list with the same reasons, in a number of queries that does not grow with the book.

The books are those of bench/referral_positions.py (Seattle inside wiremen: `size` on Book 1,
a tenth as many on Book 2), plus a small list of SMALL registrations in Port Angeles to show the
query count is the same at 100 as at 10,000. On both lists some members hold an open dispatch,
were already offered this request, are not in good standing, are suspended from referral, are
barred by the employer or lack the request's required skill, and a few bid on the request
(bidders go first). Runs against whatever database Django is connected to: `python -m bench`
gives it the benchmark database, the test suite its own (dispatch/tests/test_bench_smoke.py).
"""

import datetime
import random
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from bench import harness, referral_positions
from dispatch import selectors, services
from dispatch.enums import DispatchStatus, SuspensionKind
from dispatch.models import Dispatch, Employer, EmployerBar, JobBid, JobRequest, ReferralSuspension
from members.enums import Classification, MemberStatus
from members.models import Member, MemberSkill, Skill
from referral.enums import BookRegion, BookType, RegistrationStatus
from referral.models import BookRegistration, ReferralBook
from unioncore.audit import system_user

NAME = "dispatch_referral_order"
DEFAULT_SIZE = 10_000
TARGET_RATIO = 2.0
SMALL = 100  # the Port Angeles list: the query count must be the same as on the big one
SMALL_BOOK = "WIRE_PA_1"
SMALL_REGION = BookRegion.PORT_ANGELES

# Share of the members that meet each kind of ineligibility (a member may meet several; the
# first in the selector's order is the one recorded).
SHARES = {
    "open_dispatch": 0.02,
    "offered_here": 0.003,
    "not_active": 0.01,
    "suspended": 0.01,
    "suspension_over": 0.005,  # lifted or ended: no longer a reason
    "barred": 0.01,
    "bar_over": 0.005,  # ended: no longer a reason
    "no_skill": 0.08,
    "skill_expired": 0.01,
    "bid": 0.01,
}

# The referral order of a normal request, by hand: bidders first, then tier 1 → 2 → …, each by
# APN, registration time and id (decision 0028), exempt members left out; each member's first
# skip reason, in the selector's order.
REFERRAL_ORDER_SQL = """
    SELECT r.member_id, r.id, r.apn, b.book_number,
           CASE
             WHEN EXISTS (SELECT 1 FROM dispatch_dispatch d
                           WHERE d.job_request_id = %(request_id)s AND d.member_id = r.member_id)
               THEN 'already_offered'
             WHEN EXISTS (SELECT 1 FROM dispatch_dispatch d
                           WHERE d.member_id = r.member_id AND d.status IN ('pending', 'accepted'))
               THEN 'already_dispatched'
             WHEN m.status <> 'active' THEN 'member_not_active'
             WHEN r.re_sign_due < %(today)s THEN 're_sign_overdue'
             WHEN EXISTS (SELECT 1 FROM dispatch_referralsuspension s
                           WHERE s.member_id = r.member_id AND s.kind = 'referral' AND s.lifted_at IS NULL
                             AND s.starts_at <= %(now)s AND (s.ends_at IS NULL OR s.ends_at > %(now)s))
               THEN 'referral_suspended'
             WHEN EXISTS (SELECT 1 FROM dispatch_employerbar eb
                           WHERE eb.member_id = r.member_id AND eb.employer_id = %(employer_id)s
                             AND (eb.until IS NULL OR eb.until >= %(today)s))
               THEN 'barred_by_employer'
             WHEN EXISTS (SELECT 1 FROM dispatch_jobrequest_special_skills rs
                           WHERE rs.jobrequest_id = %(request_id)s
                             AND NOT EXISTS (SELECT 1 FROM members_memberskill ms
                                              WHERE ms.member_id = r.member_id AND ms.skill_id = rs.skill_id
                                                AND (ms.expires_on IS NULL OR ms.expires_on >= %(today)s)))
               THEN 'missing_skill'
             ELSE ''
           END AS skip_reason
      FROM referral_bookregistration r
      JOIN referral_referralbook b ON b.id = r.book_id
      JOIN members_member m ON m.id = r.member_id
     WHERE r.status = 'registered' AND (r.is_exempt = false OR (r.is_exempt IS NULL AND NOT m.is_exempt))
       AND b.classification = %(classification)s AND b.region = %(region)s AND b.is_active
     ORDER BY NOT EXISTS (SELECT 1 FROM dispatch_jobbid jb
                           WHERE jb.job_request_id = %(request_id)s AND jb.member_id = r.member_id
                             AND jb.status = 'pending'),
              b.book_number, r.apn, r.registered_at, r.id
"""


def _small_list(rng: random.Random) -> None:
    """SMALL registrations on Port Angeles Book 1, one new member each."""
    members = Member.objects.bulk_create(
        Member(
            card_number=f"8{n:08d}",
            first_name=f"Small{n}",
            last_name=f"Last{n}",
            classification=Classification.INSIDE_WIREPERSON,
        )
        for n in range(SMALL)
    )
    book = ReferralBook.objects.get(code=SMALL_BOOK)
    registrations = [
        BookRegistration(member=m, book=book, apn=Decimal(f"{46000 + i // 40}.{i % 40 + 1:02d}"))
        for i, m in enumerate(members)
    ]
    rng.shuffle(registrations)
    BookRegistration.objects.bulk_create(registrations)


def _request(employer: Employer, region: str, skill: Skill, by) -> JobRequest:
    return services.job_request_create(
        by=by, employer_id=employer.pk, book_classification=BookType.INSIDE_WIREPERSON, region=region,
        workers_wanted=5, start_date=timezone.localdate() + datetime.timedelta(days=7),
        report_time=datetime.time(7, 0), worksite="Bench site", wage_rate="58.50", special_skill_ids=[skill.pk],
    )  # fmt: skip


def _dispatch(member_id: int, request: JobRequest, status: str, by) -> Dispatch:
    return Dispatch(
        member_id=member_id, employer_id=request.employer_id, job_request=request, status=status,
        wage_rate=Decimal("58.50"), start_date=request.start_date, created_by=by,
        override_reason="Bench data: on a job before the run",
    )  # fmt: skip


def make_data(*, size: int, seed: int = 46) -> dict[str, JobRequest]:
    """The books of referral_positions at `size`, the small list, an employer with a request on
    each list (both needing one skill), and the ineligibilities of SHARES. Returns the requests
    by region."""
    rng = random.Random(seed)
    referral_positions.make_data(size=size, seed=seed)
    _small_list(rng)
    by = system_user()
    employer = Employer.objects.create(code="BENCH46", name="Bench Electric")
    skill, _ = Skill.objects.get_or_create(code="bench-cable-splicing", defaults={"name": "Cable splicing"})
    requests = {region: _request(employer, region, skill, by) for region in (BookRegion.SEATTLE, SMALL_REGION)}
    elsewhere = _request(Employer.objects.create(code="BENCH47", name="Elsewhere Electric"), SMALL_REGION, skill, by)

    now = timezone.now()
    today = timezone.localdate(now)
    day_ago, month_ago = now - datetime.timedelta(days=1), now - datetime.timedelta(days=30)
    registrations = (
        BookRegistration.objects.filter(book__code__in=[referral_positions.BOOK, referral_positions.TIER_2, SMALL_BOOK])
        .select_related("book")
        .order_by("id")
    )
    dispatches, skills, bars, suspensions, bids, not_active = [], [], [], [], [], []
    for registration in registrations:  # one registration per member on these books
        member_id = registration.member_id
        here = requests[SMALL_REGION if registration.book.code == SMALL_BOOK else BookRegion.SEATTLE]
        draw = {kind: rng.random() < share for kind, share in SHARES.items()}
        if draw["open_dispatch"]:
            dispatches.append(_dispatch(member_id, elsewhere, DispatchStatus.ACCEPTED, by))
        if draw["offered_here"]:
            dispatches.append(_dispatch(member_id, here, DispatchStatus.DECLINED, by))
        if draw["not_active"]:
            not_active.append(member_id)
        if draw["suspended"] or draw["suspension_over"]:
            lifted_at = None if draw["suspended"] else day_ago
            suspensions.append(
                ReferralSuspension(
                    member_id=member_id,
                    kind=SuspensionKind.REFERRAL,
                    reason="Bench",
                    starts_at=month_ago,
                    lifted_at=lifted_at,
                )
            )
        if draw["barred"] or draw["bar_over"]:
            until = None if draw["barred"] else today - datetime.timedelta(days=1)
            bars.append(EmployerBar(employer=employer, member_id=member_id, reason="Bench", until=until))
        if not draw["no_skill"]:
            expires = today - datetime.timedelta(days=1) if draw["skill_expired"] else None
            skills.append(MemberSkill(member_id=member_id, skill=skill, expires_on=expires))
        if draw["bid"] and registration.status == RegistrationStatus.REGISTERED:
            bids.append(JobBid(job_request=here, member_id=member_id, registration=registration))
    Dispatch.objects.bulk_create(dispatches, batch_size=2000)
    Member.objects.filter(pk__in=not_active).update(status=MemberStatus.SUSPENDED)
    ReferralSuspension.objects.bulk_create(suspensions, batch_size=2000)
    EmployerBar.objects.bulk_create(bars, batch_size=2000)
    MemberSkill.objects.bulk_create(skills, batch_size=2000)
    JobBid.objects.bulk_create(bids, batch_size=2000)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have them
        cursor.execute(
            "ANALYZE members_member, members_memberskill, referral_bookregistration, dispatch_dispatch, "
            "dispatch_referralsuspension, dispatch_employerbar, dispatch_jobbid"
        )
    return requests


def orm_order(request: JobRequest, now: datetime.datetime) -> list:
    return selectors.referral_order(job_request=request, wanted=None, now=now)


def as_rows(candidates) -> list[tuple]:
    return [(c.member_id, c.registration_id, c.apn, c.tier, str(c.skip_reason)) for c in candidates]


def sql_order(request: JobRequest, now: datetime.datetime) -> list[tuple]:
    params = {
        "request_id": request.pk,
        "employer_id": request.employer_id,
        "classification": request.book_classification,
        "region": request.region,
        "now": now,
        "today": timezone.localdate(now),
    }
    with connection.cursor() as cursor:
        cursor.execute(REFERRAL_ORDER_SQL, params)
        return cursor.fetchall()


def check(request: JobRequest, now: datetime.datetime) -> tuple[list[tuple], int]:
    """The selector gives exactly the hand SQL's ordered rows and reasons; returns them and the
    number of queries the selector ran."""
    candidates, queries = harness.count_queries(lambda: orm_order(request, now))
    rows = as_rows(candidates)
    harness.check_same(NAME, rows, sql_order(request, now))
    return rows, queries


def run(*, size: int = DEFAULT_SIZE, repeat: int = 21, warmup: int = 3) -> list[harness.Result]:
    requests = make_data(size=size)
    now = timezone.now()
    big, small = requests[BookRegion.SEATTLE], requests[SMALL_REGION]
    rows, queries = check(big, now)
    small_rows, small_queries = check(small, now)
    if queries != small_queries:
        raise harness.BenchmarkError(
            f"{NAME}: {small_queries} queries for {len(small_rows)} candidates, {queries} for {len(rows)}"
        )
    skipped = {}
    for *_, reason in rows:
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
    result = harness.compare(
        NAME,
        lambda: orm_order(big, now),
        lambda: sql_order(big, now),
        target_ratio=TARGET_RATIO,
        repeat=repeat,
        warmup=warmup,
        rows=len(rows),
    )
    result.notes = {"queries": queries, "queries_on_the_small_list": small_queries, "skipped": skipped}
    return [result]
