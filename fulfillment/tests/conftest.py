import datetime
from dataclasses import dataclass

import pytest
import time_machine

from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.tests.factories import on_the_job
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
def hall_clock():
    """The hall's clock stopped at 6:00 on MONDAY, before the shift; tests move it."""
    with time_machine.travel(at(MONDAY, 6), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shift(dispatcher, clock) -> Shift:
    """An accepted dispatch of a member (with a login) to an employer with a supervisor."""
    employer = EmployerFactory()
    supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
    manager = EmployerUserFactory(employer=employer, role="manager").user
    outsider = EmployerUserFactory(role="supervisor").user
    worker = UserFactory(kind=UserKind.MEMBER, phone="+12065550111")
    dispatch = on_the_job(
        worker=MemberFactory(user=worker), employer=employer, by=dispatcher, day=MONDAY, site_contact=supervisor
    )
    return Shift(dispatch, worker, supervisor, manager, outsider)
