import unicodedata
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from members.enums import Region, TransactionKind
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


# --- Who a LaborPower row is: members by name and home local (decision 0028) -------------------


UNKNOWN_LOCALS = {"", "0", "00", "000", "0000"}
# LaborPower's REGION spellings that are not our labels.
REGION_SPELLINGS = {"pt angeles": Region.PORT_ANGELES, "pt. angeles": Region.PORT_ANGELES}


def home_local_of(raw: str) -> str:
    """LOCAL as LaborPower writes it ("0046", "46", "0000", "TC", blank) → four digits, or ""
    when it names no local."""
    value = raw.strip()
    if not value.isdigit() or value in UNKNOWN_LOCALS or len(value) > 4:
        return ""
    return value.zfill(4)


def name_part(text: str) -> str:
    """A name as the match compares it: letters only, without accents, case folded (O'BRIEN is
    O'Brien, ALVAREZ is Álvarez: LaborPower prints plain capitals)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if ch.isalpha())


def parse_listed_name(text: str) -> tuple[str, str, str] | None:
    """LaborPower's "LAST, FIRST M" as (last, first, middle initial), each as `name_part` has it;
    None when it is not written that way."""
    last, comma, rest = text.partition(",")
    given = rest.split()
    if not comma or not name_part(last) or not given or not name_part(given[0]):
        return None
    middle = name_part(given[1])[:1] if len(given) > 1 else ""
    return name_part(last), name_part(given[0]), middle


class MemberMatcher:
    """Finds the member a LaborPower row names, without a card number. Deterministic:
    1. members whose last and first names are the row's (letters only, any case);
    2. a row with a middle initial drops the members whose middle name starts otherwise
       (members without a middle name stay);
    3. if several remain, those whose home local is the row's, when any is;
    4. if several still remain, those whose middle initial is the row's, when any is.
    One left is the match; none or several are the row's error, for staff to settle by giving the
    card number. Every member is read once (a cut-over names each many times)."""

    def __init__(self, members=None):
        self.by_name: dict[tuple[str, str], list[Member]] = {}
        queryset = Member.objects.all() if members is None else members
        for member in queryset.only("id", "card_number", "first_name", "middle_name", "last_name", "home_local",
                                    "preferred_region", "status"):  # fmt: skip
            key = (name_part(member.last_name), name_part(member.first_name))
            self.by_name.setdefault(key, []).append(member)

    def candidates(self, *, last: str, first: str, middle: str, home_local: str) -> list[Member]:
        found = self.by_name.get((last, first), [])
        if middle:
            found = [m for m in found if name_part(m.middle_name)[:1] in ("", middle)]
        for keep in (
            lambda m: bool(home_local) and m.home_local == home_local,
            lambda m: bool(middle) and name_part(m.middle_name)[:1] == middle,
        ):
            if len(found) > 1 and any(keep(m) for m in found):
                found = [m for m in found if keep(m)]
        return found
