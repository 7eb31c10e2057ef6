from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from members.enums import TransactionKind
from members.models import ZERO, Member, MemberTransaction

_money = DecimalField(max_digits=12, decimal_places=2)


def member_balance(*, member: Member) -> Decimal:
    """What the member owes (positive) or has in credit (negative)."""
    total = member.transactions.aggregate(total=Coalesce(Sum("signed_amount"), Value(ZERO), output_field=_money))
    return total["total"]


def members_with_balance() -> QuerySet[Member]:
    """Members annotated with `balance`, in one query (for lists)."""
    return Member.objects.annotate(
        balance=Coalesce(Sum("transactions__signed_amount"), Value(ZERO), output_field=_money)
    ).order_by("last_name", "first_name", "card_number")


def dues_paid_through(*, member: Member) -> date | None:
    """The last month whose dues are paid, as the dues desk counts it.

    Credits (payments and negative adjustments) pay charges oldest first. The paid-through
    month is the latest dues month reached with every earlier charge paid. A credit left over
    after every charge pays months ahead at the latest monthly dues rate."""
    rows = list(
        MemberTransaction.objects.filter(member=member)
        .order_by("posted_on", "id")
        .values_list("id", "corrects_id", "kind", "signed_amount", "period", "posted_on")
    )
    # A correction and the row it cancels net to zero: both leave the count, so a reversed
    # payment stops paying months (the reversal is dated today, not in the month it undoes).
    corrected = {corrects for _, corrects, *_ in rows if corrects is not None}
    rows = [(kind, amount, period, posted_on) for pk, corrects, kind, amount, period, posted_on in rows
            if corrects is None and pk not in corrected]  # fmt: skip
    credit = -sum((amount for _, amount, _, _ in rows if amount < 0), ZERO)
    charges = sorted(
        ((period or posted_on, kind, amount) for kind, amount, period, posted_on in rows if amount > 0),
        key=lambda c: c[0],
    )
    paid_through = None
    last_dues_rate = None
    for when, kind, amount in charges:
        if kind == TransactionKind.DUES:
            last_dues_rate = amount
        if credit < amount:
            return paid_through
        credit -= amount
        if kind == TransactionKind.DUES:
            paid_through = when
    if paid_through is not None and last_dues_rate and credit >= last_dues_rate:
        paid_through = _add_months(paid_through, int(credit // last_dues_rate))
    return paid_through


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
