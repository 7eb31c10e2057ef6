"""LaborPower's employer lists (issue 17, decision 0027): one list per contract group, columns
BOND EXPIRES, ASSENT, NAME, PHONE, FAX, HOME LOCAL, and no employer code. A hall's cut-over export
may hold several lists in one file with a LIST column naming each row's group; a single list has
no such column, and its group is the import's `group` option.

An employer is the one of the same normalised name (`employer_name_key`); a new one gets a code
made from that key (`employer_code_for`). The rows of one employer are merged: its contract codes
are every list it is on; each list's bond and letter of assent, and the employer's phone, fax and
home local, come from its row with the latest bond (a blank bond counts as the oldest; between
equal bonds the later line), a blank value from the next such row that has one. Contract codes
the employer holds but the file does not list are left alone."""

import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dispatch.enums import LABORPOWER_GROUPS, ContractCode
from dispatch.models import Employer, EmployerContract
from unioncore.imports.base import (
    CHANGE_REASON,
    PHONES,
    VALID_PHONES,
    Change,
    FieldCheck,
    Invalid,
    Kind,
    Memo,
    Progress,
    Row,
    RowError,
)
from unioncore.imports.bulk import insert_with_history

CODE_LENGTH = 20  # Employer.code's max_length
CODE_HASH = 6  # hex digits of the key's hash at the end of a made code


# --- who an employer is ---------------------------------------------------------------------


def employer_name_key(name: str) -> str:
    """The name an employer is matched on: Unicode-normalised, case-folded, "&" read as "and",
    periods and apostrophes dropped (L.L.C. = LLC, O'Neil = ONeil), any other run of
    punctuation or spaces one space. "Acme Electric, L.L.C." and "ACME  ELECTRIC LLC" are one
    employer; "Acme Electric Inc" is another."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    text = re.sub(r"[.'\u2019]", "", text)
    return re.sub(r"[\W_]+", " ", text).strip()


def employer_code_for(key: str, attempt: int = 0) -> str:
    """The code a new employer from the lists gets: up to 13 letters and digits of its name key
    and 6 hex digits of the key's SHA-1 ("CEDARPOWER-4F6C4D"). The same key always makes the same
    code (a rehearsal database and the real one agree); `attempt` > 0 makes the next candidate
    when one is taken."""
    stem = re.sub(r"[^0-9A-Z]", "", key.upper())[: CODE_LENGTH - CODE_HASH - 1] or "EMPLOYER"
    digest = hashlib.sha1(f"{key}#{attempt}".encode() if attempt else key.encode()).hexdigest()
    return f"{stem}-{digest[:CODE_HASH].upper()}"


# --- the contract groups ----------------------------------------------------------------------


def _group_spelling(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip()).casefold()


# LaborPower's spelling, our code and our label (any case, spaces collapsed) -> our code.
GROUPS = {
    **{_group_spelling(str(c.label)): c.value for c in ContractCode},
    **{_group_spelling(c.value): c.value for c in ContractCode},
    **{_group_spelling(spelling): code.value for spelling, code in LABORPOWER_GROUPS.items()},
}
KNOWN_GROUPS = ", ".join(LABORPOWER_GROUPS)


def contract_code_of_group(value: str) -> str | None:
    return GROUPS.get(_group_spelling(value))


class GroupField(forms.ChoiceField):
    """A contract group: LaborPower's spelling ("LT FXT MAINT"), our code (LFM) or its label."""

    def to_python(self, value):
        value = super().to_python(value)
        return contract_code_of_group(value) or value if value else ""


class EmployerListOptions(forms.Form):
    group = GroupField(
        required=False,
        choices=[("", "— each row's LIST column —")]
        + [(code.value, f"{spelling} ({code.label})") for spelling, code in LABORPOWER_GROUPS.items()],
        help_text="The list's contract group, for a file of one list (it has no LIST column); "
        "with a LIST column, the group of a row whose LIST is blank.",
    )


# --- the import --------------------------------------------------------------------------------

FIELD_COLUMNS = {"phone": "phone", "fax": "fax", "home_local": "home_local", "name": "name", "code": "name"}
LOCAL = re.compile(r"[0-9]{1,4}")
UNLISTED_SHOWN = 10  # employers named in the warning about those a list leaves out


@dataclass(slots=True)
class ListRow:
    row: Row
    key: str
    name: str
    code: str  # our contract code of the row's list
    bond: datetime.date | None
    values: dict  # employer fields the file has a column for: phone, fax, home_local
    assent: str | None  # None: no ASSENT column

    @property
    def order(self):
        """Later is better: the latest bond, then the later line."""
        return (self.bond or datetime.date.min, self.row.line)


@dataclass
class EmployerPlan:
    key: str
    employer: Employer | None  # None: a new employer
    fields: dict  # a new employer's values, or an existing one's changed fields
    rows: list[ListRow]  # the employer's rows, latest bond first
    contracts_new: list[dict] = field(default_factory=list)
    contracts_changed: list[EmployerContract] = field(default_factory=list)
    pk: int | None = None


def _merged(rows: list[ListRow], pick) -> object:
    """The value of the row with the latest bond that has one (rows sorted latest first)."""
    for r in rows:
        value = pick(r)
        if value not in (None, ""):
            return value
    return pick(rows[0]) if rows else None


PHONE_FIELDS = ("phone", "fax")


def _current(employer: Employer, name: str):
    """An employer's field as the file's values are: a phone as E.164 text, "" when blank."""
    value = getattr(employer, name)
    if name in PHONE_FIELDS:
        return "" if not value else value if isinstance(value, str) else value.as_e164
    return value


def _bulk_update(objects, model, fields, by) -> None:
    bulk_update_with_history(
        objects, model, fields, batch_size=1000, default_user=by, default_change_reason=CHANGE_REASON
    )


class EmployerLists(Kind):
    name = "employer_lists"
    permissions = (
        "dispatch.add_employer", "dispatch.change_employer", "dispatch.add_employercontract",
        "dispatch.change_employercontract",
    )  # fmt: skip
    required = ("name",)
    optional = ("list", "bond_expires", "assent", "phone", "fax", "home_local")
    aliases = {
        "GROUP": "list",
        "LIST NAME": "list",
        "CONTRACT": "list",
        "CONTRACT GROUP": "list",
        "BOND": "bond_expires",
        "BOND EXP": "bond_expires",
        "BOND EXPIRATION": "bond_expires",
        "BOND EXPIRES ON": "bond_expires",
        "LETTER OF ASSENT": "assent",
        "ASSENT LETTER": "assent",
        "EMPLOYER": "name",
        "EMPLOYER NAME": "name",
        "CONTRACTOR": "name",
        "PHONE NUMBER": "phone",
        "TELEPHONE": "phone",
        "FAX NUMBER": "fax",
        "LOCAL": "home_local",
        "HOME LOCAL NUMBER": "home_local",
    }
    options_form = EmployerListOptions

    def prepare(self) -> None:
        self.default_group = (self.options or {}).get("group") or ""
        self.group_missing = "list" not in self.columns and not self.default_group
        self.group_missing_told = False
        # A list names each employer on several rows, and its group on every row: each distinct
        # name and spelling worked out once per import.
        self.name_keys = Memo(employer_name_key)
        self.groups = Memo(contract_code_of_group)

    def parse(self, row: Row):
        if self.group_missing:  # one error for the file (on its first row), not one per row
            if not self.group_missing_told:
                self.group_missing_told = True
                row.error(
                    "list",
                    "The file has no LIST column: choose the list's contract group (the import's group option); "
                    f"LaborPower's lists are {KNOWN_GROUPS}.",
                )
            return None
        raw_group = row.raw("list")
        code = self.groups[raw_group] if raw_group else self.default_group
        if raw_group and code is None:
            row.error("list", f"Unknown list {raw_group!r}; LaborPower's lists are {KNOWN_GROUPS}.")
        elif not code:
            row.error("list", f"Which list? Blank, and no group was chosen for the file; one of {KNOWN_GROUPS}.")
        name = row.text("name", required=True, max_length=120)
        key = self.name_keys[name] if name else ""
        if name and not key:
            row.error("name", "A name needs letters or digits.")
        bond = row.date("bond_expires", required=False, until=True)
        values = {}
        for column in ("phone", "fax"):
            if row.has(column):
                values[column] = self._phone(row, column)
        if row.has("home_local"):
            values["home_local"] = self._local(row)
        assent = None
        if row.has("assent"):
            assent = row.text("assent", max_length=10)
            assent = assent.upper() if assent is not None else None
        if row.errors:
            return None
        return ListRow(row, key, name, code, bond, values, assent)

    @staticmethod
    def _phone(row: Row, column: str) -> str:
        """A phone or fax; one that is no phone number ("(") is imported blank, with a warning."""
        value = PHONES[row.get(column)]
        if value is None:
            return ""
        if value.__class__ is Invalid or not VALID_PHONES.get(value, False):
            row.warn(column, "Not a phone number: imported blank.")
            return ""
        return value

    @staticmethod
    def _local(row: Row) -> str | None:
        value = row.raw("home_local")
        if not value:
            return ""
        if not LOCAL.fullmatch(value):
            row.error("home_local", "A local's number: up to 4 digits (46 or 0046).")
            return None
        return value.zfill(4)

    def plan(self, records: list[ListRow], by) -> list[Change]:
        by_key: dict[str, list[ListRow]] = {}
        for record in records:
            by_key.setdefault(record.key, []).append(record)
        employers = list(Employer.objects.only("id", "code", "name", "name_key", "phone", "fax", "home_local"))
        keyed = {e.name_key: e for e in employers if e.name_key}
        named: dict[str, list[Employer]] = {}
        for e in employers:
            if not e.name_key:
                named.setdefault(employer_name_key(e.name), []).append(e)
        taken_codes = {e.code for e in employers}
        check = FieldCheck(Employer)
        changes = []
        for key, rows in by_key.items():
            rows.sort(key=lambda r: r.order, reverse=True)  # latest bond first
            line_row = min((r.row for r in rows), key=lambda row: row.line)
            first = line_row.line
            self._note_merges(rows)
            employer = keyed.get(key)
            if employer is None:
                same = named.get(key, [])
                if len(same) > 1:
                    codes = ", ".join(sorted(e.code for e in same))
                    line_row.error(
                        "name",
                        f"Several employers in UnionCore have this name (codes {codes}): rename the one that is "
                        "not this employer, then import again.",
                    )
                    continue
                employer = same[0] if same else None
            values = {
                column: _merged(rows, lambda r, c=column: r.values.get(c))
                for column in ("phone", "fax", "home_local")
                if column in rows[0].values
            }
            if employer is None:
                code = self._new_code(key, taken_codes)
                fields = {"code": code, "name": rows[0].name, "name_key": key, **values}
                fields = {f: (v or None) if f in PHONE_FIELDS else v for f, v in fields.items()}
                if not check.ok(fields):
                    try:
                        Employer(**fields).full_clean(validate_unique=False)
                    except ValidationError as e:
                        line_row.validation_error(e, FIELD_COLUMNS)
                        continue
                plan = EmployerPlan(key, None, fields, rows)
            else:
                # A blank (or junk) value never erases what UnionCore holds (a phone staff corrected).
                wanted = {"name_key": key, **{f: v for f, v in values.items() if v}}
                diff = {f: v for f, v in wanted.items() if _current(employer, f) != v}
                plan = EmployerPlan(key, employer, diff, rows)
            changes.append(Change(first, "create" if employer is None else "update", instance=plan))
        # Every contract (a hall has a few thousand): no list of ids as parameters, which SQLite limits.
        matched = {c.instance.employer.pk for c in changes if c.instance.employer is not None}
        contracts: dict[int, dict[str, EmployerContract]] = {}
        holders: dict[str, set[int]] = {}
        for contract in EmployerContract.objects.all():
            holders.setdefault(contract.contract_code, set()).add(contract.employer_id)
            if contract.employer_id in matched:
                contracts.setdefault(contract.employer_id, {})[contract.contract_code] = contract
        self._note_unlisted(records, changes, holders, {e.pk: e.name for e in employers})
        for change in changes:
            plan = change.instance
            held = {} if plan.employer is None else contracts.get(plan.employer.pk, {})
            by_code: dict[str, list[ListRow]] = {}
            for r in plan.rows:  # latest bond first
                by_code.setdefault(r.code, []).append(r)
            for code, rows in sorted(by_code.items()):
                wanted = {"bond_expires": rows[0].bond} if "bond_expires" in self.columns else {}
                if rows[0].assent is not None:
                    wanted["assent"] = _merged(rows, lambda r: r.assent)
                contract = held.get(code)
                if contract is not None:  # as for the employer: a blank never erases
                    wanted = {f: v for f, v in wanted.items() if v}
                if contract is None:
                    plan.contracts_new.append({"contract_code": code, **wanted})
                elif any(getattr(contract, f) != v for f, v in wanted.items()):
                    for f, v in wanted.items():
                        setattr(contract, f, v)
                    plan.contracts_changed.append(contract)
            if plan.employer is not None and not (plan.fields or plan.contracts_new or plan.contracts_changed):
                change.action, change.instance = "unchanged", None
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        plans = [c.instance for c in changes if c.instance is not None]
        new = [p for p in plans if p.employer is None]
        for plan, pk in zip(new, insert_with_history(Employer, [p.fields for p in new], by=by), strict=True):
            plan.pk = pk
        changed = []
        for plan in plans:
            if plan.employer is None:
                continue
            plan.pk = plan.employer.pk
            if plan.fields:
                for name, value in plan.fields.items():
                    setattr(plan.employer, name, value or None if name in PHONE_FIELDS else value)
                changed.append(plan)
        if changed:
            now = timezone.now()
            for plan in changed:
                plan.employer.updated_at = now
            fields = sorted({f for p in changed for f in p.fields} | {"updated_at"})
            _bulk_update([p.employer for p in changed], Employer, fields, by)
        insert_with_history(
            EmployerContract, [{**c, "employer_id": p.pk} for p in plans for c in p.contracts_new], by=by
        )
        old = [c for p in plans for c in p.contracts_changed]
        if old:
            _bulk_update(old, EmployerContract, ["bond_expires", "assent"], by)
        progress.advance(len(plans))
        return []

    @staticmethod
    def _note_unlisted(records, changes, holders: dict[str, set[int]], names: dict[int, str]) -> None:
        """A warning on the first row of each list: the employers that hold its code in UnionCore
        but are not on it (they keep the code; dropping an agreement is for staff to decide)."""
        first: dict[str, Row] = {}
        for record in records:
            if record.code not in first or record.row.line < first[record.code].line:
                first[record.code] = record.row
        listed: dict[str, set[int]] = {}
        for change in changes:
            plan = change.instance
            if plan.employer is not None:
                for r in plan.rows:
                    listed.setdefault(r.code, set()).add(plan.employer.pk)
        for code, row in sorted(first.items(), key=lambda item: item[1].line):
            missing = sorted(names[pk] for pk in holders.get(code, set()) - listed.get(code, set()))
            if missing:
                shown = ", ".join(missing[:UNLISTED_SHOWN]) + (" …" if len(missing) > UNLISTED_SHOWN else "")
                row.warn(
                    "list",
                    f"{len(missing)} employer{'s' if len(missing) != 1 else ''} in UnionCore hold {code} but "
                    f"{'are' if len(missing) != 1 else 'is'} not on this list: left as they are (staff decide "
                    f"whether the agreement ended): {shown}",
                )

    @staticmethod
    def _new_code(key: str, taken: set[str]) -> str:
        attempt = 0
        while (code := employer_code_for(key, attempt)) in taken:
            attempt += 1
        taken.add(code)
        return code

    @staticmethod
    def _note_merges(rows: list[ListRow]) -> None:
        """Warnings on the rows whose values were not all kept (rows sorted latest bond first):
        a repeat within one list, once; another list's row whose phone, fax or home local
        differs from the one kept."""
        lists: dict[str, list[ListRow]] = {}
        for r in rows:
            lists.setdefault(r.code, []).append(r)
        for code, same_list in lists.items():
            kept = same_list[0]
            for r in same_list[1:]:
                r.row.warn(
                    "name",
                    f"Repeated on the {code} list: merged with line {kept.row.line} ({_why(kept)}); this row's "
                    "values are used only where that one is blank.",
                )
        sources = {
            column: next((r for r in rows if r.values.get(column)), None) for column in ("phone", "fax", "home_local")
        }
        for r in rows:
            if lists[r.code][0] is not r:
                continue  # told it was merged
            differ = [
                c for c, source in sources.items() if source not in (None, r) and r.values.get(c) not in (None, "")
                and r.values[c] != source.values[c]
            ]  # fmt: skip
            if differ:
                by_source: dict[int, list[str]] = {}
                for c in differ:
                    by_source.setdefault(sources[c].row.line, []).append(COLUMN_NAMES[c])
                kept = "; ".join(
                    f"{' and '.join(names)} from line {line} ({_source_text(rows, line)})"
                    for line, names in by_source.items()
                )
                r.row.warn(differ[0], f"Not this row's: the employer keeps the {kept}.")


COLUMN_NAMES = {"phone": "phone", "fax": "fax", "home_local": "home local"}


def _why(row: ListRow) -> str:
    """Why this row's values are kept."""
    if row.bond is None:
        return "no bond on these rows; the last of them"
    return f"bond {row.bond:%m/%d/%Y}, the latest"


def _source_text(rows: list[ListRow], line: int) -> str:
    source = next(r for r in rows if r.row.line == line)
    return f"{source.code} list, {_why(source)}"
