import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from dispatch.enums import ContractCode, DispatchType, EndReason
from dispatch.models import Dispatch, Employer, EmployerContract, JobRequest
from fulfillment.models import TimeLog
from members.models import Member, MemberTransaction
from referral.models import BookRegistration, ReferralBook
from unioncore.models import User

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_with_no_warning():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unioncore.settings.production",
        "SECRET_KEY": "k3y-" + "x9Qz!p7@Lm2#" * 5,
        "ALLOWED_HOSTS": "hall.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unioncore",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="unioncore.settings.production", ALLOWED_HOSTS="hall.example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_seed_demo_prints_working_logins_and_twice_gives_the_same_counts(client):
    """One test (the demo takes ~40 s to load): the logins it prints work, and a second run
    adds nothing."""

    def counts():
        staff = sum(Group.objects.get(name=g).user_set.count() for g in ("dispatcher", "officer", "admin"))
        return (
            User.objects.count(), Member.objects.count(), MemberTransaction.objects.count(), staff,
            BookRegistration.objects.count(), Employer.objects.count(), Dispatch.objects.count(),
            TimeLog.objects.count(),
        )  # fmt: skip

    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    first = counts()
    text = out.getvalue()
    assert "dispatcher" in text
    assert "dispatch-demo-46" in text
    assert "employer-demo-46" in text
    response = client.post("/admin/login/", {"username": "dispatcher", "password": "dispatch-demo-46"})
    assert response.status_code == 302
    call_command("seed_demo", "--force", stdout=StringIO())
    assert counts() == first
    _users, members, ledger_rows, staff, registrations, employers, dispatches, time_logs = first
    assert members == 150
    assert staff == 3
    assert ledger_rows >= 150 * 11
    assert registrations >= 200, f"{registrations} registrations"
    assert not ReferralBook.objects.filter(book_number=1, registrations__isnull=True).exists(), "a book 1 left empty"
    assert employers == 100
    assert set(EmployerContract.objects.values_list("contract_code", flat=True)) == set(ContractCode.values)
    assert dispatches >= 40, f"{dispatches} dispatches"
    assert set(Dispatch.objects.values_list("type", flat=True)) == set(DispatchType.values)
    assert set(Dispatch.objects.exclude(end_reason="").values_list("end_reason", flat=True)) == set(EndReason.values)
    assert {"open", "filled"} <= set(JobRequest.objects.values_list("status", flat=True))
    # The printed supervisor has hours waiting in the portal, one of them edited by the worker.
    supervisor = re.search(r"hours waiting\)\s+(\S+)\s+employer-demo-46", text).group(1)
    client.post("/portal/login/", {"identifier": supervisor, "password": "employer-demo-46"})
    crew = client.get("/portal/crew/").content.decode()
    assert time_logs == 3
    assert crew.count("/portal/timelogs/") >= 1
    assert "Worker edited" in client.get(re.search(r'href="(/portal/timelogs/[^"]+)"', crew).group(1)).content.decode()


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_sentry_dsn_turns_on_sentry_with_the_django_and_celery_integrations():
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active(), sorted(c.integrations))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unioncore.settings.test",
        "SENTRY_DSN": "https://key@sentry.invalid/1",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True")
    assert "'django'" in result.stdout
    assert "'celery'" in result.stdout
