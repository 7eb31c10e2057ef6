"""Demo members with a year of dues for `manage.py seed_demo`. Deterministic: the same names,
cards and ledgers every time, and a member that exists already is left alone."""

import random
from datetime import date
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from members import services
from members.enums import Classification, ExemptReason, TransactionKind
from members.models import Member
from unioncore.models import User, UserKind
from unioncore.services import user_create

MEMBER_PASSWORD = "member-demo-46"
MONTHLY_DUES = Decimal("52.00")
FIRST = ["Maria", "James", "Aiyana", "Tomas", "Grace", "Kenji", "Rosa", "Darnell", "Hannah", "Luis",
         "Priya", "Owen", "Fatima", "Cole", "Mei", "Andre", "Nora", "Samuel", "Leilani", "Victor"]  # fmt: skip
LAST = ["Alvarez", "Baker", "Chen", "Dubois", "Eagleheart", "Fischer", "Garcia", "Haugen", "Ito", "Johansen",
        "Kowalski", "Lindqvist", "Morales", "Nguyen", "Olsen", "Petrov", "Quinn", "Reyes", "Sato", "Tran"]  # fmt: skip
CLASSIFICATIONS = [Classification.INSIDE_WIREPERSON] * 6 + [
    Classification.APPRENTICE_WIREPERSON, Classification.TECHNICIAN, Classification.TRADESHOW,
    Classification.STOCKPERSON, Classification.UTILITY_WORKER,
]  # fmt: skip
CITIES = [("Seattle", "98108"), ("Seattle", "98118"), ("Bremerton", "98310"), ("Port Angeles", "98362"),
          ("Tacoma", "98402"), ("Everett", "98201")]  # fmt: skip
COUNT = 150


def seed(*, by: User) -> list[tuple[str, str, str]]:
    rng = random.Random(46)
    logins = []
    password_hash = make_password(MEMBER_PASSWORD)  # hashing is slow by design: once, not 150 times
    for n in range(COUNT):
        card = f"{rng.randint(10000, 999999):07d}"  # leading zeros, as LaborPower prints them
        first, last = rng.choice(FIRST), rng.choice(LAST)
        classification = rng.choice(CLASSIFICATIONS)
        city, zip_code = rng.choice(CITIES)
        months_paid = rng.choice([10, 10, 10, 9, 8, 11, 12, 6])
        phone = f"+1206555{n:04d}"
        street = f"{100 + n * 7} {rng.choice(['Pine', 'Cedar', 'Alder', 'Madrona'])} St"
        if n < 3:
            logins.append((f"member ({first} {last})", card, MEMBER_PASSWORD))
        if Member.objects.filter(card_number=card).exists():
            continue
        user = user_create(
            by=by, username=card, password=None, password_hash=password_hash, kind=UserKind.MEMBER, phone=phone,
            first_name=first, last_name=last,
        )  # fmt: skip
        exempt = n % 17 == 5
        member = services.member_create(
            by=by, card_number=card, first_name=first, last_name=last, classification=classification,
            phone=phone, address_line1=street,
            city=city, state="WA", zip_code=zip_code, user=user, is_exempt=exempt,
            exempt_reason=ExemptReason.MEDICAL if exempt else "", exempt_until=date(2027, 3, 31) if exempt else None,
        )  # fmt: skip
        _seed_ledger(member, months_paid, by)
    return logins


def _seed_ledger(member: Member, months_paid: int, by: User) -> None:
    """Dues for January–October 2026, then what the member paid (some ahead, some behind)."""
    for month in range(1, 11):
        services.ledger_post(
            member_id=member.pk, by=by, kind=TransactionKind.DUES, amount=MONTHLY_DUES,
            posted_on=date(2026, month, 1), period=date(2026, month, 1), description=f"Dues {month:02d}/2026",
        )  # fmt: skip
    services.ledger_post(
        member_id=member.pk, by=by, kind=TransactionKind.PAYMENT, amount=MONTHLY_DUES * months_paid,
        posted_on=date(2026, 1, 15), description="Dues payment",
    )  # fmt: skip
