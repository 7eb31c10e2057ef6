import factory
from django.contrib.auth.models import Group

from unioncore.models import User, UserKind

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    kind = UserKind.MEMBER
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    """A union staff account; `StaffFactory(groups=["officer"])`, a dispatcher by default."""

    kind = UserKind.STAFF
    is_staff = True

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        if create:
            user.groups.add(*Group.objects.filter(name__in=extracted or ["dispatcher"]))


class ImportJobFactory(factory.django.DjangoModelFactory):
    """An uploaded LaborPower file, checked (dry run) and not yet confirmed."""

    class Meta:
        model = "unioncore.ImportJob"

    kind = "members"
    status = "checked"
    file = factory.django.FileField(filename="members.csv", data=b"card_number,last_name,first_name,classification\r\n")
    original_name = "members.csv"
    uploaded_by = factory.SubFactory(StaffFactory)
