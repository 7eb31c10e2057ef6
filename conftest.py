import pytest


@pytest.fixture
def system_user(db):
    from unioncore.audit import system_user

    return system_user()
