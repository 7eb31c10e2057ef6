import datetime
from decimal import Decimal

from django.db.models import Case, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from referral.models import (
    DAY_ZERO,
    REGISTRATION_ORDER,
    BookRegistration,
    ReferralBook,
    available_for_referral,
)

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
    `position` counts it; None when not available for referral). One query, whatever the
    number of books."""
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
            )
        )
        .order_by(*REFERRAL_ORDER)
    )
