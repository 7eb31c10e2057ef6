"""Issue #4: the position of every member on a book of 10,000 registrations in one query, and the
out-of-work list ordered by tier and APN, each within 2x of the same hand-written SQL run in the
same process, on the same connection.

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (referral/tests/test_bench_smoke.py, at a tiny size).
"""

import datetime
import random

from django.db import connection

from bench import harness
from members.enums import Classification
from members.models import Member
from referral import selectors
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, ReferralBook
from referral.services import apn_of

NAME = "referral_positions"
DEFAULT_SIZE = 10_000
TARGET_RATIO = 2.0

BOOK = "WIRE_SEA_1"  # the book of `size` registrations
TIER_2 = "WIRE_SEA_2"  # same trade and region, Book 2: its positions restart at 1
OTHER_REGION = "WIRE_BRE_1"  # same trade, another region: never counts ahead on Seattle's books

S = RegistrationStatus
NOT_OUT_OF_WORK = (S.DISPATCHED, S.SHORT_CALL, S.ROLLED_OFF)

AVAILABLE = """r.status = 'registered'
       AND (r.is_exempt = false OR (r.is_exempt IS NULL AND NOT m.is_exempt))"""

# The place on the book (1 = next up, LaborPower's REL): only members available for referral,
# in the book's order (APN, registration time, id); positions restart on each tier.
POSITIONS_SQL = f"""
    SELECT r.id, ROW_NUMBER() OVER (ORDER BY r.apn, r.registered_at, r.id) AS position
      FROM referral_bookregistration r
      JOIN members_member m ON m.id = r.member_id
     WHERE r.book_id = %(book_id)s AND {AVAILABLE}
     ORDER BY r.apn, r.registered_at, r.id
"""

OUT_OF_WORK_SQL = f"""
    SELECT r.id, r.apn, m.card_number
      FROM referral_bookregistration r
      JOIN members_member m ON m.id = r.member_id
     WHERE r.book_id = %(book_id)s AND {AVAILABLE}
     ORDER BY r.apn, r.registered_at, r.id
"""

# LaborPower's Registration List: every row on the book (ACT) and the available ones (REL, else 0).
REGISTRATION_LIST_SQL = f"""
    SELECT id, act, CASE WHEN available THEN rel ELSE 0 END
      FROM (SELECT r.id, r.apn, r.registered_at,
                   ROW_NUMBER() OVER w AS act,
                   COUNT(*) FILTER (WHERE {AVAILABLE}) OVER w AS rel,
                   ({AVAILABLE}) AS available
              FROM referral_bookregistration r
              JOIN members_member m ON m.id = r.member_id
             WHERE r.book_id = %(book_id)s AND r.status IN ('registered', 'dispatched', 'short_call')
            WINDOW w AS (ORDER BY r.apn, r.registered_at, r.id)) listed
     ORDER BY apn, registered_at, id
"""


START = datetime.datetime(2025, 1, 6, 7, 0, tzinfo=datetime.UTC)


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
            # LaborPower style: the registration time's serial to 0.01 day, so a morning's rush
            # shares APNs and the time to the second orders it (decision 0028).
            registered_at = START + datetime.timedelta(minutes=7 * i + rng.randrange(7), seconds=rng.randrange(60))
            status = rng.choice(NOT_OUT_OF_WORK) if rng.random() < 0.05 else S.REGISTERED
            exempt = {"is_exempt": True, "exempt_reason": "traveling"} if rng.random() < 0.03 else {}
            registrations.append(
                BookRegistration(
                    member=next(next_member), book=books[code], apn=apn_of(registered_at),
                    registered_at=registered_at, status=status, **exempt,
                )
            )  # fmt: skip
    rng.shuffle(registrations)
    BookRegistration.objects.bulk_create(registrations, batch_size=2000)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would have them
        cursor.execute("ANALYZE members_member, referral_bookregistration")


def book(code: str = BOOK) -> ReferralBook:
    return ReferralBook.objects.get(code=code)


def orm_positions(book: ReferralBook) -> list[tuple]:
    return list(selectors.with_positions(book=book).values_list("id", "position"))


def sql_positions(book: ReferralBook) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(POSITIONS_SQL, {"book_id": book.pk})
        return cursor.fetchall()


def orm_registration_list(book: ReferralBook) -> list[tuple]:
    return list(selectors.registration_list(book=book).values_list("id", "act", "rel"))


def sql_registration_list(book: ReferralBook) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(REGISTRATION_LIST_SQL, {"book_id": book.pk})
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
    ("referral_registration_list", BOOK, orm_registration_list, sql_registration_list),
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
