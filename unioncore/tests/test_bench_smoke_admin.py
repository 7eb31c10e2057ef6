"""The changelist benchmark (bench/admin_changelists.py) at a tiny size, in the test database:
it counts a changelist's queries at two sizes, passes when they are equal, and fails on a query
per row or a model without a row maker. The figures come from `make bench`."""

import pytest
from django.contrib import admin

from bench import admin_changelists as bench
from members.models import Member
from unioncore.models import User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]


def test_the_benchmark_counts_the_members_changelist_at_two_sizes():
    [result] = bench.run(size=8, small=3, repeat=1, models=[Member])
    assert result.name == "admin_changelists[members.member]"
    assert (result.notes["rows_small"], result.notes["rows_big"]) == (3, 8)
    assert result.baseline_s > 0
    assert result.passed, result.line()
    assert "PASS" in result.line()


def test_a_query_per_row_fails_the_benchmark(monkeypatch):
    member_admin = admin.site._registry[Member]

    def ledger_rows(member):  # one query per row on the page
        return member.transactions.count()

    monkeypatch.setattr(member_admin, "list_display", (*member_admin.list_display, ledger_rows))
    [result] = bench.run(size=8, small=3, repeat=1, models=[Member])
    assert result.measured_s == result.baseline_s + 5, result.line()
    assert not result.passed
    assert "FAIL" in result.line()


def test_a_model_without_a_row_maker_fails(monkeypatch):
    from unioncore.tests import test_admin

    monkeypatch.delitem(test_admin.MAKERS, "unioncore.user")
    [result] = bench.run(size=4, small=2, repeat=1, models=[User])
    assert not result.passed
    assert "no row maker" in result.line()


def test_referral_run_lines_are_made_after_the_runs_own_and_a_failing_maker_is_that_models_fail(monkeypatch):
    from dispatch.models import ReferralCandidate
    from referral.tests.factories import BookRegistrationFactory

    BookRegistrationFactory.create_batch(3)  # the runs rank these themselves
    [result] = bench.run(size=6, small=3, repeat=1, models=[ReferralCandidate])
    assert result.passed, result.line()

    def broken(n):
        raise ValueError("no rows today")

    monkeypatch.setitem(bench.OWN_MAKERS, "dispatch.referralcandidate", broken)
    failed, member = bench.run(size=6, small=3, repeat=1, models=[ReferralCandidate, Member])
    assert member.passed, "the run goes on after a failing model"
    assert "ValueError: no rows today" in failed.line()
    assert not failed.passed
