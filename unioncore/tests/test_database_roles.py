"""The audit trail is append-only in the database (issue 20, item 12; decision 0039): TRUNCATE is
refused on every append-only table, even to its owner; the app's role owns nothing, so it
cannot TRUNCATE, ALTER, drop or disable a trigger, nor UPDATE or DELETE a history or ledger row,
and it still does the day's work. PostgreSQL only: the roles are the database's."""

import datetime
import os
import subprocess
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from members.enums import TransactionKind
from members.models import Member, MemberTransaction
from members.selectors import member_balance
from members.services import ledger_correct, ledger_post
from members.tests.factories import MemberFactory, MemberTransactionFactory
from unioncore import database_roles, imports
from unioncore.audit import append_only_tables
from unioncore.tests.factories import StaffFactory
from unioncore.tests.samples import sample
from unioncore.tests.test_audit import history_tables

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(reason="the database roles, grants and triggers are PostgreSQL's"),
]
ROOT = Path(__file__).resolve().parents[2]
LEDGER = "members_membertransaction"
HISTORY = "members_historicalmember"


def tables() -> list[str]:
    with connection.cursor() as cursor:
        return append_only_tables(cursor)


@pytest.fixture
def app_role():
    """A role with the app's rights, made by the same statements `manage.py app_role` runs, inside
    the test's transaction (rolled back with it; named after the test database, so two runs at
    once do not meet)."""
    role = f"uc_app_{connection.settings_dict['NAME']}"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        for statement in database_roles.app_role_statements(cursor, role=role):
            cursor.execute(statement)
        assert database_roles.app_role_problems(cursor, role=role) == []
    return role


@contextmanager
def signed_in_as(role: str):
    """The rest of the test's transaction runs with `role`'s rights, as the web and the workers do."""
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(statement: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_every_history_table_and_the_ledger_refuse_truncate_even_to_their_owner():
    guarded = tables()
    assert set(history_tables()) | {LEDGER} <= set(guarded), "every history table and the ledger"
    MemberTransactionFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else PostgreSQL refuses first: pending FK checks
    for table in guarded:
        refused(f'TRUNCATE "{table}" CASCADE', match="append-only: TRUNCATE refused")
    assert (MemberTransaction.objects.count(), Member.history.count()) == (1, 1), "nothing emptied"


@pytest.mark.parametrize(
    ("statement", "match"),
    [
        (f"TRUNCATE {LEDGER}", "permission denied"),
        (f"TRUNCATE {HISTORY}", "permission denied"),
        (f"ALTER TABLE {LEDGER} DISABLE TRIGGER USER", "must be owner"),
        (f"ALTER TABLE {HISTORY} DISABLE TRIGGER {HISTORY}_append_only", "must be owner"),
        (f"DROP TRIGGER {LEDGER}_no_truncate ON {LEDGER}", "must be owner"),
        (f"ALTER TABLE {LEDGER} ADD COLUMN note text", "must be owner"),
        (f"DROP TABLE {HISTORY}", "must be owner"),
        ("DROP FUNCTION unioncore_reject_change() CASCADE", "must be owner"),
        (f"UPDATE {LEDGER} SET amount = 0", "append-only: UPDATE refused"),
        (f"UPDATE {HISTORY} SET history_change_reason = 'x'", "append-only: UPDATE refused"),
        (f"DELETE FROM {LEDGER}", "permission denied"),
        (f"DELETE FROM {HISTORY}", "permission denied"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE members_shadow (id int)", "permission denied"),
    ],
)
def test_the_app_role_cannot_empty_alter_or_rewrite_an_append_only_table(app_role, statement, match):
    MemberTransactionFactory()  # a member, its history row and a ledger row
    with signed_in_as(app_role):
        refused(statement, match)
    assert (MemberTransaction.objects.count(), Member.history.count()) == (1, 1)


def test_the_app_role_does_the_days_work(app_role):
    """Adds and reads members and ledger rows, corrects a row (it locks it: SELECT … FOR UPDATE),
    and imports a LaborPower file (COPY, LOCK TABLE): all with row rights only."""
    staff = StaffFactory()
    member = MemberFactory()
    with signed_in_as(app_role):
        row = ledger_post(
            member_id=member.pk, by=staff, kind=TransactionKind.DUES, amount="45.50",
            posted_on=datetime.date(2026, 12, 1), period=datetime.date(2026, 12, 1),
        )  # fmt: skip
        ledger_correct(transaction_id=row.pk, by=staff, reason="posted twice")
        assert member_balance(member=member) == Decimal("0.00")
        report = imports.run("members", sample("members"), by=staff)
        assert (report.ok, report.created) == (True, 9), report.errors[:3]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
    assert MemberTransaction.objects.count() == 2
    assert (Member.objects.count(), Member.history.count()) == (10, 10)


def test_flush_empties_the_append_only_tables_only_for_a_superuser(app_role):
    """The test runner flushes as a superuser between transactional tests; the app cannot."""
    MemberTransactionFactory()
    with signed_in_as(app_role), pytest.raises(CommandError, match="Only a PostgreSQL superuser"):
        call_command("flush", interactive=False, verbosity=0)
    assert MemberTransaction.objects.count() == 1


def test_the_app_role_command_prints_the_grants_and_checks_the_role(app_role, capsys):
    call_command("app_role", role=app_role, sql=True)
    printed = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"' in printed
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in printed
    assert "REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON " in printed
    assert f'"{LEDGER}"' in printed
    call_command("app_role", role=app_role)
    assert "owns nothing" in capsys.readouterr().out
    with pytest.raises(CommandError, match="must be two roles"):
        call_command("app_role")  # the tests sign in as the owner: one role for everything


def test_migrate_database_url_names_the_owner_of_the_same_database(settings):
    name = settings.DATABASES["default"]["NAME"]
    settings.MIGRATE_DATABASE_URL = f"postgres://uc_owner:secret@db.example.org:5433/{name}"
    assert database_roles.owner_credentials() == {
        "USER": "uc_owner", "PASSWORD": "secret", "HOST": "db.example.org", "PORT": 5433,
    }  # fmt: skip
    settings.MIGRATE_DATABASE_URL = "postgres://uc_owner@127.0.0.1:5432/another_database"
    with pytest.raises(ImproperlyConfigured, match="must name the same database"):
        database_roles.owner_credentials()


@pytest.fixture
def committed_app_role():
    """A LOGIN role other sessions see (made outside the test's transaction), dropped after."""
    role, password = f"uc_login_{connection.settings_dict['NAME']}"[:63], "app-role-pw"
    with psycopg.connect(**_superuser(), autocommit=True) as admin:
        admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    try:
        yield role, password
    finally:
        with psycopg.connect(**_superuser(), autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{role}"')  # its grants and default privileges here
            admin.execute(f'DROP ROLE "{role}"')


def _superuser() -> dict:
    s = connection.settings_dict
    return {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"], "host": s["HOST"], "port": s["PORT"]}


def _url(user: str, password: str) -> str:
    s = connection.settings_dict
    return f"postgres://{user}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_migrate_signs_in_as_the_owner_and_grants_the_app_role_its_rows(committed_app_role):
    """`manage.py migrate` as production runs it: DATABASE_URL the app's role, MIGRATE_DATABASE_URL
    the owner (here the test database's). A role that could not migrate gets its row rights."""
    role, password = committed_app_role
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "unioncore.settings.dev", "DATABASE_URL": _url(role, password),
        "MIGRATE_DATABASE_URL": _url(connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] or ""),
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"The app's role {role} may read and write the rows of every table, and owns nothing." in done.stdout
    with psycopg.connect(**{**_superuser(), "user": role, "password": password}) as app:
        rights = app.execute(
            "SELECT has_table_privilege('members_member', 'UPDATE'), "
            "has_table_privilege('members_membertransaction', 'INSERT'), "
            "has_table_privilege('members_membertransaction', 'DELETE'), "
            "has_table_privilege('members_historicalmember', 'TRUNCATE')"
        ).fetchone()
    assert rights == (True, True, False, False)
