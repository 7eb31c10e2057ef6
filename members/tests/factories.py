import datetime
from decimal import Decimal

import factory

from members.enums import Classification, TransactionKind
from members.models import Member, MemberTransaction


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    card_number = factory.Sequence(lambda n: f"{n + 100:07d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    classification = Classification.INSIDE_WIREPERSON
    phone = factory.Sequence(lambda n: f"+1206555{n % 10000:04d}")
    city = "Seattle"
    state = "WA"
    zip_code = "98108"


class MemberTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberTransaction

    member = factory.SubFactory(MemberFactory)
    kind = TransactionKind.DUES
    amount = Decimal("52.00")
    posted_on = datetime.date(2026, 1, 1)
    period = datetime.date(2026, 1, 1)
