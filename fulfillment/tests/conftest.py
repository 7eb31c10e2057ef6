import datetime
from dataclasses import dataclass

import pytest
import time_machine

from dispatch import services as dispatch_services
from dispatch.models import Dispatch, EmployerUser
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from members.tests.factories import MemberFactory
from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401
from unioncore.models import User, UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

MONDAY = datetime.date(2026, 12, 7)


@dataclass
class Shift:
    dispatch: Dispatch
    worker: User
    supervisor: User
    manager: User
    other_employer_supervisor: User


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY, 7), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shift(book, register, dispatcher, clock) -> Shift:
    """An accepted dispatch of a member (with a login) to an employer with a supervisor."""
    employer = EmployerFactory()
    supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
    manager = EmployerUserFactory(employer=employer, role="manager").user
    outsider = EmployerUserFactory(role="supervisor").user
    worker = UserFactory(kind=UserKind.MEMBER, phone="+12065550111")
    registration = register(book, member=MemberFactory(user=worker))
    request = dispatch_services.job_request_create(
        by=dispatcher, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=MONDAY, report_time=datetime.time(7), worksite="Pier 91",
        wage_rate="60.00", taken_at=at(MONDAY - datetime.timedelta(days=3), 10),
    )  # fmt: skip
    dispatch = dispatch_services.dispatch_offer(
        job_request_id=request.pk, registration_id=registration.pk, by=dispatcher
    )
    dispatch = dispatch_services.dispatch_accept(dispatch_id=dispatch.pk, by=dispatcher)
    dispatch.primary_site_contact = EmployerUser.objects.get(user=supervisor)
    dispatch.save()
    return Shift(dispatch, worker, supervisor, manager, outsider)
