import datetime

import pytest
import time_machine

from dispatch import services
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from members.tests.factories import MemberFactory
from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def employer(db):
    employer = EmployerFactory()
    EmployerUserFactory(employer=employer)
    return employer


@pytest.fixture
def clock():
    """The hall's Monday morning, after the referral time of a request taken the Friday before."""
    with time_machine.travel(at(MONDAY, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_request(employer, dispatcher):
    def _make(**overrides):
        fields = {
            "employer_id": employer.pk, "book_classification": "inside_wireperson", "region": "seattle",
            "workers_wanted": 1, "start_date": MONDAY + datetime.timedelta(days=1),
            "report_time": datetime.time(7, 0), "worksite": "Pier 91", "wage_rate": "58.50",
            "taken_at": at(MONDAY - datetime.timedelta(days=3), 10),
        }  # fmt: skip
        fields.update(overrides)
        return services.job_request_create(by=dispatcher, **fields)

    return _make


@pytest.fixture
def member_user(db):
    """A member's login (`member_user.member`)."""
    user = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=user)
    return user
