"""The referral benchmark (bench/referral_positions.py) at a tiny size, in the test database: its
ORM paths give the hand-written SQL's rows in one query, and the benchmark runs end to end.
The figures themselves come from `make bench`, never from the test suite."""

import pytest

from bench import harness
from bench import referral_positions as bench

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]

TINY = 50


@pytest.fixture
def books():
    bench.make_data(size=TINY)
    return {code: bench.book(code) for code in (bench.BOOK, bench.TIER_2, bench.OTHER_REGION)}


@pytest.mark.parametrize("code", [bench.BOOK, bench.TIER_2, bench.OTHER_REGION])
def test_every_position_on_a_book_matches_the_hand_written_sql_in_one_query(books, code):
    rows, queries = harness.count_queries(lambda: bench.orm_positions(books[code]))
    assert queries == 1, f"{queries} queries"
    assert rows == bench.sql_positions(books[code])


def test_book_2_positions_restart_at_1(books):
    positions = [position for _, position in bench.orm_positions(books[bench.TIER_2])]
    assert positions == list(range(1, len(positions) + 1))


@pytest.mark.parametrize("code", [bench.BOOK, bench.TIER_2])
def test_the_registration_list_matches_the_hand_written_sql_in_one_query(books, code):
    rows, queries = harness.count_queries(lambda: bench.orm_registration_list(books[code]))
    assert queries == 1, f"{queries} queries"
    assert rows == bench.sql_registration_list(books[code])
    if code == bench.BOOK:
        assert 0 in [rel for _, _, rel in rows], "the tiny book has members not available (REL 0)"


@pytest.mark.parametrize("code", [bench.BOOK, bench.TIER_2])
def test_the_out_of_work_list_matches_the_hand_written_sql_in_one_query(books, code):
    rows, queries = harness.count_queries(lambda: bench.orm_out_of_work(books[code]))
    assert queries == 1, f"{queries} queries"
    assert rows == bench.sql_out_of_work(books[code])
    assert [apn for _, apn, _ in rows] == sorted(apn for _, apn, _ in rows)


def test_a_wrong_answer_from_the_orm_fails_the_benchmark(books):
    def off_by_one(book):
        return [(id_, position + 1) for id_, position in bench.orm_positions(book)]

    with pytest.raises(harness.BenchmarkError, match="first difference at row 0"):
        bench.check("off by one", books[bench.BOOK], off_by_one, bench.sql_positions)


def test_the_benchmark_runs_end_to_end_at_a_tiny_size():
    results = bench.run(size=TINY, repeat=2, warmup=1)
    assert [r.name for r in results] == [name for name, *_ in bench.CASES]
    assert all(r.rows and r.measured_s > 0 and r.baseline_s > 0 for r in results)
    assert all("ratio" in r.line() and r.line().endswith(("PASS", "FAIL")) for r in results)
