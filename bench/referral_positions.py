"""Issue #4: the position of every member on a book of 10,000 registrations in one query, and the
out-of-work list ordered by tier and APN, each within 2x of the same hand-written SQL run in the
same process, on the same connection.

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (referral/tests/test_bench_smoke.py, at a tiny size).
"""

import random
from decimal import Decimal

from django.db import connection

from bench import harness
from members.enums import Classification
from members.models import Member
from referral import selectors
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, ReferralBook

NAME = "referral_positions"
DEFAULT_SIZE = 10_000
TARGET_RATIO = 2.0

BOOK = "WIRE_SEA_1"  # the book of `size` registrations
TIER_2 = "WIRE_SEA_2"  # same trade and region, Book 2: everyone out of work on Book 1 is ahead
OTHER_REGION = "WIRE_BRE_1"  # same trade, another region: never counts ahead on Seattle's books

S = RegistrationStatus
NOT_OUT_OF_WORK = (S.DISPATCHED, S.SHORT_CALL, S.ROLLED_OFF)

# Members ahead: the row's place on its book (0 = next up) plus everyone out of work on the lower
# tiers of the same trade and region.
POSITIONS_SQL = """
    SELECT r.id,
           ROW_NUMBER() OVER (ORDER BY r.apn, r.id) - 1 + (
               SELECT COUNT(*)
                 FROM referral_bookregistration lr
                 JOIN referral_referralbook lb ON lb.id = lr.book_id
                WHERE lr.status = 'registered'
                  AND lb.classification = %(classification)s
                  AND lb.region = %(region)s
                  AND lb.book_number < %(book_number)s
                  AND lb.is_active
           ) AS position
      FROM referral_bookregistration r
     WHERE r.book_id = %(book_id)s AND r.status = 'registered'
     ORDER BY r.apn, r.id
"""

OUT_OF_WORK_SQL = """
    SELECT r.id, r.apn, m.card_number
      FROM referral_bookregistration r
      JOIN members_member m ON m.id = r.member_id
     WHERE r.book_id = %(book_id)s AND r.status = 'registered'
     ORDER BY r.apn, r.id
"""


def make_data(*, size: int, seed: int = 46) -> None:
    """`size` registrations on Book 1, a tenth as many on Book 2 and a twentieth on another
    region's Book 1; one member each. One in twenty is not out of work (dispatched, on a short
    call or rolled off). Rows go in shuffled, so ids do not follow APN order."""
    rng = random.Random(seed)
    counts = {BOOK: size, TIER_2: max(size // 10, 2), OTHER_REGION: max(size // 20, 2)}
    members = Member.objects.bulk_create(
        [
            Member(
                card_number=f"9{n:08d}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                classification=Classification.INSIDE_WIREPERSON,
            )
            for n in range(sum(counts.values()))
        ],
        batch_size=2000,
    )
    books = ReferralBook.objects.in_bulk(list(counts), field_name="code")
    registrations, next_member = [], iter(members)
    for code, count in counts.items():
        for i in range(count):
            # LaborPower style: day serial, then the sign-in order that day (46000.01, 46000.02 …).
            apn = Decimal(f"{46000 + i // 40}.{i % 40 + 1:02d}")
            status = rng.choice(NOT_OUT_OF_WORK) if rng.random() < 0.05 else S.REGISTERED
            registrations.append(BookRegistration(member=next(next_member), book=books[code], apn=apn, status=status))
    rng.shuffle(registrations)
    BookRegistration.objects.bulk_create(registrations, batch_size=2000)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have them
        cursor.execute("ANALYZE members_member, referral_bookregistration")


def book(code: str = BOOK) -> ReferralBook:
    return ReferralBook.objects.get(code=code)


def orm_positions(book: ReferralBook) -> list[tuple]:
    return list(selectors.with_positions(book=book).values_list("id", "position"))


def sql_positions(book: ReferralBook) -> list[tuple]:
    params = {
        "book_id": book.pk,
        "classification": book.classification,
        "region": book.region,
        "book_number": book.book_number,
    }
    with connection.cursor() as cursor:
        cursor.execute(POSITIONS_SQL, params)
        return cursor.fetchall()


def orm_out_of_work(book: ReferralBook) -> list[tuple]:
    return list(selectors.out_of_work_list(book=book).values_list("id", "apn", "member__card_number"))


def sql_out_of_work(book: ReferralBook) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(OUT_OF_WORK_SQL, {"book_id": book.pk})
        return cursor.fetchall()


CASES = [
    # name, book, ORM path, hand SQL
    ("referral_positions", BOOK, orm_positions, sql_positions),
    ("referral_positions_book_2", TIER_2, orm_positions, sql_positions),
    ("referral_out_of_work", BOOK, orm_out_of_work, sql_out_of_work),
]


def check(name: str, book: ReferralBook, orm, sql) -> int:
    """The ORM path gives exactly the hand SQL's rows, in one query; returns the row count."""
    rows, queries = harness.count_queries(lambda: orm(book))
    if queries != 1:
        raise harness.BenchmarkError(f"{name}: the ORM path ran {queries} queries, not 1")
    harness.check_same(name, rows, sql(book))
    return len(rows)


def run(*, size: int = DEFAULT_SIZE, repeat: int = 21, warmup: int = 3) -> list[harness.Result]:
    make_data(size=size)
    results = []
    for name, code, orm, sql in CASES:
        the_book = book(code)
        rows = check(name, the_book, orm, sql)
        results.append(
            harness.compare(
                name,
                lambda orm=orm, b=the_book: orm(b),
                lambda sql=sql, b=the_book: sql(b),
                target_ratio=TARGET_RATIO,
                repeat=repeat,
                warmup=warmup,
                rows=rows,
            )
        )
    return results
