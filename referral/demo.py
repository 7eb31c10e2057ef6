"""Demo registrations for `manage.py seed_demo`: the demo members signed onto the books by
their trade, over the last 40 days, some exempt, some with a check mark, some re-signed. Everything goes
through the services. Deterministic (the same draws every run); a member who has ever been on
a book is left alone there, so a second run creates nothing."""

import datetime
import random

from django.utils import timezone

from members.enums import Classification, ExemptReason, MemberStatus
from members.models import Member
from referral import services
from referral.models import BookRegistration, ReferralBook
from unioncore.errors import RuleViolation
from unioncore.models import User

DAYS = 40
WIRE = {"seattle": ("WIRE_SEA_1", "WIRE_SEA_2"), "bremerton": ("WIRE_BRE_1", "WIRE_BRE_2"),
        "port_angeles": ("WIRE_PA_1", "WIRE_PA_2")}  # fmt: skip
TRADE_BOOK = {
    Classification.APPRENTICE_WIREPERSON: "TERO_SEA_1",
    Classification.TECHNICIAN: "TECH_SEA_1",
    Classification.TRADESHOW: "TRADE_SEA_1",
    Classification.STOCKPERSON: "STOCK_SEA_1",
    Classification.UTILITY_WORKER: "UTIL_SEA_1",
    Classification.RESIDENTIAL_WIREPERSON: "WIRE_SEA_2",
}
SIDE_BOOKS = ("TRADE_SEA_1", "STOCK_SEA_1", "UTIL_SEA_1")  # the draw kept: a wireperson signs tradeshow


def _books_for(member: Member, rng: random.Random) -> list[str]:
    if member.classification == Classification.INSIDE_WIREPERSON:
        regions = rng.sample(sorted(WIRE), rng.choice([1, 2, 2, 3]))
        codes = [WIRE[region][0 if rng.random() < 0.7 else 1] for region in regions]
    elif member.classification == Classification.UTILITY_WORKER and int(member.card_number) % 2 == 0:
        codes = ["SCHOOL_SEA_1"]  # the Seattle School District book: half the utility workers
    else:
        codes = [TRADE_BOOK[member.classification]]
    if rng.random() < 0.3:
        side = rng.choice(SIDE_BOOKS)
        # One classification a registrant (the 2024 procedure): wire + tradeshow is the exception.
        if member.classification == Classification.INSIDE_WIREPERSON and side not in codes:
            codes.append("TRADE_SEA_1")
    return codes


def seed(*, by: User) -> list:
    rng = random.Random(46)
    now = timezone.now()
    today = timezone.localdate(now)
    books = {book.code: book for book in ReferralBook.objects.all()}
    members = Member.objects.filter(status=MemberStatus.ACTIVE).order_by("card_number")
    seen = set(BookRegistration.objects.values_list("member_id", "book__code"))

    # Draw everything first (the same draws on every run), then sign up in time order so that
    # the APNs follow the sign-up times.
    plan = []
    for member in members:
        for code in _books_for(member, rng):
            days_ago, minute = rng.randrange(DAYS), rng.randrange(7 * 60, 16 * 60)
            day = today - datetime.timedelta(days=days_ago)
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60)))
            extra = rng.random()
            exempt = (rng.choice(ExemptReason.values), today + datetime.timedelta(days=rng.randint(20, 150)))
            if (member.pk, code) not in seen:
                plan.append((min(moment, now), member, books[code], extra, exempt))

    for registered_at, member, book, extra, (exempt_reason, exempt_until) in sorted(plan, key=lambda p: p[0]):
        try:
            registration = services.registration_register(
                member_id=member.pk, book_id=book.pk, by=by, registered_at=registered_at
            )
        except RuleViolation:
            continue  # on another classification's book since an earlier demo: left alone there
        try:
            if extra < 0.08:
                services.registration_exempt_on(
                    registration_id=registration.pk, by=by, exempt_reason=exempt_reason, exempt_until=exempt_until
                )
            elif extra < 0.25:  # one a day at most, so the demo's marks are today's
                services.registration_check_mark(registration_id=registration.pk, by=by, reason="Passed a call")
            elif extra < 0.5:  # on time when the re-sign window is open today (the others are due later)
                services.registration_re_sign(registration_id=registration.pk, by=by)
        except RuleViolation:
            pass  # e.g. a member exempt on all books takes no check mark
    return []
