"""Every write to the referral books: registration, re-sign, check marks, exemptions, roll-offs,
and the registration side of dispatches (called by the Dispatch part, never by hand)."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from members.enums import ExemptReason, MemberStatus
from members.models import Member
from referral import calendar, selectors
from referral.enums import (
    ACTIVE_STATUSES,
    BookType,
    RegistrationAction,
    RegistrationRequestStatus,
    RegistrationStatus,
    ReRegistrationCause,
    RollOffReason,
)
from referral.errors import ReferralError
from referral.messages import day, tell_member
from referral.models import (
    DAY_ZERO,
    BookRegistration,
    MorningReferral,
    ReferralBook,
    RegistrationActivity,
    RegistrationRequest,
    effectively_exempt,
)
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

A = RegistrationAction
S = RegistrationStatus
MAX_APN = Decimal("99999999.99")


def lock_registration(registration_id: int) -> BookRegistration:
    try:
        return (
            BookRegistration.objects.select_for_update(of=("self",))
            .select_related("book", "member")
            .get(pk=registration_id)
        )
    except BookRegistration.DoesNotExist:
        raise RuleViolation(CommonError.NOT_FOUND, "No such registration.") from None


def _record(
    registration: BookRegistration, *, action: str, by: User, reason: str = "", **extra
) -> RegistrationActivity:
    """Save the registration (history row naming `by`) and write its activity row."""
    registration._history_user = by
    registration._change_reason = RegistrationAction(action).label
    registration.save()
    return RegistrationActivity.objects.create(
        registration=registration, action=action, actor=by, reason=reason[:200], apn=registration.apn, **extra
    )


def _today() -> datetime.date:
    return timezone.localdate()


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise RuleViolation(CommonError.REASON_REQUIRED, "Give a reason.", fields={"reason": "A reason is required."})
    return reason.strip()


# Plain, or as LaborPower prints it with a thousands separator ("45,880.41").
APN_TEXT = re.compile(r"^([0-9]{1,8}|[0-9]{1,2},[0-9]{3})(\.[0-9]{1,2})?$")


def parse_apn(value) -> Decimal:
    """An APN exactly as given: a positive decimal of at most 8 digits before the point and 2
    after (DECIMAL(10,2)); text must be written plainly ("45810.02" or LaborPower's "45,810.02", not
    "4.581002e4")."""
    refusal = RuleViolation(
        ReferralError.INVALID_APN,
        f"APN {value} is not valid: a positive number with at most 8 digits before the point and 2 after.",
        fields={"apn": "At most 8 digits before the point and 2 after."},
    )
    if isinstance(value, Decimal):
        apn = value
    elif isinstance(value, str) and APN_TEXT.match(value.strip()):
        apn = Decimal(value.strip().replace(",", ""))
    else:
        raise refusal
    if not apn.is_finite() or apn <= 0 or apn > MAX_APN or apn.as_tuple().exponent < -2:
        raise refusal
    return apn.quantize(Decimal("0.01"))


def apn_of(moment: datetime.datetime) -> Decimal:
    """LaborPower's APN: the registration's local time as a spreadsheet serial (days since
    1899-12-30), rounded half up to 0.01 day (decision 0028). 2025-08-11 09:50 → 45880.41."""
    local = timezone.localtime(moment).replace(tzinfo=None)
    days = Decimal((local - DAY_ZERO_MIDNIGHT).total_seconds()) / SECONDS_A_DAY
    return days.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


DAY_ZERO_MIDNIGHT = datetime.datetime.combine(DAY_ZERO, datetime.time())
SECONDS_A_DAY = Decimal(86400)


def _next_registration_number(book: ReferralBook) -> int:
    """The book's REG. # counter. The caller holds the book's lock."""
    last = BookRegistration.objects.filter(book=book).aggregate(n=Max("registration_number"))["n"]
    return (last or 0) + 1


# The one combination of classifications a registrant may sign without an officer (rule 3).
ALLOWED_PAIR = {BookType.INSIDE_WIREPERSON, BookType.TRADESHOW}


def registration_conflicts(*, member: Member, book: ReferralBook, held: bool = False) -> list[str]:
    """Why signing `book` breaks the 2024 procedure's rule 3 — one classification, on its
    highest-priority book — given the member's other books (with `held`, those of their
    registrations held for the morning referral too). Other regions are separate referral
    points (the same tier there is fine); wire + tradeshow is allowed."""
    found = []
    books = ReferralBook.objects.exclude(pk=book.pk)
    signed = Q(registrations__member=member, registrations__status__in=ACTIVE_STATUSES)
    if held:
        signed |= Q(registration_requests__member=member, registration_requests__status=RegistrationRequestStatus.HELD)
    for theirs in books.filter(signed).distinct().order_by("classification", "book_number"):
        if theirs.classification == book.classification:
            if theirs.region == book.region:
                found.append(f"already on {theirs.name}: one tier of a book")
        elif {theirs.classification, book.classification} != ALLOWED_PAIR:
            found.append(f"already on {theirs.name}: one classification (wire + tradeshow excepted)")
    return found


def _may_register(*, member: Member, book: ReferralBook, by: User, override_reason: str, held: bool = False) -> str:
    """Refuse a sign-up the rules do not allow; the officer's override note when one is used
    (rule 3), else ""."""
    if not book.is_active:
        raise RuleViolation(ReferralError.BOOK_CLOSED, f"{book.name} is not taking registrations.")
    if member.status != MemberStatus.ACTIVE:
        raise RuleViolation(ReferralError.MEMBER_NOT_ACTIVE, f"{member} is {member.get_status_display().lower()}.")
    if BookRegistration.objects.active().filter(member=member, book=book).exists():
        raise RuleViolation(ReferralError.ALREADY_REGISTERED, f"{member} is already on {book.name}.")
    conflicts = registration_conflicts(member=member, book=book, held=held)
    if not conflicts:
        return ""
    if not (override_reason.strip() and by.has_perm("referral.override_registration")):
        raise RuleViolation(
            ReferralError.ONE_CLASSIFICATION,
            f"{member} is {'; '.join(conflicts)}. An officer may register them with a reason.",
            fields={"override_reason": "An officer's reason is needed."},
        )
    others = BookRegistration.objects.active().filter(member=member).values_list("book__code", flat=True)
    return f"Officer override: {override_reason.strip()} (also on {', '.join(sorted(others))})"


@transaction.atomic
def registration_register(
    *,
    member_id: int,
    book_id: int,
    by: User,
    registered_at: datetime.datetime | None = None,
    apn=None,
    reason: str = "",
    override_reason: str = "",
) -> BookRegistration:
    """Sign a member onto a book. A new sign-up gets LaborPower's APN of its registration time
    (which another sign-up of the same quarter hour may share: the time to the second orders
    them); one given by staff is kept exactly."""
    book = ReferralBook.objects.select_for_update().get(pk=book_id)  # serialises the REG. # counter
    member = Member.objects.get(pk=member_id)
    reason = _may_register(member=member, book=book, by=by, override_reason=override_reason) or reason
    registered_at = registered_at or timezone.now()
    day = timezone.localdate(registered_at)
    apn = parse_apn(apn) if apn is not None else apn_of(registered_at)
    registration = BookRegistration(
        member=member,
        book=book,
        apn=apn,
        registration_number=_next_registration_number(book),
        registered_at=registered_at,
        re_sign_due=day + datetime.timedelta(days=book.re_sign_days),
    )
    try:
        with transaction.atomic():
            _record(registration, action=A.REGISTER, by=by, reason=reason)
    except IntegrityError:  # a race the checks above could not see
        raise RuleViolation(ReferralError.ALREADY_REGISTERED, f"{member} is already on {book.name}.") from None
    return registration


def re_sign_window(registration: BookRegistration) -> tuple[datetime.date, datetime.date]:
    """First day a re-sign is accepted, and the day of the roll-off (no longer accepted)."""
    book = registration.book
    opens = registration.re_sign_due - datetime.timedelta(days=book.re_sign_window_days)
    closes = calendar.roll_off_day(re_sign_due=registration.re_sign_due, grace_period_days=book.grace_period_days)
    return opens, closes


@transaction.atomic
def registration_re_sign(*, registration_id: int, by: User) -> BookRegistration:
    """The member confirms they are still out of work; the next re-sign is due in re_sign_days."""
    registration = lock_registration(registration_id)
    if registration.status != S.REGISTERED:
        raise RuleViolation(
            ReferralError.NOT_ON_BOOK,
            f"Only a member out of work on the book re-signs (this one is {registration.status}).",
        )
    today = _today()
    opens, closes = re_sign_window(registration)
    if not opens <= today < closes:
        raise RuleViolation(
            ReferralError.OUTSIDE_RE_SIGN_WINDOW,
            f"Re-signing is open from {opens:%b %-d} until the end of {closes - datetime.timedelta(days=1):%b %-d}.",
        )
    registration.last_re_signed_at = timezone.now()
    registration.re_sign_due = today + datetime.timedelta(days=registration.book.re_sign_days)
    _record(registration, action=A.RE_SIGN, by=by)
    return registration


@transaction.atomic
def registration_check_mark(*, registration_id: int, by: User, reason: str) -> BookRegistration:
    """A check mark for a passed call. One per book per day; past the book's allowance the
    member is rolled off the book."""
    reason = _require_reason(reason)
    registration = lock_registration(registration_id)
    if registration.status != S.REGISTERED:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "Check marks apply only to a member out of work on the book.")
    if registration.exempt:
        raise RuleViolation(ReferralError.EXEMPT, f"{registration.member} is exempt on this book: no check marks.")
    _give_check_mark(registration, by=by, reason=reason)
    return registration


def _give_check_mark(registration: BookRegistration, *, by: User, reason: str) -> bool:
    """One mark on a locked registration out of work on its book; the one past the book's
    allowance rolls it off. At most one a day per book: False when today's is already given."""
    today = _today()
    if registration.last_check_mark_on == today:
        return False  # a second pass on the same day adds nothing
    registration.check_marks += 1
    registration.last_check_mark_on = today
    mark = _record(registration, action=A.CHECK_MARK, by=by, reason=reason)
    book = registration.book
    if registration.check_marks > book.check_marks_allowed:  # the roll-off's message says it all
        _roll_off(registration, by=by, code=RollOffReason.CHECK_MARKS, reason=f"Check mark {registration.check_marks}")
    else:
        tell_member(
            registration.member, "check_mark", about_id=mark.pk, book=book.name, reason=reason,
            marks=registration.check_marks, allowed=book.check_marks_allowed,
        )  # fmt: skip
    return True


def lock_registrations(registration_ids) -> list[BookRegistration]:
    """Lock several registrations in id order, the order every path takes (no deadlock)."""
    return list(
        BookRegistration.objects.select_for_update(of=("self",))
        .select_related("book", "member")
        .filter(pk__in=list(registration_ids))
        .order_by("id")
    )


@transaction.atomic
def registrations_check_mark_passed_over(*, registration_ids, by: User, reason: str) -> list[BookRegistration]:
    """The marks the 2024 procedure (rule 9) gives a whole list at once: a request that fell to a
    lower tier, or went unfilled (decision 0033). Each registration still out of work on its
    book and not exempt gets one (one a day per book; the third rolls it off); the others are
    left alone — they were read before their locks. Returns the registrations marked."""
    reason = _require_reason(reason)
    marked = []
    for registration in lock_registrations(registration_ids):
        if registration.status != S.REGISTERED or registration.exempt:
            continue  # dispatched, rolled off or exempted since the list was read
        if _give_check_mark(registration, by=by, reason=reason):
            marked.append(registration)
    return marked


@transaction.atomic
def registration_pass_without_check_mark(
    *, registration_id: int, by: User, no_check_mark_reason: str, reason: str = ""
) -> BookRegistration:
    """A passed call that costs no check mark, with the reason that excuses it."""
    registration = lock_registration(registration_id)
    if registration.status != S.REGISTERED:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "Only a member out of work on the book passes a call.")
    _record(registration, action=A.NO_CHECK_MARK, by=by, reason=reason, no_check_mark_reason=no_check_mark_reason)
    return registration


@transaction.atomic
def registration_check_mark_restore(*, registration_id: int, by: User, reason: str) -> BookRegistration:
    reason = _require_reason(reason)
    registration = lock_registration(registration_id)
    if registration.status != S.REGISTERED:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "Only a registration on the book has check marks to restore.")
    if registration.check_marks == 0:
        raise RuleViolation(ReferralError.NO_CHECK_MARKS, "This registration has no check mark to restore.")
    registration.check_marks -= 1
    registration.last_check_mark_on = None
    _record(registration, action=A.CHECK_MARK_RESTORED, by=by, reason=reason)
    return registration


# The 2024 procedure (rule 12): working under scale or traveling is exempt up to the book's limit
# (six months) unless an officer approves longer; the other reasons have no fixed limit.
LIMITED_EXEMPTIONS = (ExemptReason.TRAVELING, ExemptReason.UNDER_SCALE)


def _check_exemption(registration, *, by: User, until: datetime.date | None, reason_code: str, officer_ok: bool):
    if not reason_code:
        raise RuleViolation(
            ReferralError.EXEMPT_REASON_REQUIRED, "An exemption needs a reason.", fields={"exempt_reason": "?"}
        )
    limited = reason_code in LIMITED_EXEMPTIONS
    if until is None:
        if limited:
            raise RuleViolation(
                ReferralError.EXEMPT_UNTIL_REQUIRED,
                f"{ExemptReason(reason_code).label} is exempt for a limited time: give an end date.",
                fields={"exempt_until": "?"},
            )
        return  # no fixed limit: open-ended until staff end it
    today = _today()
    if until <= today:
        raise RuleViolation(
            ReferralError.EXEMPT_UNTIL_PAST, "The end date must be after today.", fields={"exempt_until": "?"}
        )
    limit = today + datetime.timedelta(days=registration.book.max_exempt_days)
    if limited and until > limit and not (officer_ok and by.has_perm("referral.extend_exemption")):
        raise RuleViolation(
            ReferralError.EXEMPT_TOO_LONG,
            f"An exemption lasts at most {registration.book.max_exempt_days} days (until {limit}); "
            "an officer may extend it.",
            fields={"exempt_until": "Too far."},
        )


@transaction.atomic
def registration_exempt_on(
    *, registration_id: int, by: User, exempt_reason: str, exempt_until: datetime.date, reason: str = ""
) -> BookRegistration:
    """Exempt on this book: no re-sign, no check marks, until `exempt_until`."""
    registration = lock_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "This registration is closed.")
    _check_exemption(registration, by=by, until=exempt_until, reason_code=exempt_reason, officer_ok=False)
    registration.is_exempt, registration.exempt_reason, registration.exempt_until = True, exempt_reason, exempt_until
    registration.exemption_needs_review = False
    _record(registration, action=A.EXEMPT_ON, by=by, reason=reason or registration.get_exempt_reason_display())
    return registration


@transaction.atomic
def registration_exempt_extend(
    *, registration_id: int, by: User, exempt_until: datetime.date, reason: str
) -> BookRegistration:
    """An officer extends an exemption past the usual limit."""
    reason = _require_reason(reason)
    if not by.has_perm("referral.extend_exemption"):
        raise RuleViolation(CommonError.OFFICER_ONLY, "Only an officer may extend an exemption.")
    registration = lock_registration(registration_id)
    if registration.is_exempt is not True:
        raise RuleViolation(ReferralError.NOT_EXEMPT, "This registration has no exemption of its own to extend.")
    _check_exemption(registration, by=by, until=exempt_until, reason_code=registration.exempt_reason, officer_ok=True)
    registration.exempt_until = exempt_until
    registration.exemption_needs_review = False  # an officer has looked at it
    _record(registration, action=A.EXEMPT_EXTENDED, by=by, reason=reason)
    return registration


def _end_exemption(
    registration: BookRegistration, *, by: User, reason: str, today: datetime.date | None = None
) -> None:
    registration.is_exempt, registration.exempt_reason, registration.exempt_until = None, "", None
    registration.exemption_needs_review = False
    # Back to re-signing: the first one falls due a full period after the exemption ends.
    registration.re_sign_due = (today or _today()) + datetime.timedelta(days=registration.book.re_sign_days)
    _record(registration, action=A.EXEMPT_OFF, by=by, reason=reason)


@transaction.atomic
def registration_exempt_off(*, registration_id: int, by: User, reason: str = "") -> BookRegistration:
    registration = lock_registration(registration_id)
    if registration.is_exempt is not True:
        raise RuleViolation(ReferralError.NOT_EXEMPT, "This registration has no exemption of its own.")
    _end_exemption(registration, by=by, reason=reason or "Ended by staff")
    return registration


def _roll_off(
    registration: BookRegistration, *, by: User, code: str, reason: str = "", tell: bool = True
) -> RegistrationActivity:
    """Off the book, with the reason; the member is told (unless the caller tells them once for
    several books)."""
    registration.roll_off(reason=code)
    label = RollOffReason(code).label
    activity = _record(registration, action=A.ROLL_OFF, by=by, reason=reason or label)
    if tell:
        shown = label if not reason or reason == label else f"{label}: {reason}"
        tell_member(registration.member, "rolled_off", about_id=activity.pk, book=registration.book.name, reason=shown)
    return activity


@transaction.atomic
def registration_roll_off(*, registration_id: int, by: User, reason: str) -> BookRegistration:
    """Staff roll a registration off its book."""
    reason = _require_reason(reason)
    registration = lock_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "This registration is already off the book.")
    _roll_off(registration, by=by, code=RollOffReason.STAFF, reason=reason)
    return registration


@transaction.atomic
def registration_resign(*, registration_id: int, by: User, reason: str = "") -> BookRegistration:
    """The member leaves the book of their own accord."""
    registration = lock_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "This registration is already off the book.")
    registration.resign()
    _record(registration, action=A.RESIGN, by=by, reason=reason)
    return registration


@transaction.atomic
def registration_remove(*, registration_id: int, by: User, reason: str) -> BookRegistration:
    reason = _require_reason(reason)
    registration = lock_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        raise RuleViolation(ReferralError.NOT_ON_BOOK, "This registration is already off the book.")
    registration.remove()
    _record(registration, action=A.REMOVE, by=by, reason=reason)
    return registration


# --- The registration side of a dispatch (called by dispatch.services) ---


@transaction.atomic
def registration_dispatch(*, registration_id: int, by: User, short_call: bool, reason: str = "") -> BookRegistration:
    """A member accepted a job: a short call holds the APN, a long call counts towards the
    book's day limit."""
    registration = lock_registration(registration_id)
    if registration.status != S.REGISTERED:
        raise RuleViolation(
            ReferralError.NOT_AVAILABLE, f"{registration.member} is not out of work on {registration.book}."
        )
    if short_call:
        registration.start_short_call()
        _record(registration, action=A.SHORT_CALL, by=by, reason=reason)
    else:
        registration.dispatch()
        _record(registration, action=A.DISPATCH, by=by, reason=reason)
    return registration


@transaction.atomic
def registration_return_to_book(*, registration_id: int, by: User, reason: str = "") -> BookRegistration:
    """Back on the book at the original APN: the member re-registers after a short call (by the
    end of the next working day), or staff return them."""
    registration = lock_registration(registration_id)
    if registration.status not in (S.SHORT_CALL, S.DISPATCHED):
        raise RuleViolation(ReferralError.NOT_DISPATCHED, "This registration is not out on a job.")
    if registration.re_register_by is not None and _today() > registration.re_register_by:
        raise RuleViolation(
            ReferralError.RE_REGISTRATION_LATE,
            f"Re-registration was due by the end of {registration.re_register_by:%b %-d}; register again.",
        )
    action = A.SHORT_CALL_RETURN if registration.status == S.SHORT_CALL else A.RETURN_TO_BOOK
    registration.return_to_book()
    # No re-sign fell due while on the job: a whole period starts on the day back.
    registration.re_sign_due = _today() + datetime.timedelta(days=registration.book.re_sign_days)
    _record(registration, action=action, by=by, reason=reason)
    return registration


@transaction.atomic
def registration_re_register(*, registration_id: int, by: User) -> BookRegistration:
    """The member re-registers after a job ended with a cause that holds the APN — a short call,
    an under-scale job, a turnaround, a layoff within the 90 Day Rule (the 2024 procedure, rule 4;
    decision 0034): back on the book at the original APN, by the end of the next working day. The
    member does it in the portal or the app; staff do it from the registration's page for a
    member who came in or emailed."""
    registration = lock_registration(registration_id)
    if registration.status != S.SHORT_CALL or registration.re_register_by is None:
        raise RuleViolation(
            ReferralError.NOTHING_TO_RE_REGISTER,
            "Re-registration is for a job that has ended (a short call, an under-scale job, a turnaround, the "
            "90 Day Rule); this registration has none waiting.",
        )
    cause = ReRegistrationCause(registration.re_register_cause or ReRegistrationCause.SHORT_CALL)
    return registration_return_to_book(registration_id=registration_id, by=by, reason=f"Re-registered: {cause.label}")


def _hold_for_re_registration(
    registration: BookRegistration, *, by: User, cause: str, ended_on: datetime.date, days_worked: int
) -> None:
    """Hold the APN until the end of the next working day after `ended_on` (a Friday's end: the
    Monday; a holiday is skipped), counting the call's days for the 90 Day Rule."""
    registration.days_on_calls += days_worked
    by_day = calendar.calendar_around(ended_on).add_business_days(ended_on, 1)
    registration.hold_for_re_registration(by_day, cause)
    label = ReRegistrationCause(cause).label
    _record(registration, action=A.SHORT_CALL, by=by, reason=f"{label} {ended_on}; re-register by {by_day}")


@transaction.atomic
def registration_short_call_ended(
    *, registration_id: int, by: User, counts: bool, ended_on: datetime.date, max_restorations: int,
    days_worked: int = 0,
) -> BookRegistration:  # fmt: skip
    """A short call (or a layoff within a long call's short-call period) ended. The APN is held
    until the end of the next working day for the member to re-register — unless this call
    would be a restoration beyond the limit, then the registration is rolled off."""
    registration = lock_registration(registration_id)
    if registration.status not in (S.SHORT_CALL, S.DISPATCHED):
        raise RuleViolation(ReferralError.NOT_DISPATCHED, "This registration is not out on a job.")
    if counts and registration.short_call_restorations >= max_restorations:
        _roll_off(registration, by=by, code=RollOffReason.RESTORATIONS_USED)
        return registration
    if counts:
        registration.short_call_restorations += 1
    _hold_for_re_registration(
        registration, by=by, cause=ReRegistrationCause.SHORT_CALL, ended_on=ended_on, days_worked=days_worked
    )
    return registration


@transaction.atomic
def registration_job_ended_held(
    *, registration_id: int, by: User, cause: str, ended_on: datetime.date, days_worked: int = 0
) -> BookRegistration:
    """A job ended with a cause that holds the APN besides a short call (decision 0034): an
    under-scale job or a turnaround (whatever its length; its days not counted), or a layoff
    within the 90 Day Rule (its days counted). The member re-registers by the end of the next
    working day, or the nightly job rolls them off every book."""
    if cause not in (
        ReRegistrationCause.UNDER_SCALE,
        ReRegistrationCause.TURNAROUND,
        ReRegistrationCause.NINETY_DAY_RULE,
    ):
        raise ValidationError({"cause": "An under-scale job, a turnaround or the 90 Day Rule."})
    registration = lock_registration(registration_id)
    if registration.status not in (S.SHORT_CALL, S.DISPATCHED):
        raise RuleViolation(ReferralError.NOT_DISPATCHED, "This registration is not out on a job.")
    _hold_for_re_registration(registration, by=by, cause=cause, ended_on=ended_on, days_worked=days_worked)
    return registration


@transaction.atomic
def registration_roll_off_after_job(*, registration_id: int, by: User) -> BookRegistration:
    """A long call ended after its short-call period: the member re-registers at the bottom."""
    registration = lock_registration(registration_id)
    if registration.status not in ACTIVE_STATUSES:
        return registration
    _roll_off(registration, by=by, code=RollOffReason.LONG_CALL, reason="Long call ended")
    return registration


@transaction.atomic
def member_roll_off_all_books(*, member_id: int, by: User, cause: str, reason: str = "") -> list[BookRegistration]:
    """A quit or a discharge: the member comes off every book they are on (re-registering at the
    bottom). `cause` is RollOffReason.QUIT or DISCHARGE."""
    causes = (
        RollOffReason.QUIT,
        RollOffReason.DISCHARGE,
        RollOffReason.LATE_RE_REGISTRATION,
        RollOffReason.NO_CHECK_IN,
    )
    if cause not in causes:
        raise ValidationError({"cause": "A quit, a discharge, a late re-registration or a missed check-in."})
    ids = list(
        BookRegistration.objects.active().filter(member_id=member_id).order_by("id").values_list("id", flat=True)
    )
    done, first = [], None
    for registration_id in ids:  # locked in id order, as every other path does
        registration = lock_registration(registration_id)
        activity = _roll_off(registration, by=by, code=cause, reason=reason, tell=False)
        first = first or activity
        done.append(registration)
    if done:  # one message for every book
        label = RollOffReason(cause).label
        tell_member(
            done[0].member, "rolled_off_all_books", about_id=first.pk,
            books=", ".join(r.book.name for r in done), reason=f"{label}: {reason}" if reason else label,
        )  # fmt: skip
    return done


# --- Re-sign reminders ---

RE_SIGN_WARNING = datetime.timedelta(days=3)  # "3 days before roll-off" (issue 22, item 5)


def re_sign_reminders(*, today: datetime.date) -> int:
    """Each morning: tell each member out of work whose re-sign window is open that it is, once
    per re-sign due date, and again 3 days before the roll-off if they still have not re-signed.
    Safe to run twice (one message per registration, kind and due date). Returns the messages
    written."""
    written = 0
    for book in ReferralBook.objects.filter(is_active=True).order_by("id"):
        horizon = today + datetime.timedelta(days=book.re_sign_window_days)
        due = (
            BookRegistration.objects.filter(book=book, status=S.REGISTERED, re_sign_due__lte=horizon)
            .exclude(effectively_exempt())
            .select_related("member__user")
            .order_by("id")
        )
        for registration in due:
            registration.book = book
            opens, closes = re_sign_window(registration)
            if not opens <= today < closes:
                continue
            last_day, fields = closes - datetime.timedelta(days=1), {"book": book.name}
            cycle = registration.re_sign_due.toordinal()
            with transaction.atomic():
                written += len(
                    tell_member(
                        registration.member, "re_sign_open", about_id=registration.pk, cycle=cycle,
                        last_day=day(last_day), **fields,
                    )
                )  # fmt: skip
                if today >= closes - RE_SIGN_WARNING:
                    written += len(
                        tell_member(
                            registration.member, "re_sign_roll_off_soon", about_id=registration.pk, cycle=cycle,
                            last_day=day(last_day), roll_off_day=day(closes), **fields,
                        )
                    )  # fmt: skip
    return written


# --- Daily maintenance ---


@transaction.atomic
def book_maintenance(*, book_id: int, today: datetime.date, by: User, cal: calendar.BusinessCalendar):
    """One book's nightly run, once per day: it applies `selectors.book_maintenance_plan` — the
    one statement of the rules (exemptions that ended, missed re-signs, late re-registrations,
    long calls), which the cut-over rehearsal shows — and keeps exempt members' re-sign a full
    period ahead. A second run on the same day finds its record and does nothing."""
    from referral.models import MaintenanceRun

    book = ReferralBook.objects.select_for_update().get(pk=book_id)
    plan = selectors.book_maintenance_plan(book=book, day=today, cal=cal)
    if plan.already_run:
        return None
    # Lock what the plan names, in id order as every other path does, then plan again on the
    # locked rows: one that changed meanwhile (a re-sign, a return to the book) drops out.
    named = sorted({action.registration.pk for action in plan.actions})
    locked = list(
        BookRegistration.objects.select_for_update(of=("self",))
        .filter(pk__in=named)
        .order_by("id")
        .values_list("id", flat=True)
    )
    plan = selectors.book_maintenance_plan(book=book, day=today, cal=cal, within=locked)

    for action in plan.actions:
        if action.step == selectors.EXEMPTION_ENDED:
            _end_exemption(lock_registration(action.registration.pk), by=by, reason=action.label, today=today)
    # While exempt, no re-sign falls due: keep the due date a full period ahead, so the member
    # who comes back from an exemption has a whole period to re-sign. Bookkeeping, no history.
    BookRegistration.objects.active().filter(book=book).filter(effectively_exempt()).update(
        re_sign_due=plan.exempt_re_sign_due
    )
    for action in plan.roll_offs:
        _roll_off(lock_registration(action.registration.pk), by=by, code=action.step)

    run = MaintenanceRun(book=book, run_on=today, **plan.counts())
    run._history_user = by
    run.save()
    return run


def daily_book_maintenance(*, today: datetime.date, by: User) -> dict[str, dict[str, int]]:
    """Every book's nightly run, each book in its own transaction, in id order (what
    `selectors.maintenance_plan` shows beforehand). Nothing happens on a weekend or a holiday:
    roll-offs take effect at the start of a business day."""
    cal = calendar.calendar_around(today)
    if not cal.is_business_day(today):
        return {}
    done = {}
    for book in ReferralBook.objects.filter(is_active=True).order_by("id"):
        run = book_maintenance(book_id=book.pk, today=today, by=by, cal=cal)
        if run is not None:
            done[book.code] = {
                "re_sign_roll_offs": run.re_sign_roll_offs,
                "exemptions_ended": run.exemptions_ended,
                "long_call_roll_offs": run.long_call_roll_offs,
                "late_re_registration_roll_offs": run.late_re_registration_roll_offs,
            }
    return done


# --- Held registrations (the 2024 procedure, rule 3; decision 0033) ---


def _lock_the_referral_desk() -> list[ReferralBook]:
    """Lock the Inside Wireperson Book 1 rows: holding a registration and completing the morning
    referral wait for each other, so none is held just as the held ones are being processed."""
    return list(
        ReferralBook.objects.select_for_update()
        .filter(classification=BookType.INSIDE_WIREPERSON, book_number=1)
        .order_by("id")
    )


@transaction.atomic
def registration_receive(
    *, member_id: int, book_id: int, by: User, apn=None, reason: str = "", override_reason: str = ""
) -> BookRegistration | RegistrationRequest:
    """Staff enter a registration received in person or by email. On a working day before the
    Inside Wireperson Book 1 referral is complete it is held — checked now (a refusal is
    immediate), put on the book when the referral is complete, at the APN of the time it was
    received; otherwise it is on the book at once. (Re-registration after a short call is not
    held: `registration_re_register`.)"""
    _lock_the_referral_desk()
    now = timezone.now()
    if not selectors.registrations_held(now=now):
        if selectors.morning_referral_overdue(now=now):
            from unioncore.audit import system_user

            morning_referral_complete(by=system_user())  # the held ones first, in the order received
        return registration_register(
            member_id=member_id, book_id=book_id, by=by, apn=apn, reason=reason, override_reason=override_reason
        )
    book = ReferralBook.objects.get(pk=book_id)
    member = Member.objects.get(pk=member_id)
    _may_register(member=member, book=book, by=by, override_reason=override_reason, held=True)
    if RegistrationRequest.objects.filter(member=member, book=book, status=RegistrationRequestStatus.HELD).exists():
        raise RuleViolation(ReferralError.ALREADY_HELD, f"A registration of {member} on {book.name} is already held.")
    held = RegistrationRequest(
        member=member, book=book, received_at=now, received_by=by, apn=parse_apn(apn) if apn is not None else None,
        reason=reason.strip()[:200], override_reason=override_reason.strip()[:150],
    )  # fmt: skip
    held._history_user = by
    held.save()
    return held


@transaction.atomic
def morning_referral_complete(*, by: User):
    """Today's Inside Wireperson Book 1 referral is complete (a dispatcher, or the 10:00 beat as
    `system`): every held registration is processed in the order received, each onto its book
    at the APN of its received time, entered by whoever received it; one the rules now refuse
    (the member signed meanwhile, left good standing …) is marked refused with the reason.
    Returns (the day's record, the requests processed or refused now). A second call keeps the
    first record."""
    desks = _lock_the_referral_desk()
    now = timezone.now()
    local = timezone.localtime(now)
    starts = min((book.referral_start_time for book in desks), default=datetime.time(8, 30))
    if local.time() < starts:
        raise RuleViolation(
            ReferralError.REFERRAL_NOT_STARTED,
            f"The Inside Wireperson Book 1 referral starts at {starts:%-I:%M %p}: it is not complete yet.",
        )
    record = MorningReferral.objects.filter(day=local.date()).first()
    if record is None:
        record = MorningReferral(day=local.date(), completed_at=now, completed_by=by)
        record._history_user = by
        record.save()
    return record, _process_held(by=by)


def _process_held(*, by: User) -> list[RegistrationRequest]:
    done = []
    waiting = RegistrationRequest.objects.filter(status=RegistrationRequestStatus.HELD).order_by("received_at", "id")
    for held in waiting.select_for_update(of=("self",)).select_related("received_by"):
        received = timezone.localtime(held.received_at)
        note = f"Held from {received:%m/%d %-I:%M %p} until the Inside Wireperson Book 1 referral was complete"
        try:
            with transaction.atomic():
                registration = registration_register(
                    member_id=held.member_id, book_id=held.book_id, by=held.received_by,
                    registered_at=held.received_at, apn=held.apn, override_reason=held.override_reason,
                    reason=f"{held.reason} ({note})" if held.reason else note,
                )  # fmt: skip
        except RuleViolation as refused:
            held.refuse(refused.message)
        else:
            held.process(registration)
        held.processed_by = by
        held._history_user = by
        held.save()
        done.append(held)
    return done


def morning_referral_fallback(*, now: datetime.datetime, by: User) -> int:
    """10:00 on working days: the referral counts as complete if no dispatcher marked it, and
    the held registrations are processed (safe to run twice). Returns how many were."""
    if not selectors.morning_referral_overdue(now=now):
        return 0
    _, done = morning_referral_complete(by=by)
    return len(done)
