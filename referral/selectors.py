import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from referral import calendar
from referral.enums import RegistrationAction, RegistrationRequestStatus, RegistrationStatus, RollOffReason
from referral.models import (
    DAY_ZERO,
    REGISTRATION_ORDER,
    BookRegistration,
    MaintenanceRun,
    MorningReferral,
    ReferralBook,
    RegistrationActivity,
    RegistrationRequest,
    available_for_referral,
    effectively_exempt,
)
from referral.rules import MORNING_REFERRAL_ENDS_BY

S = RegistrationStatus

# Referral order across the tiers of a trade and region: tier 1 → 2 → 3 → 4, then each tier's
# own order (APN, registration time, id). Decision 0028.
REFERRAL_ORDER = ("book__book_number", *REGISTRATION_ORDER)
_ORDER = [F(name) for name in REGISTRATION_ORDER]
# Positions count within each book (tier): a query over several tiers numbers each one from 1.
_TIER = [F("book_id")]


def out_of_work_list(*, book: ReferralBook) -> QuerySet[BookRegistration]:
    """The members available for referral on one book (tier), in its order."""
    return BookRegistration.objects.out_of_work().filter(book=book).select_related("member", "book").in_order()


def referral_list(*, classification: str, region: str) -> QuerySet[BookRegistration]:
    """Everyone available for one trade in one region, tier 1 first, each tier in its order."""
    return (
        BookRegistration.objects.out_of_work()
        .filter(book__classification=classification, book__region=region, book__is_active=True)
        .select_related("member", "book")
        .order_by(*REFERRAL_ORDER)
    )


def act_position():
    """LaborPower's ACT of each row: 1, 2, … over every row of its book (tier) in the book's
    order. The query must hold every active row of the tiers it shows."""
    return Window(RowNumber(), partition_by=_TIER, order_by=_ORDER)


def rel_position():
    """LaborPower's REL of each row: the running count of members available for referral in its
    book's (tier's) order, kept on an available row, 0 on the others; from 1 on each tier. The
    rows the query leaves out must be ones REL never counts (not available)."""
    available = Case(When(available_for_referral(), then=Value(1)), default=Value(0), output_field=IntegerField())
    return Window(Sum(available), partition_by=_TIER, order_by=_ORDER) * available


def registration_list(*, book: ReferralBook) -> QuerySet[BookRegistration]:
    """LaborPower's Registration List of one book (tier): everyone on it — out of work, working,
    on a short call, exempt — in its order, with `act` (1, 2, … over every row) and `rel` (1, 2,
    … over the members available for referral; 0 for the others). One query."""
    return (
        BookRegistration.objects.active()
        .filter(book=book)
        .select_related("member", "book")
        .annotate(
            act=act_position(),
            rel=rel_position(),
        )
        .in_order()
    )


def with_positions(*, book: ReferralBook) -> QuerySet[BookRegistration]:
    """The out-of-work list of `book` with `position`: 1 for the next member up on this tier
    (LaborPower's REL). Positions restart on each tier. One query."""
    return out_of_work_list(book=book).annotate(position=Window(RowNumber(), order_by=_ORDER))


def _ahead_on_book(book_id, apn, registered_at, registration_id) -> Q:
    return Q(book_id=book_id) & (
        Q(apn__lt=apn)
        | Q(apn=apn, registered_at__lt=registered_at)
        | Q(apn=apn, registered_at=registered_at, id__lt=registration_id)
    )


def position(*, registration: BookRegistration) -> int | None:
    """The registration's 1-based position on its book (REL), or None when it is not available
    for referral (on a job, exempt, off the book)."""
    listing = BookRegistration.objects.out_of_work()
    if not listing.filter(pk=registration.pk).exists():
        return None
    ahead = _ahead_on_book(registration.book_id, registration.apn, registration.registered_at, registration.pk)
    return listing.filter(ahead).count() + 1


def apn_day(apn: Decimal) -> datetime.date:
    """The registration date an APN encodes."""
    return DAY_ZERO + datetime.timedelta(days=int(apn))


def member_registrations(*, member_id: int) -> QuerySet[BookRegistration]:
    """A member's registrations still on a book, each with `position` (1-based on its book, as
    `position` counts it; None when not available for referral) and `last_check_mark_reason`
    (why the latest mark was given, or None). One query, whatever the number of books."""
    ahead = (
        BookRegistration.objects.out_of_work()
        .filter(_ahead_on_book(OuterRef("book_id"), OuterRef("apn"), OuterRef("registered_at"), OuterRef("id")))
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return (
        BookRegistration.objects.active()
        .filter(member_id=member_id)
        .select_related("book", "member")
        .annotate(
            position=Case(
                When(available_for_referral(), then=Subquery(ahead[:1], output_field=IntegerField()) + 1),
                default=None,
                output_field=IntegerField(),
            ),
            last_check_mark_reason=Subquery(_last_check_mark.values("reason")[:1]),
        )
        .order_by(*REFERRAL_ORDER)
    )


# The member sees why their latest check mark was given (a request that fell, went unfilled, …).
_last_check_mark = RegistrationActivity.objects.filter(
    registration_id=OuterRef("pk"), action=RegistrationAction.CHECK_MARK
).order_by("-at", "-id")


# --- The nightly book maintenance: what it will do (decision 0029) ---

EXEMPTION_ENDED = "exemption_ended"
# Each step of a book's nightly run, in the order it is applied, with its MaintenanceRun count.
MAINTENANCE_STEPS = {
    EXEMPTION_ENDED: "exemptions_ended",
    RollOffReason.RE_SIGN_MISSED: "re_sign_roll_offs",
    RollOffReason.LATE_RE_REGISTRATION: "late_re_registration_roll_offs",
    RollOffReason.LONG_CALL: "long_call_roll_offs",
}
STEP_LABELS = {
    EXEMPTION_ENDED: "Exemption period ended",
    RollOffReason.RE_SIGN_MISSED: RollOffReason.RE_SIGN_MISSED.label,
    RollOffReason.LATE_RE_REGISTRATION: RollOffReason.LATE_RE_REGISTRATION.label,
    RollOffReason.LONG_CALL: RollOffReason.LONG_CALL.label,
}
DUE_LABELS = {
    EXEMPTION_ENDED: "exempt until",
    RollOffReason.RE_SIGN_MISSED: "re-sign was due",
    RollOffReason.LATE_RE_REGISTRATION: "re-register by",
    RollOffReason.LONG_CALL: "last day of the dispatch",
}


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One thing a book's nightly run does to one registration, and why: its `step` (the
    exemption ends, or the roll-off reason) and the `due` date the rule counts from."""

    registration: BookRegistration  # with member and book
    step: str
    due: datetime.date

    @property
    def rolls_off(self) -> bool:
        return self.step != EXEMPTION_ENDED

    @property
    def label(self) -> str:
        return STEP_LABELS[self.step]

    @property
    def due_label(self) -> str:
        return DUE_LABELS[self.step]

    @property
    def member_name(self) -> str:
        member = self.registration.member
        return " ".join(filter(None, (f"{member.last_name}, {member.first_name}", member.middle_name)))


@dataclass(slots=True)
class BookMaintenancePlan:
    """What the nightly run of `day` does to one book. `already_run`: that run happened (a
    second one does nothing). Exempt members' re-sign is kept due `exempt_re_sign_due`."""

    book: ReferralBook
    day: datetime.date
    already_run: bool = False
    actions: list[PlannedAction] = field(default_factory=list)

    @property
    def exempt_re_sign_due(self) -> datetime.date:
        return self.day + datetime.timedelta(days=self.book.re_sign_days)

    def counts(self) -> dict[str, int]:
        """The run's counts, as MaintenanceRun keeps them."""
        counts = dict.fromkeys(MAINTENANCE_STEPS.values(), 0)
        for action in self.actions:
            counts[MAINTENANCE_STEPS[action.step]] += 1
        return counts

    @property
    def roll_offs(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.rolls_off]


@dataclass(slots=True)
class MaintenancePlan:
    """What the nightly run of `day` does to every active book, book after book as the run goes."""

    day: datetime.date
    business_day: bool
    books: list[BookMaintenancePlan] = field(default_factory=list)

    @property
    def actions(self) -> list[PlannedAction]:
        return [a for plan in self.books for a in plan.actions]

    @property
    def roll_offs(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.rolls_off]

    def rows(self) -> list[dict]:
        """One row per action, for a CSV or a print-out, in the order the run applies them."""
        return [
            {
                "run_on": self.day.isoformat(),
                "run_of_book": plan.book.code,
                "book": action.registration.book.code,
                "member": action.member_name,
                "card_number": action.registration.member.card_number,
                "apn": f"{action.registration.apn:.2f}",
                "action": "roll off" if action.rolls_off else "end exemption",
                "reason": action.label,
                "due": action.due.isoformat(),
                "due_is": action.due_label,
                "registration_id": action.registration.pk,
            }
            for plan in self.books
            for action in plan.actions
        ]


def book_maintenance_plan(
    *,
    book: ReferralBook,
    day: datetime.date,
    cal: calendar.BusinessCalendar,
    within: Collection[int] | None = None,
    skip: Collection[int] = (),
) -> BookMaintenancePlan:
    """What the nightly run of `day` does to `book` — the one statement of its rules, which
    `services.book_maintenance` applies and the cut-over rehearsal shows. In the order applied:
    1. exemptions of the book past their end date end (blank end date: never);
    2. registered, not exempt members whose re-sign was due before the grace_period_days-th
       business day back (counting `day`) roll off;
    3. a member on a short call of this book who did not re-register by `re_register_by` rolls
       off every book they are on;
    4. a dispatch of this book that has lasted more than max_days_on_book whole days (its
       local day + max_days_on_book before `day`) rolls off (long call).
    `within` limits the plan to those registrations (the run re-plans the rows it locked);
    `skip` leaves out registrations an earlier book's run of the same night took off."""
    plan = BookMaintenancePlan(book=book, day=day)
    if MaintenanceRun.objects.filter(book=book, run_on=day).exists():
        plan.already_run = True
        return plan
    rows = BookRegistration.objects.select_related("member", "book").exclude(pk__in=list(skip))
    if within is not None:
        rows = rows.filter(pk__in=list(within))
    on_book = rows.filter(book=book)

    for registration in on_book.active().filter(is_exempt=True, exempt_until__lt=day).order_by("id"):
        plan.actions.append(PlannedAction(registration, EXEMPTION_ENDED, registration.exempt_until))

    cutoff = cal.nth_business_day_back(day, max(book.grace_period_days, 1))
    missed = on_book.filter(status=S.REGISTERED, re_sign_due__lt=cutoff).exclude(effectively_exempt())
    for registration in missed.order_by("id"):
        plan.actions.append(PlannedAction(registration, RollOffReason.RE_SIGN_MISSED, registration.re_sign_due))

    late = dict(
        BookRegistration.objects.filter(book=book, status=S.SHORT_CALL, re_register_by__lt=day)
        .exclude(pk__in=list(skip))
        .values_list("member_id", "re_register_by")
    )
    for registration in rows.active().filter(member_id__in=late).order_by("member_id", "id"):
        due = late[registration.member_id]
        plan.actions.append(PlannedAction(registration, RollOffReason.LATE_RE_REGISTRATION, due))

    started_before = datetime.datetime.combine(day - datetime.timedelta(days=book.max_days_on_book), datetime.time())
    long_calls = on_book.filter(status=S.DISPATCHED, dispatched_at__lt=timezone.make_aware(started_before))
    for registration in long_calls.order_by("id"):
        due = timezone.localdate(registration.dispatched_at) + datetime.timedelta(days=book.max_days_on_book)
        plan.actions.append(PlannedAction(registration, RollOffReason.LONG_CALL, due))
    return plan


def maintenance_plan(*, day: datetime.date) -> MaintenancePlan:
    """What the nightly run of `day` (`services.daily_book_maintenance`) does, book by book in
    the order it runs them, to the books as they are now. Nothing on a weekend or a holiday. A
    registration one book's run takes off (a late re-registration takes the member off every
    book) is not in a later book's plan, as the real run finds it gone. Changes nothing."""
    cal = calendar.calendar_around(day)
    plan = MaintenancePlan(day=day, business_day=cal.is_business_day(day))
    if not plan.business_day:
        return plan
    taken: set[int] = set()
    for book in ReferralBook.objects.filter(is_active=True).order_by("id"):
        book_plan = book_maintenance_plan(book=book, day=day, cal=cal, skip=taken)
        taken.update(a.registration.pk for a in book_plan.roll_offs)
        plan.books.append(book_plan)
    return plan


def next_maintenance_day(*, today: datetime.date) -> datetime.date:
    """The day of the next nightly run that does something: the first business day after
    `today` (the run starts at 00:30 of its day, so today's has run by the time staff look)."""
    return calendar.calendar_around(today).add_business_days(today, 1)


# --- Held registrations (the 2024 procedure, rule 3; decision 0033) ---


def _working_day_without_a_completed_referral(now: datetime.datetime) -> bool:
    day = timezone.localdate(now)
    if not calendar.BusinessCalendar(day, day).is_business_day(day):
        return False
    return not MorningReferral.objects.filter(day=day).exists()


def registrations_held(*, now: datetime.datetime) -> bool:
    """Whether a registration received at `now` is held: a working day whose Inside Wireperson
    Book 1 referral is not marked complete, before 10:00. Weekends and holidays: never."""
    if timezone.localtime(now).time() >= MORNING_REFERRAL_ENDS_BY:
        return False
    return _working_day_without_a_completed_referral(now)


def morning_referral_overdue(*, now: datetime.datetime) -> bool:
    """Past 10:00 of a working day and nobody marked the referral complete: it counts as
    complete, and what was held is processed."""
    if timezone.localtime(now).time() < MORNING_REFERRAL_ENDS_BY:
        return False
    return _working_day_without_a_completed_referral(now)


def held_registrations():
    """The registrations waiting for the morning referral, in the order received."""
    return (
        RegistrationRequest.objects.filter(status=RegistrationRequestStatus.HELD)
        .select_related("member", "book", "received_by")
        .order_by("received_at", "id")
    )
