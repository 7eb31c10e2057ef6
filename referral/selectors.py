import datetime
from decimal import Decimal

from django.db.models import F, Func, IntegerField, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from referral.enums import RegistrationStatus
from referral.models import DAY_ZERO, BookRegistration, ReferralBook

# Referral order: tier (Book 1 before Book 2), then APN; the id only breaks exact ties.
REFERRAL_ORDER = ("book__book_number", "apn", "id")


def out_of_work_list(*, book: ReferralBook) -> QuerySet[BookRegistration]:
    """The members out of work on one book, in referral order."""
    return (
        BookRegistration.objects.out_of_work()
        .filter(book=book)
        .select_related("member", "book")
        .order_by("apn", "id")  # one book, one tier: APN order is referral order (no join to sort)
    )


def referral_list(*, classification: str, region: str) -> QuerySet[BookRegistration]:
    """Everyone out of work for one trade in one region, Book 1 then Book 2, each by APN."""
    return (
        BookRegistration.objects.out_of_work()
        .filter(book__classification=classification, book__region=region, book__is_active=True)
        .select_related("member", "book")
        .order_by(*REFERRAL_ORDER)
    )


def with_positions(*, book: ReferralBook) -> QuerySet[BookRegistration]:
    """The out-of-work list of `book` with `position` (members ahead, 0 = next up). Lower tiers
    of the same trade and region count ahead of the whole book. One query."""
    lower_tiers = (
        BookRegistration.objects.out_of_work()
        .filter(
            book__classification=book.classification,
            book__region=book.region,
            book__book_number__lt=book.book_number,
            book__is_active=True,
        )
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return out_of_work_list(book=book).annotate(
        position=Window(RowNumber(), order_by=[F("apn"), F("id")])
        - 1
        + Coalesce(Subquery(lower_tiers[:1], output_field=IntegerField()), 0)
    )


def position(*, registration: BookRegistration) -> int | None:
    """Members ahead of this registration, or None when it is not out of work on its book."""
    if registration.status != RegistrationStatus.REGISTERED:
        return None
    book = registration.book
    ahead = Q(book__book_number__lt=book.book_number) | Q(
        book__book_number=book.book_number, apn__lt=registration.apn
    ) | Q(book__book_number=book.book_number, apn=registration.apn, id__lt=registration.id)  # fmt: skip
    return referral_list(classification=book.classification, region=book.region).filter(ahead).count()


def apn_day(apn: Decimal) -> datetime.date:
    """The registration date an APN encodes."""
    return DAY_ZERO + datetime.timedelta(days=int(apn))


def day_serial(day: datetime.date) -> int:
    return (day - DAY_ZERO).days


def member_registrations(*, member_id: int) -> QuerySet[BookRegistration]:
    """A member's registrations still on a book, each with `position_ahead` (members ahead of it
    on its trade's out-of-work list, as `position` counts them; None when not out of work). One
    query, whatever the number of books."""
    from django.db.models import Case, OuterRef, When

    ahead = (
        BookRegistration.objects.out_of_work()
        .filter(
            book__classification=OuterRef("book__classification"),
            book__region=OuterRef("book__region"),
            book__is_active=True,
        )
        .filter(
            Q(book__book_number__lt=OuterRef("book__book_number"))
            | Q(book__book_number=OuterRef("book__book_number"), apn__lt=OuterRef("apn"))
            | Q(book__book_number=OuterRef("book__book_number"), apn=OuterRef("apn"), id__lt=OuterRef("id"))
        )
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    return (
        BookRegistration.objects.active()
        .filter(member_id=member_id)
        .select_related("book", "member")
        .annotate(
            position_ahead=Case(
                When(status=RegistrationStatus.REGISTERED, then=Subquery(ahead[:1], output_field=IntegerField())),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by(*REFERRAL_ORDER)
    )
