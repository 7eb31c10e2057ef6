import factory

from dispatch.enums import EmployerRole
from dispatch.models import Employer, EmployerContract, EmployerUser
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    code = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"Cascade Electric {n}")
    city = "Seattle"
    state = "WA"


class EmployerContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContract

    employer = factory.SubFactory(EmployerFactory)
    contract_code = "WIREPERSON"


class EmployerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerUser

    user = factory.SubFactory(UserFactory, kind=UserKind.EMPLOYER)
    employer = factory.SubFactory(EmployerFactory)
    role = EmployerRole.SUPERVISOR
