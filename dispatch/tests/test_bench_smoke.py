"""The dispatch benchmark (bench/dispatch_referral_order.py) at a tiny size, in the test database:
the referral order gives the hand-written SQL's ordered list and skip reasons, in as many queries
on a list of 100 as on a bigger one, and the benchmark runs end to end. The figures themselves
come from `make bench`, never from the test suite."""

import pytest
from django.utils import timezone

from bench import dispatch_referral_order as bench
from bench import harness
from referral.enums import BookRegion

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]

TINY = 400  # enough members that every kind of skip occurs


@pytest.fixture
def requests():
    return bench.make_data(size=TINY)


def test_the_referral_order_matches_the_hand_written_sql_with_every_skip_reason(requests):
    rows, _queries = bench.check(requests[BookRegion.SEATTLE], timezone.now())
    reasons = {reason for *_, reason in rows}
    assert reasons >= {
        "", "already_offered", "already_dispatched", "member_not_active", "referral_suspended", "barred_by_employer",
        "missing_skill",
    }, reasons  # fmt: skip


def test_bidders_come_first(requests):
    request = requests[BookRegion.SEATTLE]
    bidders = set(request.bids.values_list("member_id", flat=True))
    rows, _queries = bench.check(request, timezone.now())
    assert bidders
    assert {member_id for member_id, *_ in rows[: len(bidders)]} == bidders


def test_the_query_count_does_not_grow_with_the_list(requests):
    now = timezone.now()
    big_rows, big = bench.check(requests[BookRegion.SEATTLE], now)
    small_rows, small = bench.check(requests[bench.SMALL_REGION], now)
    assert len(big_rows) > len(small_rows)
    assert big == small, f"{small} queries for {len(small_rows)} candidates, {big} for {len(big_rows)}"


def test_a_wrong_reason_from_the_orm_fails_the_benchmark(requests, monkeypatch):
    request = requests[BookRegion.SEATTLE]
    real = bench.as_rows

    def no_reasons(candidates):
        return [(*row[:-1], "") for row in real(candidates)]

    monkeypatch.setattr(bench, "as_rows", no_reasons)
    with pytest.raises(harness.BenchmarkError, match="first difference"):
        bench.check(request, timezone.now())


def test_the_benchmark_runs_end_to_end_at_a_tiny_size():
    (result,) = bench.run(size=TINY, repeat=2, warmup=1)
    assert result.name == bench.NAME
    assert result.rows > TINY
    assert result.measured_s > 0
    assert result.baseline_s > 0
    assert result.notes["queries"] == result.notes["queries_on_the_small_list"]
    assert result.line().endswith(("PASS", "FAIL"))


def test_the_desk_benchmark_renders_every_request_in_as_many_queries_for_4_as_for_40():
    from bench import referral_desk

    (result,) = referral_desk.run(size=TINY, repeat=2, warmup=1)
    assert result.name == "referral_desk_page"
    assert result.rows == referral_desk.REQUESTS
    assert result.notes["queries"] > 0
    assert result.measured_s > 0
    assert result.line().endswith(("PASS", "FAIL"))
