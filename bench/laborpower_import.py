"""Issue #17: a real-shaped LaborPower cut-over — about 1,400 members, 850 employers in 1,750
employer-list rows, 4,000 registrations over the 22 tiers (150 of them sharing an APN with an
earlier one of their tier), 200,000 dispatches — imports in under 30 s in all, and each kind
within 3x of `COPY` of its rows into the real tables (decision 0024). `size` is the number of
dispatches; the others scale with it (Sizes). The ledger (the fifth kind: a year of dues and
payments per member) is timed the same way but is not in the issue's 30 s.

The files are generated here, shaped as Local 46's own exports are (shared samples of
2026-02-02; invented names, every value random but seeded):
- members: card numbers with leading zeros, names that repeat ("NGUYEN, LINH" twice, accents
  and apostrophes that LaborPower prints as plain capitals), the home LOCAL (0046, 46, another
  local's, 0000, blank) and region, in Windows-1252;
- employer_lists: LaborPower's employer lists in one file with a LIST column — LIST, BOND
  EXPIRES, ASSENT, NAME, PHONE, FAX, HOME LOCAL — in LaborPower's group spellings and their
  shares, each employer on 1–9 rows (repeats within a list with another bond, and across lists),
  a few junk phones "(", home locals 0046 / 46 / blank;
- registration_list: the printed Job Dispatch Registration List of every book in one file with a
  Book_name column (BOOK #, REG. #, NAME, LOCAL, REG. DATE & TIME as "10/20/2014 2:00:05 PM",
  POSITION (ACT/REL) computed as LaborPower prints it, CHECK, STATUS, REGION on the wire books,
  INITIALS, the technician's EL06 ?): the 22 tiers in the samples' proportions, every STATUS word
  (the same for a person on every book), people on several books (most of them on the three
  wire Book 1s), travelers from other locals on tier 2, APNs repeating within a tier. The person
  is found by name and home local; a row whose name is shared by two members carries its CARD;
- dispatches and ledger by card number, as before (the employers by the codes the employer
  lists make from their names; an open dispatch for each member LaborPower shows WORKING).

Kinds are imported in cut-over order; each kind is timed from its bytes to the committed rows:
`imports.run` — read, check every row, compare with the database, write the rows and their
history rows (and the registration activity rows, a member's home local where UnionCore has
none), and check the
foreign keys (what the commit would do; the import does it itself). Each timed run is rolled
back to a savepoint, so every run sees the same database; after the timing the kind is imported
once more and kept, for the next kind to refer to.

The baseline each kind is judged against (decision 0024): `COPY` of the rows the import writes
into the REAL tables — same indexes, constraints, history tables — with the foreign-key check the
import pays. The import is run once (rolled back) recording each COPY that
`unioncore.imports.bulk._copy` sends (table, columns, the exact text, chunk by chunk) and every
other statement that writes (an UPDATE of members' home locals and its history rows);
those are then re-sent, as they are and in the same order, in fresh rolled-back transactions,
followed by `connection.check_constraints()` (SET CONSTRAINTS ALL IMMEDIATE), as the import
does. The ids in the payloads come from the sequences during the recording run, which was
rolled back, so they are free. On this fresh database every new row goes through COPY; a kind
that wrote otherwise would show as fewer recorded rows than it reports (`real_tables_rows` in
the JSON, checked).

Printed, not judged: `COPY` of the file's rows into a bare table (text columns, no index, no
constraint), fed as the import is fed (decoded, read by Python's csv module, each row sent with
psycopg's `copy.write_row`), and the server-side `COPY … FROM STDIN (FORMAT csv)` of the raw
bytes (`raw_copy_ratio` in the JSON).

The dispatches take seconds, so a kind of more than SMALL_ROWS rows runs at most MAX_REPEAT times
(median; its recording run is the warm-up); a smaller one, whose fraction of a second one slow
moment of a shared machine would move, SMALL_REPEAT times after one warm-up; `--repeat`/`--warmup`
lower that, never raise it. The import and its judged baseline run in turn. Runs against whatever database Django
is connected to: `python -m bench` gives it the benchmark database, the test suite its own
(unioncore/tests/test_bench_smoke_laborpower.py, at a small size)."""

import csv
import datetime
import io
import random
import re
import statistics
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

from bench import harness
from dispatch.laborpower.employer_lists import contract_code_of_group, employer_code_for, employer_name_key
from dispatch.models import Dispatch, Employer, EmployerContract, JobRequest
from members.models import Member, MemberSkill, MemberTransaction, Skill
from members.selectors import name_part
from referral.models import BookRegistration, ReferralBook, RegistrationActivity
from unioncore import imports
from unioncore.audit import emptying_append_only, system_user
from unioncore.imports import bulk

NAME = "laborpower_import"
# python -m bench runs it outside a transaction of its own: each timed run is a transaction of
# its own, rolled back, and the tables it wrote are vacuumed before the next run (see run()).
COMMITS = True
DEFAULT_SIZE = 200_000  # dispatches
TARGET_RATIO = 3.0  # each kind within 3x of COPY of its rows into the real tables
TARGET_TOTAL_S = 30.0  # the four kinds of the issue
MAX_REPEAT = 3  # runs of a large kind (the dispatches, the ledger)
SMALL_ROWS = 10_000  # a kind with at most this many rows in its file …
SMALL_REPEAT = 11  # … runs this many times
KINDS = ("members", "employer_lists", "registration_list", "dispatches", "ledger")
ISSUE_KINDS = KINDS[:4]  # the cut-over set issue 17 names; the 30 s are for these
TOTAL_NAME = "total (the four kinds of the issue)"
LEDGER_MONTHS = 12  # the ledger: a year of dues and their payments per member

# The samples' rows per tier (LaborPower name: tier 1, 2, …), a quarter of Local 46's lists.
TIERS = {
    "WIRE SEATTLE": (283, 11, 2, 1),
    "WIRE BREMERTON": (265, 12, 2),
    "WIRE PT ANGELES": (261, 12, 2, 1),
    "TRADESHOW": (75, 4, 1),
    "STOCKMAN": (2, 2, 11),
    "TECHNICIAN": (28, 4, 33),
    "UTILITY WORKER": (1,),
    "TERO APPR WIRE": (1,),
}
WIRE = ("WIRE SEATTLE", "WIRE BREMERTON", "WIRE PT ANGELES")
# STATUS, per person, in the samples' shares (UNDERSCALE is rare: a few).
STATUSES = {
    "UNEMPLOYED": 790, "WORKING": 134, "SALTING": 33, "TRAVELING": 21, "SICK LIST": 17, "SHORT CALL": 6,
    "UNDERSCALE": 3,
}  # fmt: skip
TRAVELER_LOCALS = ["0076", "0191", "0077", "1547", "0048", "0112", "0026", "0569"]
REGIONS = {"SEATTLE": 55, "": 36, "BREMERTON": 8, "PT ANGELES": 1}
# The employer lists: LaborPower's spellings and their shares in the samples.
LISTS = {
    "WIREPERSON": 205, "SOUND & COMM": 94, "RESIDENTIAL": 80, "STOCKPERSON": 59, "LT FXT MAINT": 30,
    "# GROUP MARINE": 6, "MARKET RECOVERY": 2, "# GROUP TV & APPL": 2,
}  # fmt: skip

LAST = [
    "Anderson", "Nguyen", "O'Brien", "Kowalski", "Running Crow", "Haugen", "Mbeki", "Castellanos", "Zhou", "Álvarez",
    "Park", "Olsen", "Jensen", "Ramirez", "Moore", "Davis", "Dubois", "Uribe", "Zimmerman", "Larsen", "Nakamura",
    "Petersen", "Johansson", "García", "Müller", "Okafor", "Singh", "Kim", "Lee", "Tran", "Walker", "Young", "Hall",
    "Allen", "Wright", "King", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
    "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards", "Stewart",
    "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Gómez",
    "Kelly", "Howard", "Ward", "Cox", "Díaz", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray",
    "James", "Reyes", "Cruz", "Hughes", "Price", "Myers", "Long", "Foster", "Sanders", "Ross", "Morales", "Powell",
]  # fmt: skip
FIRST = [
    "José", "Linh", "Siobhán", "Piotr", "Dana", "Erik", "Thandi", "Mariela", "Wei", "Renée", "Tom", "Mary", "Paula",
    "Noah", "Victor", "Henry", "Alex", "Oscar", "Brian", "Karen", "Sara", "James", "Maria", "Ana", "David", "John",
    "Robert", "Michael", "William", "Richard", "Joseph", "Thomas", "Daniel", "Mark", "Steven", "Kevin", "Jason",
    "Jeff", "Ryan", "Gary", "Lisa", "Nancy", "Betty", "Sandra", "Ashley", "Kim", "Emily", "Donna", "Carol", "Amy",
    "Rosa", "Chen", "Aaron", "Tyler", "Luis", "Juan", "Carlos", "Omar", "Ivan", "Yuki",
]  # fmt: skip
CITIES = [("Seattle", "98108"), ("Bremerton", "98337"), ("Renton", "98057"), ("Port Angeles", "98362")]
END_REASONS = ["laid_off", "laid_off", "laid_off", "completed", "completed", "quit", "discharged"]
TYPES = ["normal"] * 8 + ["short_call", "by_name"]
FIRM_WORDS = [
    "CEDAR", "BAYSIDE", "EVERGREEN", "SUMMIT", "CASCADE", "RAINIER", "PUGET", "OLYMPIC", "NORTHWEST", "HARBOR",
    "PACIFIC", "ALPINE", "COLUMBIA", "SKAGIT", "KITSAP", "EMERALD", "SOUND", "TIDEWATER", "REDWOOD", "GRANITE",
    "IRONWOOD", "BLUE RIVER", "SALISH", "MERIDIAN", "PIONEER", "LAKESIDE", "VALLEY", "CAPITOL", "FRONTIER", "BEACON",
    "CORNERSTONE", "KEYSTONE", "LIBERTY", "PINNACLE", "ORCA", "SALMON BAY", "ELLIOTT", "DUWAMISH", "YESLER", "ALKI",
]  # fmt: skip
FIRM_TRADES = [
    "ELECTRIC", "POWER", "ENERGY", "SYSTEMS", "LIGHTING", "SIGNAL", "CONTROLS", "COMMUNICATIONS", "TECHNOLOGIES",
    "CONSTRUCTION", "ELECTRICAL CONTRACTORS", "LOW VOLTAGE", "SOLAR", "INTEGRATION", "SERVICES", "WIRING",
    "DATACOM", "FIRE & SECURITY", "AUDIO VISUAL", "MARINE ELECTRIC",
]  # fmt: skip
FIRM_SUFFIXES = ["", "", " CO", " INC", " LLC", " L.L.C.", " CORP"]
EMPLOYER_LOCALS = {"": 71, "0046": 20, "46": 2, "0191": 5, "0076": 2}
ASSENTS = {"A": 53, "": 41, "B": 5, "I": 2}
AREA_CODES = ["206", "253", "360", "425"]
REGISTERED_FROM = datetime.datetime(2014, 1, 2, 7, 0)
REGISTERED_DAYS = 4700  # to the autumn of 2026


@dataclass
class Sizes:
    members: int
    employers: int
    employer_rows: int
    registrations: int
    duplicate_apns: int
    dispatches: int
    ledger: int

    @classmethod
    def for_size(cls, size: int) -> "Sizes":
        def scaled(full: int, least: int) -> int:
            return max(round(size * full / 200_000), least)

        members = scaled(1_400, 16)
        employers = scaled(850, 4)
        return cls(
            members=members,
            employers=employers,
            employer_rows=max(scaled(1_750, 0), employers * 2),
            registrations=scaled(4_000, 2 * sum(map(len, TIERS.values()))),
            duplicate_apns=scaled(150, 2),
            dispatches=size,
            ledger=members * LEDGER_MONTHS * 2,
        )

    def rows(self, kind: str) -> int:
        """The rows of the kind's file."""
        return {"employer_lists": self.employer_rows, "registration_list": self.registrations}.get(
            kind, getattr(self, kind, 0)
        )

    def created(self, kind: str) -> int:
        """What the import counts as created: an employer of the lists is one, however many rows."""
        return self.employers if kind == "employer_lists" else self.rows(kind)


def _csv(header: list[str], rows, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _us(day: datetime.date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def _printed_moment(moment: datetime.datetime) -> str:
    """As LaborPower prints it: 10/20/2014 2:00:05 PM."""
    hour = moment.hour % 12 or 12
    return f"{_us(moment.date())} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


DAY_ZERO = datetime.datetime(1899, 12, 30)


def laborpower_apn(moment: datetime.datetime) -> Decimal:
    """The local time's spreadsheet serial to 0.01 day, as `referral.services.apn_of`."""
    days = Decimal((moment - DAY_ZERO).total_seconds()) / Decimal(86400)
    return days.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _printed(text: str) -> str:
    """A name as LaborPower prints it: plain capitals (Álvarez → ALVAREZ)."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).upper()


def _weighted(rnd: random.Random, shares: dict[str, int]) -> str:
    return rnd.choices(list(shares), weights=list(shares.values()))[0]


def _spread(total: int, weights: list[int], least: int) -> list[int]:
    """`total` split in proportion to `weights`, each at least `least` (largest remainders)."""
    spare = total - least * len(weights)
    exact = [spare * w / sum(weights) for w in weights]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [c + least for c in counts]


@dataclass
class Person:
    card: str
    last: str
    first: str
    middle: str
    local: str
    status: str
    region: str
    classification: str = "inside_wireperson"
    listed_with_card: bool = False


def _people(rnd: random.Random, sizes: Sizes) -> list[Person]:
    people = []
    for n in range(sizes.members):
        middle = rnd.choice("ABCDEFGHJKLMNPRSTW") if rnd.random() < 0.7 else ""
        roll = rnd.random()
        local = "0046" if roll < 0.85 else "" if roll < 0.92 else "0000" if roll < 0.93 else rnd.choice(TRAVELER_LOCALS)
        people.append(
            Person(
                card=f"{1000 + n * 7:07d}", last=rnd.choice(LAST), first=rnd.choice(FIRST), middle=middle, local=local,
                status=_weighted(rnd, STATUSES), region=_weighted(rnd, REGIONS),
            )
        )  # fmt: skip
    named = Counter((name_part(p.last), name_part(p.first)) for p in people)
    for p in people:  # two members of one name: the list says which by the card number
        p.listed_with_card = named[(name_part(p.last), name_part(p.first))] > 1
    return people


def _members_file(people: list[Person]) -> bytes:
    rows = []
    for n, p in enumerate(people):
        city, zip_code = CITIES[n % len(CITIES)]
        rows.append([
            p.card, p.last, p.first, p.middle, p.classification, "active", f"(206) 555-{n % 10000:04d}",
            f"m{p.card}@example.org", f"{100 + n} Pacific Ave", city, "WA", zip_code,
            "46" if p.local == "0046" and n % 10 == 3 else p.local, p.region,
        ])  # fmt: skip
    header = [
        "card_number", "last_name", "first_name", "middle_name", "classification", "status", "phone", "email",
        "address", "city", "state", "zip", "LOCAL", "region",
    ]  # fmt: skip
    return _csv(header, rows, "cp1252")


def _employer_names(rnd: random.Random, count: int) -> list[str]:
    names, keys = [], set()
    while len(names) < count:
        name = f"{rnd.choice(FIRM_WORDS)} {rnd.choice(FIRM_TRADES)}{rnd.choice(FIRM_SUFFIXES)}"
        key = employer_name_key(name)
        if key not in keys:
            keys.add(key)
            names.append(name)
    return names


def _phone(rnd: random.Random) -> str:
    return f"{rnd.choice(AREA_CODES)}-{rnd.randrange(200, 1000)}-{rnd.randrange(10000):04d}"


def _employer_lists_file(rnd: random.Random, sizes: Sizes, names: list[str]) -> bytes:
    """Every employer on one list, then the other rows: repeats on a list it is on (with another
    bond date) or a row on another list, the busier employers more often."""
    lists = list(LISTS)
    placed = [[_weighted(rnd, LISTS)] for _ in names]
    weights = [rnd.choice((1, 1, 2, 3, 5)) for _ in names]
    for _ in range(sizes.employer_rows - len(names)):
        on = placed[rnd.choices(range(len(names)), weights=weights)[0]]
        on.append(rnd.choice(on) if rnd.random() < 0.35 else rnd.choice(lists))
    rows = []
    for name, on in zip(names, placed, strict=True):
        phone, fax, local = _phone(rnd), _phone(rnd) if rnd.random() < 0.4 else "", _weighted(rnd, EMPLOYER_LOCALS)
        for group in on:
            bond = (
                "" if rnd.random() < 0.3 else _us(datetime.date(2003, 1, 1) + datetime.timedelta(rnd.randrange(8800)))
            )
            junk = rnd.random() < 0.01
            rows.append([
                group, bond, _weighted(rnd, ASSENTS), name, "(" if junk else phone, fax, local,
            ])  # fmt: skip
    rows.sort(key=lambda r: (lists.index(r[0]), r[3]))  # list by list, as LaborPower prints them
    return _csv(["LIST", "BOND EXPIRES", "ASSENT", "NAME", "PHONE", "FAX", "HOME LOCAL"], rows)


def _registration_times(rnd: random.Random, count: int) -> list[datetime.datetime]:
    """Weekday office hours, to the second (no time near a change of clock)."""
    times = []
    while len(times) < count:
        day = REGISTERED_FROM + datetime.timedelta(days=rnd.randrange(REGISTERED_DAYS))
        if day.weekday() < 5:
            times.append(day + datetime.timedelta(seconds=rnd.randrange(10 * 3600)))
    return times


def _registration_list_file(rnd: random.Random, sizes: Sizes, people: list[Person]) -> bytes:
    weights = [n for tiers in TIERS.values() for n in tiers]
    counts = iter(_spread(sizes.registrations, weights, least=2))
    tiers: dict[tuple[str, int], list[dict]] = {}
    for book, sample in TIERS.items():
        sizes_of_tiers = [next(counts) for _ in sample]
        chosen = rnd.sample(people, sum(sizes_of_tiers))  # once on each LaborPower book
        travelers = [p for p in chosen if p.local in TRAVELER_LOCALS]
        others = [p for p in chosen if p.local not in TRAVELER_LOCALS]
        # Tier 2 first: it holds mostly travelers; tier 1 and the others the rest.
        order = sorted(range(len(sample)), key=lambda i: i != 1)
        for i in order:
            n = sizes_of_tiers[i]
            pool = (travelers + others) if i == 1 else (others + travelers)
            taken, pool = pool[:n], pool[n:]
            travelers = [p for p in pool if p.local in TRAVELER_LOCALS]
            others = [p for p in pool if p.local not in TRAVELER_LOCALS]
            times = sorted(_registration_times(rnd, n))
            numbers = rnd.sample(range(1000, 10000), n)
            tiers[(book, i + 1)] = [
                {"person": p, "at": at, "number": number} for p, at, number in zip(taken, times, numbers, strict=True)
            ]
    _share_apns(rnd, tiers, sizes.duplicate_apns)
    header = [
        "BOOK #", "Book_name", "REG. #", "NAME", "CARD", "LOCAL", "REG. DATE & TIME", "POSITION (ACT/REL)", "CHECK",
        "STATUS", "REGION", "INITIALS", "EL06 ?",
    ]  # fmt: skip
    rows = []
    for (book, tier), entries in tiers.items():
        entries.sort(key=lambda e: (laborpower_apn(e["at"]), e["at"]))
        rel = 0
        for act, e in enumerate(entries, start=1):
            p = e["person"]
            available = p.status == "UNEMPLOYED"
            rel += available
            name = f"{_printed(p.last)}, {_printed(p.first)}" + (f" {p.middle}" if p.middle else "")
            check = "" if rnd.random() < 0.99 else rnd.choice("112")
            licensed = "YES" if book == "TECHNICIAN" and rnd.random() < 0.3 else ""
            rows.append([
                tier, book, e["number"], name, p.card if p.listed_with_card else "", p.local, _printed_moment(e["at"]),
                f"{act:04d} / {rel if available else 0:04d}", check, p.status, p.region if book in WIRE else "", "",
                licensed,
            ])  # fmt: skip
    return _csv(header, rows)


def _share_apns(rnd: random.Random, tiers: dict, wanted: int) -> None:
    """Move registrations into the 0.01 day of another of their tier (a morning rush) until
    `wanted` rows share their tier's APN with an earlier one."""

    def shared() -> int:
        return sum(len(es) - len({laborpower_apn(e["at"]) for e in es}) for es in tiers.values())

    crowded = [es for es in tiers.values() if len(es) > 1]
    made = shared()
    for _ in range(10 * wanted):
        if made >= wanted:
            break
        entries = rnd.choices(crowded, weights=[len(es) for es in crowded])[0]
        apns = Counter(laborpower_apn(e["at"]) for e in entries)
        alone = [e for e in entries if apns[laborpower_apn(e["at"])] == 1]
        if not alone:
            continue
        mover = rnd.choice(alone)
        anchor = rnd.choice([e for e in entries if e is not mover])
        for delta in (rnd.randrange(1, 600), -rnd.randrange(1, 600), 1, -1):
            moved = anchor["at"] + datetime.timedelta(seconds=delta)
            if laborpower_apn(moved) == laborpower_apn(anchor["at"]):
                mover["at"] = moved
                made += 1  # it was alone in its 0.01 day, and joins the anchor's
                break
    if shared() != wanted:
        raise harness.BenchmarkError(f"{shared()} shared APNs made, {wanted} wanted")


def _dispatches_file(rnd: random.Random, sizes: Sizes, people: list[Person], codes: list[str]) -> bytes:
    """Each member's jobs one after the other since 2010; the one of a member LaborPower shows
    working (or on a short call) is open."""
    rows = []
    per_member, extra = divmod(sizes.dispatches, len(people))
    for n, p in enumerate(people):
        day = datetime.date(2010, 1, 4) + datetime.timedelta(days=rnd.randrange(60))
        count = per_member + (1 if n < extra else 0)
        for k in range(count):
            is_open = k == count - 1 and p.status in ("WORKING", "SHORT CALL")
            end = None if is_open else day + datetime.timedelta(days=rnd.randrange(2, 40))
            rows.append([
                p.card, codes[rnd.randrange(len(codes))], _us(day), _us(end) if end else "", rnd.choice(TYPES),
                "" if is_open else rnd.choice(END_REASONS), f"{rnd.randrange(3800, 7200) / 100:.2f}",
                "WIRE_SEA_1" if k % 2 else "",
            ])  # fmt: skip
            day = (end or day) + datetime.timedelta(days=rnd.randrange(1, 10))
    header = ["card_number", "employer_code", "start_date", "end_date", "type", "end_reason", "wage_rate", "book_code"]
    return _csv(header, rows)


def _ledger_file(people: list[Person]) -> bytes:
    rows = []
    for p in people:
        for month in range(1, LEDGER_MONTHS + 1):
            due, paid, ref = f"{month:02d}/01/2025", f"{month:02d}/15/2025", f"{p.card}-{month:02d}"
            rows.append([p.card, due, "dues", "48.50", f"{month:02d}/2025", f"D{ref}", ""])
            rows.append([p.card, paid, "payment", "$48.50", "", f"P{ref}", "Check"])
    return _csv(["card_number", "date", "kind", "amount", "period", "reference", "description"], rows)


def make_files(size: int, seed: int = 17) -> dict[str, bytes]:
    """The cut-over set as CSV bytes, per kind."""
    rnd = random.Random(seed)
    sizes = Sizes.for_size(size)
    people = _people(rnd, sizes)
    names = _employer_names(rnd, sizes.employers)
    codes = [employer_code_for(employer_name_key(name)) for name in names]
    if len(set(codes)) != len(codes):  # the import would make the next candidate: not these codes
        raise harness.BenchmarkError("two generated employers make the same code")
    return {
        "members": _members_file(people),
        "employer_lists": _employer_lists_file(rnd, sizes, names),
        "registration_list": _registration_list_file(rnd, sizes, people),
        "dispatches": _dispatches_file(rnd, sizes, people, codes),
        "ledger": _ledger_file(people),
    }


def prepare_database() -> None:
    """What a hall has before its cut-over besides the migrations' books: the license skills the
    technician list names (the import would add one, as any skill is added; here it exists, so
    that the replayed payloads refer to the same skill)."""
    Skill.objects.get_or_create(code="el06", defaults={"name": "EL06 license"})


# --- the paths --------------------------------------------------------------------------------


def _bare_table(header: list[str]) -> str:
    columns = ", ".join(f'"{c}" text' for c in header)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_lp_bare")
        cursor.execute(f"CREATE TEMP TABLE bench_lp_bare ({columns})")
    return "bench_lp_bare"


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def copy_rows(data: bytes, rows: int | None = None) -> int:
    """The bare-table baseline: the file decoded and read by csv, each row COPY'd into a bare
    table with the file's columns. `rows`: how many the file has (a check that both paths read
    the same)."""
    text, _ = imports.base.decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    table = _bare_table(header)
    n = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in reader:
            copy.write_row(row)
            n += 1
    if rows is not None and n != rows:
        raise harness.BenchmarkError(f"the baseline copied {n} rows, the import reads {rows}")
    return n


def copy_raw(data: bytes) -> None:
    """For information: the server parses the CSV itself."""
    text, _ = imports.base.decode(data)
    table = _bare_table(_header(text))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER)") as copy:
        copy.write(text.encode("utf-8"))


def rolled_back(fn):
    def run():
        with transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        return result

    return run


@dataclass
class Payload:
    """One COPY the import sent: its table, columns and text, chunk by chunk."""

    table: str
    columns: list[str]
    chunks: list[str]
    rows: int


@dataclass
class Statement:
    """Another statement that wrote (an UPDATE and the history rows of bulk_update_with_history)."""

    sql: str
    params: object
    many: bool
    rows: int


WRITES = ("INSERT", "UPDATE", "DELETE")


def record_payloads(kind: str, data: bytes, by) -> tuple[imports.ImportReport, list[Payload | Statement]]:
    """Import `kind` once, rolled back, recording every COPY bulk._copy sends and every other
    statement that writes, in the order they were sent."""
    steps: list[Payload | Statement] = []
    original = bulk._copy

    def recording(table, columns, texts, n, tick=None):
        parts = [[t] * n if isinstance(t, str) else t for t in texts]
        lines = list(map("\t".join, zip(*parts, strict=True)))
        step = bulk.REPORT_EVERY
        chunks = ["\n".join(lines[i : i + step]) + "\n" for i in range(0, n, step)]
        steps.append(Payload(table, list(columns), chunks, n))
        return original(table, columns, texts, n, tick)

    def writes(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip()[:6].upper() in WRITES:
            rows = len(params) if many else max(context["cursor"].rowcount, 0)
            steps.append(Statement(sql, params, many, rows))
        return result

    bulk._copy = recording
    try:
        with connection.execute_wrapper(writes):
            report = rolled_back(lambda: import_kind(kind, data, by))()
    finally:
        bulk._copy = original
    return report, steps


def copy_real(steps: list[Payload | Statement]) -> int:
    """The judged baseline: the recorded payloads COPY'd into the real tables (and the other
    recorded writes sent again), then the foreign keys checked as the import checks them.
    Returns the rows written."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        for step in steps:
            if isinstance(step, Statement):
                if step.many:
                    cursor.executemany(step.sql, step.params)
                else:
                    cursor.execute(step.sql, step.params)
                continue
            names = ", ".join(connection.ops.quote_name(c) for c in step.columns)
            with cursor.copy(f"COPY {step.table} ({names}) FROM STDIN") as copy:
                for chunk in step.chunks:
                    copy.write(chunk)
    connection.check_constraints()
    return sum(step.rows for step in steps)


# --- every run sees the tables as the first did ------------------------------------------------

IMPORTED = (Member, MemberTransaction, MemberSkill, Employer, EmployerContract, BookRegistration, RegistrationActivity,
            Dispatch, JobRequest)  # fmt: skip
WRITTEN = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def written_tables(steps: list) -> list[str]:
    """The tables a kind's import writes, from its recorded COPYs and statements."""
    tables = {step.table for step in steps if isinstance(step, Payload)}
    tables |= {m[1] for step in steps if isinstance(step, Statement) and (m := WRITTEN.match(step.sql))}
    return sorted(tables)


def vacuum(tables: list[str], *, analyze: bool = False) -> None:
    """Clear the dead rows the rolled-back runs left in `tables`, so that the next run sees them
    as the first run did. This PostgreSQL's autovacuum is off: without it each run of the
    dispatches left 400,000 dead rows (and their index entries) for the next to step over, and
    the benchmark database grew by gigabytes a run. `analyze`: after an import that is kept, as
    autovacuum would after a bulk load. Nothing to do inside a caller's transaction (the tests)."""
    if connection.in_atomic_block or not tables:
        return
    names = ", ".join(connection.ops.quote_name(t) for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {'(ANALYZE) ' if analyze else ''}{names}")


def empty_tables() -> None:
    """Outside a transaction (python -m bench): the imported tables emptied, before the run (what
    an interrupted run left) and after it (what the run kept). Only in a benchmark database or
    a test database: TRUNCATE … CASCADE also empties the tables that refer to these."""
    if connection.in_atomic_block:
        return
    name = connection.settings_dict["NAME"]
    if not (name.endswith("_bench") or name.startswith("test_")):
        raise harness.BenchmarkError(f"Refusing to empty the tables of {name!r}: not a benchmark database.")
    models = [m for model in IMPORTED for m in (model, model.history.model)]
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    # The history tables and the ledger refuse TRUNCATE but to a superuser who asks (decision 0039).
    with emptying_append_only(connection), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} CASCADE")


def import_kind(kind: str, data: bytes, by) -> imports.ImportReport:
    report = imports.run(kind, data, by=by)
    if not report.ok:
        raise harness.BenchmarkError(f"{kind}: {report.summary()} First: {report.errors[:3]}")
    return report


def unexpected_warnings(report: imports.ImportReport) -> list:
    """The warnings the generated files should not draw: an unknown column, or a printed ACT /
    REL that UnionCore would show otherwise. (Junk phones, merged employer rows and the re-sign
    clock's note are expected.)"""
    return [w for w in report.warnings if w.column == "position" or "Unknown column" in w.reason]


def check(files: dict[str, bytes], sizes: Sizes) -> None:
    """The data the timed runs were given came across whole, the books in LaborPower's order."""
    counts = {
        "members": Member.objects.count(),
        "employers": Employer.objects.count(),
        "registrations": BookRegistration.objects.count(),
        "dispatches": Dispatch.objects.count(),
        "ledger": MemberTransaction.objects.count(),
    }
    wanted = {k: getattr(sizes, k) for k in counts}
    if counts != wanted:
        raise harness.BenchmarkError(f"imported {counts}, generated {wanted}")
    members = list(csv.DictReader(io.StringIO(imports.base.decode(files["members"])[0])))
    known = sum(m["LOCAL"] not in ("", "0000") for m in members)
    if Member.objects.exclude(home_local="").count() != known:
        raise harness.BenchmarkError(f"{known} members have a home local in the file, not as many imported")
    lists = list(csv.DictReader(io.StringIO(files["employer_lists"].decode())))
    held = {(employer_name_key(r["NAME"]), contract_code_of_group(r["LIST"])) for r in lists}
    if EmployerContract.objects.count() != len(held):
        raise harness.BenchmarkError(f"{EmployerContract.objects.count()} contracts, the lists hold {len(held)}")
    if RegistrationActivity.objects.count() < sizes.registrations:
        raise harness.BenchmarkError("registrations imported without their activity rows")
    rows = list(csv.DictReader(io.StringIO(files["registration_list"].decode())))
    shared = len(rows) - len({(r["Book_name"], r["BOOK #"], laborpower_apn(_moment(r))) for r in rows})
    if shared != sizes.duplicate_apns:
        raise harness.BenchmarkError(f"{shared} shared APNs in the list, {sizes.duplicate_apns} generated")
    statuses = {r["STATUS"] for r in rows}
    if statuses != set(STATUSES) and sizes.registrations >= 4_000:
        raise harness.BenchmarkError(f"the list has the statuses {sorted(statuses)}, not every one")
    # The largest tier, in the list's order, is the book's order: card by card.
    tier = Counter((r["Book_name"], r["BOOK #"]) for r in rows).most_common(1)[0][0]
    book = ReferralBook.objects.get(laborpower_name=tier[0], book_number=int(tier[1]))
    expected = [r["REG. #"] for r in rows if (r["Book_name"], r["BOOK #"]) == tier]
    actual = [
        str(number)
        for number in BookRegistration.objects.filter(book=book)
        .order_by("apn", "registered_at", "id")
        .values_list("registration_number", flat=True)
    ]
    harness.check_same(f"the order of {tier[0]} : {tier[1]}", actual, expected)


def _moment(row: dict) -> datetime.datetime:
    return datetime.datetime.strptime(row["REG. DATE & TIME"], "%m/%d/%Y %I:%M:%S %p")


def run(*, size: int = DEFAULT_SIZE, repeat: int = SMALL_REPEAT, warmup: int = 1) -> list[harness.Result]:
    """Outside a transaction (python -m bench) each run is a transaction of its own, rolled back,
    and the tables it wrote are vacuumed before the next run; the import kept for the next kind is
    committed, and everything is emptied at the end. Inside a caller's transaction (the tests)
    each run is a savepoint rolled back, and nothing is vacuumed."""
    empty_tables()
    try:
        return _run(size=size, repeat=repeat, warmup=warmup)
    finally:
        empty_tables()


def _run(*, size: int, repeat: int, warmup: int) -> list[harness.Result]:
    by = system_user()
    prepare_database()
    sizes = Sizes.for_size(size)
    started = time.perf_counter()
    files = make_files(size)
    print(f"  generated {sizes} in {time.perf_counter() - started:.1f} s")
    results = []
    for kind in KINDS:
        data = files[kind]
        # A kind of a few thousand rows imports in a fraction of a second, where one slow run of
        # a shared machine moves a median of three: it runs more often. A large one, at most
        # MAX_REPEAT times (the recording run below is its warm-up).
        small = sizes.rows(kind) <= SMALL_ROWS
        runs = max(1, min(repeat, SMALL_REPEAT if small else MAX_REPEAT))
        warm = min(warmup, 1) if small else 0
        report, steps = record_payloads(kind, data, by)
        sent = sum(p.rows for p in steps if isinstance(p, Payload))
        written = report.created * 2  # each new row and its "+" history row
        if sent < written:
            raise harness.BenchmarkError(f"{kind}: recorded {sent} COPY rows, the import writes {written}")
        if unexpected_warnings(report):
            raise harness.BenchmarkError(f"{kind}: {unexpected_warnings(report)[:3]}")
        tables = written_tables(steps)
        fresh = lambda tables=tables: vacuum(tables)  # noqa: E731
        copies = [f"{p.table}: {p.rows}" for p in steps if isinstance(p, Payload)]
        others = [f"{s.sql.split('(')[0][:60].strip()}: {s.rows}" for s in steps if isinstance(s, Statement)]
        # Judged (decision 0024): the import against COPY of its own rows into the real tables,
        # run after run in turn, so that the machine's drift falls on both alike.
        against_tables = harness.compare(
            f"{kind}_vs_real_tables",
            rolled_back(lambda kind=kind, data=data: import_kind(kind, data, by)),
            rolled_back(lambda steps=steps: copy_real(steps)),
            target_ratio=TARGET_RATIO,
            repeat=runs,
            warmup=warm,
            rows=sum(p.rows for p in steps),
            between=fresh,
        )
        against_tables.notes.update(copies=copies, statements=others)
        # Printed, not judged: the same import runs against COPY of the file into a bare table,
        # and against the server parsing the file itself.
        bare = [harness.time_once(rolled_back(lambda data=data, kind=kind: copy_rows(data, sizes.rows(kind))))]
        bare += [harness.time_once(rolled_back(lambda data=data, kind=kind: copy_rows(data))) for _ in range(runs - 1)]
        raw = [harness.time_once(rolled_back(lambda data=data: copy_raw(data))) for _ in range(runs)]
        result = harness.Result(
            kind, against_tables.measured, bare, target_ratio=TARGET_RATIO, rows=sizes.rows(kind), judged=False
        )
        raw_s = statistics.median(raw)
        result.notes.update(
            raw_copy_ms=round(raw_s * 1000, 3),
            raw_copy_ratio=round(result.measured_s / raw_s, 2),
            real_tables_ms=round(against_tables.baseline_s * 1000, 3),
            real_tables_runs_ms=[round(s * 1000, 3) for s in against_tables.baseline],
            real_tables_ratio=round(against_tables.ratio, 2),
            real_tables_rows=sum(p.rows for p in steps),
            real_tables_copies=copies,
            real_tables_statements=others,
            created=report.created,
            warnings=len(report.warnings),
            runs=runs,
        )
        results += [result, against_tables]
        print(f"{result.line()}  (raw COPY {raw_s * 1000:.0f} ms, ratio {result.measured_s / raw_s:.1f})")
        print(
            f"{against_tables.line()}  (COPY of the same {sent} rows into the real tables"
            + (f", {len(others)} other writes" if others else "")
            + f"; median of {runs})"
        )
        fresh()
        import_kind(kind, data, by)  # kept: the next kind refers to it
        vacuum(tables, analyze=True)
    check(files, sizes)
    issue = [r for r in results if r.name in ISSUE_KINDS]
    total = sum(r.measured_s for r in issue)
    copies = sum(r.notes["real_tables_ms"] for r in issue) / 1000
    results.append(
        harness.Result(
            TOTAL_NAME,
            [total],
            [TARGET_TOTAL_S],
            target_ratio=1.0,
            rows=sum(sizes.rows(k) for k in ISSUE_KINDS),
            notes={"total_s": round(total, 2), "real_tables_total_s": round(copies, 2), "target_s": TARGET_TOTAL_S},
        )
    )
    print(f"  total of {', '.join(ISSUE_KINDS)}: {total:.1f} s (target < {TARGET_TOTAL_S:.0f} s)")
    return results
