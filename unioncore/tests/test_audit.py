import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from simple_history.models import registered_models

from members.models import Member
from members.services import member_update
from members.tasks import expire_exemptions
from members.tests.factories import MemberFactory, MemberTransactionFactory
from unioncore.audit import acting_as
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def history_tables() -> list[str]:
    """Every table simple-history writes, the many-to-many history tables included."""
    return sorted(m._meta.db_table for m in apps.get_models() if m.__name__.startswith("Historical"))


@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_every_history_table_has_the_append_only_trigger():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_append_only'")
        protected = {row[0] for row in cursor.fetchall()}
    missing = [t for t in history_tables() if t not in protected]
    assert not missing, f"{len(missing)} history tables without the append-only trigger: {missing}"


@pytest.mark.parametrize("statement", ["UPDATE {table} SET history_change_reason = 'x'", "DELETE FROM {table}"])
@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_the_database_refuses_to_change_or_remove_history(statement):
    UserFactory()
    MemberTransactionFactory()  # a member and a ledger row
    # A row trigger needs a row; the trigger's presence on every table is checked above.
    tables = [t for t in history_tables() if _has_rows(t)]
    assert len(tables) >= 3, tables
    for table in tables:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))


def _has_rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        return cursor.fetchone()[0]


@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_the_database_refuses_to_edit_a_ledger_row():
    row = MemberTransactionFactory()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(description="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(row).objects.filter(pk=row.pk).delete()


def test_a_service_records_the_acting_user():
    officer = StaffFactory(groups=["officer"])
    member = MemberFactory()
    member_update(member_id=member.pk, by=officer, city="Tacoma")
    latest = member.history.first()
    assert (latest.history_user, latest.city) == (officer, "Tacoma")


def test_an_admin_edit_records_the_staff_member(client):
    dispatcher = StaffFactory()
    member = MemberFactory()
    client.force_login(dispatcher)
    url = reverse("admin:members_member_change", args=[member.pk])
    form = {
        "card_number": member.card_number, "first_name": member.first_name, "last_name": "Renamed",
        "classification": member.classification, "status": member.status, "phone": member.phone,
        "transactions-TOTAL_FORMS": 0, "transactions-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = Member.objects.get(pk=member.pk).history.first()
    assert (latest.history_user, latest.last_name) == (dispatcher, "Renamed")


def test_code_without_a_request_names_its_user_with_acting_as():
    importer = StaffFactory(groups=["admin"])
    with acting_as(importer):
        member = MemberFactory()
    assert member.history.first().history_user == importer


def test_a_celery_task_acts_as_the_system_user(system_user):
    member = MemberFactory(is_exempt=True, exempt_reason="medical", exempt_until="2020-01-31")
    assert expire_exemptions.apply().get() == 1
    member.refresh_from_db()
    latest = member.history.first()
    assert member.is_exempt is False
    assert latest.history_user == system_user
    assert latest.history_change_reason == "Exemption ended"


def test_running_the_exemption_task_twice_changes_nothing_the_second_time(system_user):
    MemberFactory(is_exempt=True, exempt_reason="medical", exempt_until="2020-01-31")
    assert expire_exemptions.apply().get() == 1
    rows = sum(m.history.count() for m in Member.objects.all())
    assert expire_exemptions.apply().get() == 0
    assert sum(m.history.count() for m in Member.objects.all()) == rows


def test_every_domain_model_keeps_history():
    domain_apps = {"unioncore", "members", "referral", "dispatch", "fulfillment", "reports"}
    tracked = {m for m in registered_models.values() if hasattr(m, "history")}
    untracked = [
        m.__name__
        for m in apps.get_models()
        if m._meta.app_label in domain_apps and not m.__name__.startswith("Historical") and m not in tracked
    ]
    assert not untracked, f"models without history: {untracked}"
