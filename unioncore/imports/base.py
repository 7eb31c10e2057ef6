"""What every LaborPower import shares: reading the CSV (Windows-1252 or UTF-8 with a BOM),
LaborPower's value formats, row errors with line and column, and the run itself (validate
every row, then write everything in one transaction or nothing)."""

import csv
import datetime
import functools
import gc
import io
import operator
import re
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.expressions import RawSQL
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record
from tqdm import tqdm

from unioncore.audit import acting_as
from unioncore.dates import RECORD, UNTIL, implausible
from unioncore.errors import RuleViolation
from unioncore.spreadsheets import neutralised

CHANGE_REASON = "LaborPower import"
PROGRESS_FROM = 500  # rows: shorter files get no progress bar
PROGRESS_EVERY = 1000  # rows between two progress reports to a callback

# --- history rows say "LaborPower import" ------------------------------------------------

_reason: ContextVar = ContextVar("laborpower_change_reason", default=None)


@receiver(pre_create_historical_record, dispatch_uid="laborpower_change_reason")
def _stamp_change_reason(sender, history_instance=None, **kwargs):
    reason = _reason.get()
    if reason and history_instance is not None:
        history_instance.history_change_reason = reason


@contextmanager
def change_reason(reason: str = CHANGE_REASON):
    """Every history row written inside this block carries `reason` (services included)."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


# --- errors and results -------------------------------------------------------------------


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class RowError:
    """A note on one line of the file: an error (the file is not imported) or a warning (the
    row is imported; the note tells the staff what was ignored, left blank or flagged)."""

    line: int  # the file's line number (the header is line 1); 0 for the whole file or an option
    column: str
    reason: str
    value: str = ""
    severity: str = ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)  # noted, not blocking
    options: dict = field(default_factory=dict)  # the kind's options, as its form cleaned them

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        return self._outcome() + _warnings_note(self.warnings)

    def _outcome(self) -> str:
        if self.errors:
            lines = sorted({e.line for e in self.errors})
            return f"{len(self.errors)} errors on {len(lines)} lines of {self.rows} rows; nothing written."
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.dry_run:
            return f"Dry run of {self.rows} {self.kind} rows, nothing written. Would be: {counts}."
        if not self.changes:
            return f"Nothing to change: all {self.rows} {self.kind} rows already match the database."
        return f"Imported {self.rows} {self.kind} rows: {counts}."


def _warnings_note(warnings: list[RowError]) -> str:
    if not warnings:
        return ""
    lines = len({w.line for w in warnings})
    return f" {len(warnings)} warning{'s' if len(warnings) != 1 else ''} on {lines} line{'s' if lines != 1 else ''}."


def by_line(notes) -> list[RowError]:
    return sorted(notes, key=lambda e: (e.line, e.column, e.severity))


def write_error_report(errors: list[RowError], out, warnings: list[RowError] = ()) -> None:
    """The rejected rows and the warnings as CSV: line, column, value, reason, severity. The
    value is the file's, as written: neutralised, the staff open this in a spreadsheet."""
    writer = csv.writer(out)
    writer.writerow(["line", "column", "value", "reason", "severity"])
    for e in by_line([*errors, *warnings]):
        writer.writerow(neutralised([e.line, e.column, e.value, e.reason, e.severity]))


# --- reading the file ---------------------------------------------------------------------


CARD = re.compile(r"[0-9]{1,12}")
DIGITS = re.compile(r"[0-9]+")


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def decode(data: bytes) -> tuple[str, str]:
    """The text of an export and the encoding it was in: UTF-8 (with or without a BOM), else
    Windows-1252 (what LaborPower and Access write)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("The file is UTF-16: save it as CSV (UTF-8) or plain CSV (Windows-1252).")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise FileRejected(f"The file starts as UTF-8 but byte {e.start + 3} is not UTF-8.") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as e:
        raise FileRejected(
            f"The file is neither UTF-8 nor Windows-1252 (byte 0x{data[e.start]:02x} at offset {e.start})."
        ) from None


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


class Row:
    """One data line of the file, with parsers that record an error and return None. `fields`
    is the line as the csv module read it; `index` (column -> position) is the file's header,
    shared by all its rows."""

    __slots__ = ("errors", "fields", "index", "line", "warnings")

    def __init__(self, line: int, fields: list[str], index: dict[str, int]):
        self.line = line
        self.fields = fields
        self.index = index
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []

    @property
    def values(self) -> dict[str, str]:
        """The row's known columns (column -> value as written)."""
        return {column: self.get(column) for column in self.index}

    def has(self, column: str) -> bool:
        """Whether the file has this column (an optional column left out leaves its field alone)."""
        return column in self.index

    def get(self, column: str) -> str:
        """The column's value as written (not stripped); "" when the file has no such column."""
        i = self.index.get(column)
        return self.fields[i] if i is not None and i < len(self.fields) else ""

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.line, column, reason, self.get(column)))

    def warn(self, column: str, reason: str) -> None:
        """A note that does not stop the import (a value ignored, left blank, flagged)."""
        self.warnings.append(RowError(self.line, column, reason, self.get(column), WARNING))

    def raw(self, column: str) -> str:
        return self.get(column).strip()

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.raw(column)
        if required and not value:
            self.error(column, "Required.")
            return None
        if max_length and len(value) > max_length:
            self.error(column, f"At most {max_length} characters (this has {len(value)}).")
            return None
        return value

    def card(self, column: str = "card_number") -> str | None:
        return self._memo(column, CARDS)

    def date(self, column: str, *, required: bool = True, until: bool = False) -> datetime.date | None:
        """A date of what happened or is booked; `until`: an end or an expiry, which may lie
        further ahead (each within its plausible range, unioncore.dates)."""
        return self._memo(column, UNTIL_DATES if until else DATES, required=required)

    def moment(self, column: str, *, required: bool = True) -> datetime.datetime | None:
        return self._memo(column, MOMENTS, required=required)

    def apn(self, column: str = "apn") -> Decimal | None:
        return self._memo(column, APNS)

    def money(self, column: str, *, required: bool = True) -> Decimal | None:
        return self._memo(column, AMOUNTS, required=required)

    def _memo(self, column: str, memo: "Memo", *, required: bool = False):
        """The memo's value of a column (None when blank); an Invalid value, or a blank one that
        is `required`, becomes the row's error."""
        value = memo[self.get(column)]
        if value.__class__ is Invalid:
            self.error(column, value.reason)
            return None
        if value is None and required:
            self.error(column, "Required.")
        return value

    def integer(self, column: str, *, default: int | None = None, minimum: int = 0) -> int | None:
        value = self.raw(column)
        if not value:
            return default
        if not DIGITS.fullmatch(value) or int(value) < minimum:
            self.error(column, f"A whole number, {minimum} or more.")
            return None
        return int(value)

    def flag(self, column: str) -> bool | None:
        value = self.raw(column).lower()
        if value in ("", "n", "no", "0", "false", "f"):
            return False
        if value in ("y", "yes", "1", "true", "t", "x"):
            return True
        self.error(column, "Y or N.")
        return None

    def choice(self, column: str, choices, *, default=None, required: bool = True):
        """A TextChoices value, given as its value or its label (any case)."""
        value = self.raw(column)
        if not value:
            if default is not None:
                return default
            if required:
                self.error(column, "Required.")
            return None
        found = _choice_map(choices).get(value.casefold())
        if found is None:
            self.error(column, _unknown_choice(choices))
        return found

    def phone(self, column: str) -> str | None:
        return self._memo(column, PHONES)

    def validation_error(self, error: ValidationError, columns: dict[str, str]) -> None:
        """Record a model's ValidationError, field by field, under the file's column names."""
        for name, messages in error.message_dict.items():
            column = columns.get(name, "row" if name == NON_FIELD_ERRORS else name)
            for message in messages:
                self.error(column, message)


@functools.cache
def _unknown_choice(choices) -> str:
    return f"Unknown value; one of {', '.join(c.value for c in choices)}."


@functools.cache
def choice_memo(choices, default=None) -> "Memo":
    """raw value -> the choice's value; `default` when blank; Invalid when unknown."""

    def find(value: str):
        value = value.strip()
        if not value:
            return default
        found = _choice_map(choices).get(value.casefold())
        return Invalid(_unknown_choice(choices)) if found is None else found

    return Memo(find, shared=True)


@functools.cache
def _choice_map(choices) -> dict[str, str]:
    """casefolded value or label -> value, once per TextChoices class."""
    found = {}
    for choice in choices:
        found.setdefault(str(choice.label).casefold(), choice.value)
        found[choice.value.casefold()] = choice.value
    return found


DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p")


@functools.lru_cache(maxsize=1 << 16)  # a history repeats its dates: parse each once
def parse_date(value: str) -> datetime.date:
    """LaborPower writes 03/15/2025; Access and re-saved files write 2025-03-15."""
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}", value):
        raise ValueError(f"{value} is not a date that exists.")
    raise ValueError(f"{value} is not a date: write 03/15/2025 or 2025-03-15.")


@functools.lru_cache(maxsize=1 << 16)
def parse_moment(value: str) -> datetime.datetime:
    """A date, or a date and a time of day ("03/15/2025 08:30", "2025-03-15T08:30"), in the
    hall's time zone."""
    value = value.strip().replace("T", " ")
    day_text, _, time_text = value.partition(" ")
    day = parse_date(day_text)
    at = datetime.time(0, 0)
    if time_text.strip():
        for fmt in TIME_FORMATS:
            try:
                at = datetime.datetime.strptime(time_text.strip().upper(), fmt).time()
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"{time_text} is not a time of day: write 08:30 or 8:30 AM.")
    return timezone.make_aware(datetime.datetime.combine(day, at))


def parse_month(value: str) -> datetime.date:
    """A dues period: 03/2025, 2025-03, or the first day of the month as a date (a plausible one)."""
    value = value.strip()
    for fmt in ("%m/%Y", "%Y-%m"):
        try:
            month = datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return _plausible(month, RECORD)
    day = _plausible(parse_date(value), RECORD)
    if day.day != 1:
        raise ValueError(f"{value}: a period is a month; write 03/2025 or its first day.")
    return day


def _plausible(found, what: str):
    """A parsed date (or moment) within the plausible range of its kind, else ValueError saying
    the range (decision 0037)."""
    reason = implausible(found.date() if isinstance(found, datetime.datetime) else found, what)
    if reason is not None:
        raise ValueError(reason)
    return found


def bounded(parse, what: str = RECORD):
    """`parse`, whose date must also be plausible for its kind."""
    return lambda value: _plausible(parse(value), what)


# --- each distinct value parsed once --------------------------------------------------------


class Invalid:
    """A value a parser refused, and why (the row error's reason)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


class Memo(dict):
    """`memo[raw]` is `parse(raw)`, computed once per distinct raw value: a cut-over file repeats
    its dates, amounts, card numbers and codes thousands of times. `parse` strips the value
    itself, returns None for a blank and an Invalid for what it refuses."""

    def __init__(self, parse, *, shared: bool = False):
        super().__init__()
        self.parse = parse
        if shared:  # lives across imports: emptied when one starts
            MEMOS.append(self)

    def __missing__(self, raw):
        value = self[raw] = self.parse(raw)
        return value


MEMOS: list[Memo] = []


def forget_values() -> None:
    """Each import starts afresh (the values of the last file, the time zone of this one)."""
    for memo in MEMOS:
        memo.clear()
    VALID_PHONES.clear()


def _parsing(parse):
    """A parser that raises ValueError, as one returning None (blank) or an Invalid."""

    def parsed(raw: str):
        value = raw.strip()
        if not value:
            return None
        try:
            return parse(value)
        except ValueError as e:
            return Invalid(str(e))

    return parsed


def _card(raw: str):
    value = raw.strip()
    return value if CARD.fullmatch(value) else Invalid("A card number is 1 to 12 digits (leading zeros are kept).")


# The referral app's APN parser (referral.services.parse_apn), handed over from its AppConfig.ready():
# the framework imports no domain app, the rules of an APN are the referral app's.
VALUE_PARSERS: dict = {}


def use_parser(name: str, parse) -> None:
    """`parse(text) -> value`, raising RuleViolation or ValueError for a value it refuses: the
    parser of Row.<name>() (today "apn"), given by the app that owns that value's rules."""
    VALUE_PARSERS[name] = parse
    forget_values()


def _apn(raw: str):
    parse = VALUE_PARSERS.get("apn")
    if parse is None:
        raise RuntimeError("No APN parser: the referral app gives it (unioncore.imports.base.use_parser).")
    try:
        return parse(raw.strip())
    except RuleViolation as e:
        return Invalid(e.message)
    except ValueError as e:
        return Invalid(str(e))


CENT = Decimal("0.01")


def _amount(raw: str):
    value = raw.strip().replace("$", "").replace(",", "")
    if not value:
        return None
    if value.startswith("(") and value.endswith(")"):  # accounting negative
        value = "-" + value[1:-1]
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return Invalid("Not an amount: write dollars and cents, like 45.50.")
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        return Invalid("At most 2 decimals (cents).")
    return amount.quantize(CENT)


# A North American number written the usual ways — (206) 555-0134, 206-555-0134, 206.555.0134,
# 2065550134 — is what `phonenumbers.parse(value, "US")` makes of it: country code 1 and the ten
# digits (no national prefix, no leading zero, no extension to strip). Anything else is parsed.
NANP = re.compile(r"(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[-. ]?)([0-9]{3})[-. ]?([0-9]{4})")


def parse_phone(value: str) -> phonenumbers.PhoneNumber:
    """`phonenumbers.parse(value, "US")`, without its general machinery for the usual formats."""
    found = NANP.fullmatch(value)
    if found is not None:
        return phonenumbers.PhoneNumber(country_code=1, national_number=int("".join(filter(None, found.groups()))))
    return phonenumbers.parse(value, "US")


def _phone(raw: str):
    value = raw.strip()
    if not value:
        return None
    try:
        number = parse_phone(value)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return Invalid("Not a phone number.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # The field check needs only whether it is valid: worked out once, here.
    VALID_PHONES[e164] = is_valid_phone(number)
    return e164


def is_valid_phone(number: phonenumbers.PhoneNumber) -> bool:
    """`phonenumbers.is_valid_number`. It first finds the number's region — for +1, the first of
    the regions sharing it whose patterns match, US (which has no leading-digit pattern) when
    the number is a US one — then checks it against that region: a number valid for the US is
    found valid at once, any other is checked the whole way."""
    us = number.country_code == 1 and NANP_MAIN_OPEN
    if us and (_us_fixed_line(number) or phonenumbers.is_valid_number_for_region(number, "US")):
        return True
    return phonenumbers.is_valid_number(number)


def _us_fixed_line(number: phonenumbers.PhoneNumber) -> bool:
    """Whether the number matches the US's general and fixed-line patterns. Most of a hall's
    numbers are US fixed lines; `is_valid_number_for_region(n, "US")` reads the general pattern,
    then eight special-purpose ones (premium, toll free, pager …), then the fixed-line one, and
    calls the number valid as soon as one matches: one that matches the general and the
    fixed-line patterns is valid whatever the eight say (the same verdict, tested), in two
    pattern matches instead of ten."""
    nsn = phonenumbers.national_significant_number(number)
    return _US_GENERAL(nsn) and _US_FIXED_LINE(nsn)


def _desc_matcher(desc):
    """phonenumbers' own test of a number against a PhoneNumberDesc: its possible lengths (when
    it lists any), then its pattern in full."""
    if desc is None:
        return lambda nsn: False
    lengths = frozenset(desc.possible_length)
    pattern = re.compile(desc.national_number_pattern or "")
    return lambda nsn: (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) is not None


_US_METADATA = phonenumbers.PhoneMetadata.metadata_for_region("US")
_US_GENERAL = _desc_matcher(_US_METADATA.general_desc)
_US_FIXED_LINE = _desc_matcher(_US_METADATA.fixed_line)


# is_valid_number_for_region(n, "US") implies is_valid_number(n) while US is the first region of
# +1 and has no leading-digit pattern (region_code_for_number then stops at US for such a number).
NANP_MAIN_OPEN = (
    phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1][0] == "US"
    and phonenumbers.PhoneMetadata.metadata_for_region("US").leading_digits is None
)


VALID_PHONES: dict[str, bool] = {}  # E.164 -> phonenumbers.is_valid_number
PHONES = Memo(_phone, shared=True)
CARDS = Memo(_card, shared=True)
DATES = Memo(_parsing(bounded(parse_date)), shared=True)
UNTIL_DATES = Memo(_parsing(bounded(parse_date, UNTIL)), shared=True)
MOMENTS = Memo(_parsing(bounded(parse_moment)), shared=True)
APNS = Memo(_apn, shared=True)
AMOUNTS = Memo(_amount, shared=True)


def any_invalid(values) -> bool:
    return not _INVALID.isdisjoint(map(type, values))


_INVALID = frozenset({Invalid})


def among(values):
    """`field__in=among(values)`: on PostgreSQL the values as one text array parameter, not one
    placeholder each (4,000 placeholders cost Django and the server more than the query); on
    other databases (the SQLite of `make run`) the plain list."""
    if connection.vendor != "postgresql":
        return list(values)
    return RawSQL("SELECT unnest(%s::text[])", (list(values),))


def picker(columns: dict[str, int], names: tuple[str, ...]):
    """fields -> the values of `names` (in that order; "" for a column the file does not have).
    Only for rows with as many fields as the header (the others are errors already)."""
    positions = [columns.get(name) for name in names]
    if None not in positions:
        return operator.itemgetter(*positions) if len(positions) > 1 else lambda fields: (fields[positions[0]],)
    return lambda fields: tuple("" if i is None else fields[i] for i in positions)


class FieldCheck:
    """What `full_clean(validate_unique=False, validate_constraints=False)` checks of a new row's
    own fields — each field's `clean` (type, length, choices, blank, validators) — once per
    distinct value of a field instead of once per row, without building a model instance.
    `ok(fields)` says whether every given field passes (a field left out takes its default,
    which passes); when it does not, the kind runs `full_clean` on that row for the messages.
    A model with its own `clean()` is never trusted to this (always False)."""

    def __init__(self, model):
        from phonenumber_field.modelfields import PhoneNumberField  # not at import: it loads DRF

        PHONE_FIELDS[model] = {
            f.attname for f in model._meta.concrete_fields if isinstance(f, PhoneNumberField) and _plain_phone_field(f)
        }
        self.trusted = model.clean is models.Model.clean
        self.memos = {
            f.attname: Memo(_refers if f.is_relation else functools.partial(_field_passes, f))
            for f in model._meta.concrete_fields
        }

    def ok(self, fields: dict) -> bool:
        memos = self.memos
        try:
            return self.trusted and all(memos[name][value] for name, value in fields.items())
        except (KeyError, TypeError):  # not a field, or a value that is no dictionary key
            return False


PHONE_FIELDS: dict[type, set[str]] = {}  # the phone fields whose clean is VALID_PHONES (and the length)
E164_MAX = 16  # "+" and at most 15 digits


def _plain_phone_field(field) -> bool:
    """Whether the field's clean checks only what the phonenumber_field's own does: a valid
    number (`is_valid_number`) of at most max_length characters, no choices."""
    from django.core.validators import MaxLengthValidator
    from phonenumber_field.validators import validate_international_phonenumber

    kinds = [v if v is validate_international_phonenumber else type(v) for v in field.validators]
    return (
        sorted(map(repr, kinds)) == sorted(map(repr, [validate_international_phonenumber, MaxLengthValidator]))
        and (field.max_length or 0) >= E164_MAX
        and not field.choices
    )


def _refers(value) -> bool:
    """A foreign key: the kind's plan found the row it refers to (full_clean would query it)."""
    return True


def _field_passes(field: models.Field, value) -> bool:
    if field.blank and value in field.empty_values:
        return True  # as Model.clean_fields: a blank value of a field that may be blank
    if field.attname in PHONE_FIELDS.get(field.model, ()) and value in VALID_PHONES:
        # PhoneNumberField.clean of a number the file gave: its validators are "a valid number"
        # and at most max_length characters of its E.164 text (checked at FieldCheck()).
        return VALID_PHONES[value]
    try:
        field.clean(value, None)
    except ValidationError:
        return False
    return True


# --- the run ------------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    line: int
    action: str  # "create" | "update" | "unchanged"
    instance: object = None  # what the kind's write needs: a validated new row, or a row and its changes


class Progress:
    """Where an import is: a tqdm bar with rate and ETA in a terminal, and/or a callback
    `on_progress(phase, done, total)` (the admin page's import job) at most every `every` rows."""

    def __init__(self, *, bar: bool = False, on_progress=None, every: int = PROGRESS_EVERY):
        self.bar_wanted, self.on_progress, self.every = bar, on_progress, every
        self.bar = None
        self.phase, self.done, self.total, self.reported = "", 0, 0, 0

    def start(self, phase: str, total: int) -> None:
        self.close()
        self.phase, self.done, self.total, self.reported = phase, 0, total, 0
        if self.bar_wanted and total >= PROGRESS_FROM:
            self.bar = tqdm(total=total, desc=phase, unit="row")
        self._report()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.done - self.reported >= self.every or self.done >= self.total:
            self._report()

    def _report(self) -> None:
        self.reported = self.done
        if self.on_progress is not None:
            self.on_progress(self.phase, self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Kind:
    """One kind of file. Subclasses give the columns, a row parser, a planner and a writer.

    `aliases` maps another spelling of a header (LaborPower's "REG. DATE & TIME", written as
    in the file or as its key `reg_date_time`) to the kind's column name (`registered`).
    `options_form` is a django Form of the kind's options (a date to count from, a switch…):
    its cleaned_data is `self.options` before `prepare()`; the command's `--option name=value`
    and the admin upload page are validated by it."""

    name = ""
    columns: dict[str, int] = {}  # the file's header (column -> position), set before prepare()
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    aliases: dict[str, str] = {}
    options_form = None  # type[django.forms.Form] | None
    options: dict = {}  # the cleaned options of this run, set before prepare()
    # What the acting user needs (decision 0037): to import a file of this kind (confirm it on
    # the admin page, the command without --dry-run), and to check one (its dry run). Every kind
    # declares `permissions`; `check_permissions` left empty are the same.
    permissions: tuple[str, ...] = ()
    check_permissions: tuple[str, ...] = ()

    def prepare(self) -> None:
        """Load what parsing looks up (the books, …) once per file."""

    def parse(self, row: Row):  # -> a record, or None when the row has errors
        raise NotImplementedError

    def plan(self, records: list, by) -> list[Change]:
        """Compare records (each has .row) with the database in a constant number of queries;
        record row errors on the rows. Nothing is written here."""
        raise NotImplementedError

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        """Write the planned changes (in bulk, with their history rows naming `by`). Returns the
        row errors the database found (a row raced in since the plan); any error → nothing kept."""
        raise NotImplementedError

    def notes(self) -> list[RowError]:
        """What the whole run should say besides its rows (line 0, as warnings): a default it
        chose, say. Asked once its plan is made."""
        return []

    def column_of(self, key: str) -> str:
        """The kind's column for a header key (its alias, if it has one)."""
        return _alias_map(self).get(key, key)


def _alias_map(kind: Kind) -> dict[str, str]:
    return {header_key(spelling): column for spelling, column in kind.aliases.items()}


# --- options --------------------------------------------------------------------------------


def options_data(kind: Kind, given: dict | None) -> dict:
    """The data the kind's options form is bound to: what was given, and each field's initial
    value (its default) for what was not. JSON-safe (dates as ISO text), so that a job stores
    what its dry run used and its import uses exactly that."""
    if kind.options_form is None:
        return dict(given or {})
    form = kind.options_form()
    data = {}
    for name, bound in form.fields.items():
        value = given[name] if given and name in given else form.get_initial_for_field(bound, name)
        data[name] = _jsonable(value)
    for name, value in (given or {}).items():
        data.setdefault(name, _jsonable(value))
    return data


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    return str(value)


def clean_options(kind: Kind, given: dict | None) -> tuple[dict, list[RowError]]:
    """The kind's options, cleaned by its form (defaults for what is not given), or the errors
    (line 0, column "option NAME"): an unknown option, a value the form refuses."""
    if kind.options_form is None:
        unknown = sorted(given or {})
        return {}, [RowError(0, f"option {n}", f"The {kind.name} import takes no options.") for n in unknown]
    data = options_data(kind, given)
    form = kind.options_form(data=data)
    errors = [
        RowError(0, f"option {name}", f"Unknown option; one of {', '.join(form.fields)}.", str(data[name]))
        for name in data
        if name not in form.fields
    ]
    if not form.is_valid():
        for name, messages in form.errors.items():
            value = "" if data.get(name) is None else str(data.get(name))
            errors += [RowError(0, f"option {name}" if name != "__all__" else "options", m, value) for m in messages]
    return ({} if errors else form.cleaned_data), errors


# What one file may hold (decision 0039): well above any LaborPower export (at most 14 columns,
# fields of at most 200 characters, the cut-over's 200,000 dispatches), far below what holds a
# worker for minutes. Settings: LABORPOWER_IMPORT_MAX_COLUMNS, _MAX_FIELD_CHARS, _MAX_ROWS.
MAX_COLUMNS = 200
MAX_FIELD_CHARS = 4000
MAX_ROWS = 1_000_000
VALUE_SHOWN = 80  # characters of an over-long value kept in the report


@dataclass(frozen=True)
class Limits:
    columns: int = MAX_COLUMNS
    field_chars: int = MAX_FIELD_CHARS
    rows: int = MAX_ROWS

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            columns=getattr(settings, "LABORPOWER_IMPORT_MAX_COLUMNS", MAX_COLUMNS),
            field_chars=getattr(settings, "LABORPOWER_IMPORT_MAX_FIELD_CHARS", MAX_FIELD_CHARS),
            rows=getattr(settings, "LABORPOWER_IMPORT_MAX_ROWS", MAX_ROWS),
        )


def _shown(value: str) -> str:
    """An over-long value as the report keeps it: its start (and a NUL shown as ␀)."""
    return shown(value if len(value) <= VALUE_SHOWN else value[:VALUE_SHOWN] + "…")


def _too_long(line: int, fields: list[str], names: list[str], limit: int) -> RowError:
    position = max(range(len(fields)), key=lambda i: len(fields[i]))
    name = names[position] if position < len(names) and names[position] else f"column {position + 1}"
    reason = f"A field of {len(fields[position])} characters; at most {limit} (LABORPOWER_IMPORT_MAX_FIELD_CHARS)."
    return RowError(line, name, reason, _shown(fields[position]))


def read_rows(data: bytes, kind: Kind) -> tuple[list[Row], list[RowError], list[RowError]]:
    """The file's rows, the errors of the whole file, and its warnings (unknown columns, ignored).
    Linear in the file's size; a file beyond the limits (columns, a field's length, rows) is
    refused with the limit named, before anything else is checked."""
    limits = Limits.from_settings()
    try:
        text, _encoding = decode(data)
    except FileRejected as e:
        return [], [RowError(0, "file", str(e))], []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "header", "The file is empty.")], []
    except csv.Error as e:
        return [], [RowError(1, "header", f"Not a CSV file: {e}.")], []
    if len(header) > limits.columns:
        reason = (
            f"The header has {len(header)} columns; at most {limits.columns} (LABORPOWER_IMPORT_MAX_COLUMNS): "
            "is this the right file?"
        )
        return [], [RowError(1, "header", reason, _shown(",".join(header[:5])))], []
    if max(map(len, header), default=0) > limits.field_chars:
        return [], [_too_long(1, header, header, limits.field_chars)], []
    nul = "\x00" in text  # once over the whole file: the dry run finds what the database would refuse
    if nul and any("\x00" in h for h in header):
        return [], [RowError(1, "header", NUL_REASON, shown(",".join(header)))], []
    columns = [kind.column_of(header_key(h)) for h in header]
    errors, warnings = [], []
    known = set(kind.required) | set(kind.optional)
    for missing in [c for c in kind.required if c not in columns]:
        errors.append(RowError(1, missing, "Missing column."))
    for position, extra in enumerate(columns):
        if extra not in known:
            name = extra or f"(blank, column {position + 1})"
            warnings.append(RowError(1, name, "Unknown column, ignored.", header[position], WARNING))
    counts = Counter(columns)
    for dup in sorted(c for c, n in counts.items() if n > 1 and c in known):
        errors.append(RowError(1, dup, "Column given twice (or under two spellings)."))
    if errors:
        return [], errors, warnings
    rows = []
    index = {c: i for i, c in enumerate(columns) if c in known}
    width, longest = len(columns), limits.field_chars
    try:
        for values in reader:
            if not "".join(values).strip():
                continue
            if len(rows) == limits.rows:
                reason = f"More than {limits.rows} rows; at most {limits.rows} (LABORPOWER_IMPORT_MAX_ROWS): split it."
                return [], [RowError(reader.line_num, "file", reason)], warnings
            row = Row(reader.line_num, values, index)
            if len(values) != width:
                row.error("row", f"{len(values)} fields where the header has {width}.")
                if len(values) > limits.columns:
                    row.fields = values = values[:width]  # the report needs no more of them
            elif nul:
                _find_nul(row, columns)
            if max(map(len, values), default=0) > longest:
                row.errors.append(_too_long(row.line, values, header, longest))
            rows.append(row)
    except csv.Error as e:
        errors.append(RowError(reader.line_num, "row", f"Unreadable CSV: {e}."))
    return rows, errors, warnings


NUL_REASON = "A NUL character (byte 0): no text holds one, the export is damaged here. Remove it and upload again."


def shown(value: str) -> str:
    """A file's value as the report shows it: a NUL as the symbol ␀ (no text column, JSON
    included, stores the character itself)."""
    return value.replace("\x00", "\u2400")


def _find_nul(row: Row, columns: list[str]) -> None:
    """Each field of the row holding a NUL character is its error (PostgreSQL would refuse it at
    the import: found here, on the dry run as on the import)."""
    for position, value in enumerate(row.fields):
        if "\x00" in value:
            column = columns[position] or f"(blank, column {position + 1})"
            row.errors.append(RowError(row.line, column, NUL_REASON, shown(value)))


COUNTERS = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def run_import(
    kind: Kind,
    data: bytes,
    *,
    by,
    dry_run: bool = False,
    options: dict | None = None,
    progress: bool = False,
    on_progress=None,
) -> ImportReport:
    """Validate every row; then, unless it is a dry run or a row is wrong, write it all in one
    transaction. History rows name `by` and say "LaborPower import". `options` are the kind's
    (validated by its options_form; a bad one is an error of the report and nothing is read).
    `progress` shows bars in a terminal; `on_progress(phase, done, total)` is called every
    PROGRESS_EVERY rows."""
    collecting = gc.isenabled()
    # The import holds every row in memory: the collector's passes over hundreds of thousands
    # of live objects cost a third of a large import. The few cycles made are collected after.
    gc.disable()
    try:
        return _run(kind, data, by=by, dry_run=dry_run, options=options, progress=progress, on_progress=on_progress)
    finally:
        if collecting:
            gc.enable()


def _run(kind: Kind, data: bytes, *, by, dry_run: bool, options, progress: bool, on_progress) -> ImportReport:
    report = ImportReport(kind=kind.name, dry_run=dry_run)
    cleaned, option_errors = clean_options(kind, options)
    if option_errors:
        report.errors.extend(option_errors)
        return report
    report.options = cleaned
    rows, file_errors, file_warnings = read_rows(data, kind)
    report.rows = len(rows)
    report.errors.extend(file_errors)
    report.warnings.extend(file_warnings)
    if file_errors and not rows:
        return report
    tracker = Progress(bar=progress, on_progress=on_progress)
    forget_values()
    try:
        kind.columns = rows[0].index if rows else {}
        kind.options = cleaned
        kind.prepare()
        tracker.start(f"checking {kind.name}", len(rows))
        records = []
        parse = kind.parse
        for start in range(0, len(rows), PROGRESS_EVERY):
            chunk = rows[start : start + PROGRESS_EVERY]
            for row in chunk:
                if not row.errors:
                    record = parse(row)
                    if record is not None and not row.errors:
                        records.append(record)
            tracker.advance(len(chunk))
        with transaction.atomic(), acting_as(by), change_reason():
            changes = kind.plan(records, by)
            report.errors.extend(e for row in rows for e in row.errors)
            report.warnings.extend(w for row in rows for w in row.warnings)
            report.warnings.extend(kind.notes())
            if report.errors:
                return report
            counts = Counter(change.action for change in changes)
            for action, counter in COUNTERS.items():
                setattr(report, counter, counts[action])
            if dry_run:
                transaction.set_rollback(True)
                return report
            tracker.start(f"writing {kind.name}", report.changes)
            try:
                with transaction.atomic():
                    report.errors.extend(kind.write(changes, by, tracker))
                    # The foreign keys are checked at commit: check them here, where a
                    # violation is the file's error and not a crash of the commit.
                    connection.check_constraints()
            except IntegrityError as e:
                report.errors.append(RowError(0, "file", f"The database refused the import: {e}".strip()))
            if report.errors:
                transaction.set_rollback(True)
                return report
            report.written = True
    finally:
        tracker.close()
    return report
