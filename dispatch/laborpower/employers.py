"""Employers: one row per employer, keyed by LaborPower's employer code, with its contract codes
(";"-separated) and one contact (matched by name)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from dispatch.enums import ContractCode, EmployerStatus
from dispatch.models import Employer, EmployerContact, EmployerContract
from unioncore.imports.base import CHANGE_REASON, Change, FieldCheck, Kind, Progress, Row, RowError, among
from unioncore.imports.bulk import insert_with_history

COLUMNS = {
    "employer_code": "code",
    "name": "name",
    "status": "status",
    "phone": "phone",
    "email": "email",
    "address": "address_line1",
    "city": "city",
    "state": "state",
    "zip": "zip_code",
}
FIELD_COLUMNS = {f: c for c, f in COLUMNS.items()}
CONTACT_COLUMNS = {"contact_name": "name", "contact_title": "title", "contact_phone": "phone", "contact_email": "email"}
CONTACT_FIELD_COLUMNS = {f: c for c, f in CONTACT_COLUMNS.items()}


@dataclass
class EmployerRecord:
    row: Row
    fields: dict
    contracts: set[str] | None  # None: the file has no contract column
    contact: dict | None


def _phone(value):
    """A phone field's value as the file's values are (E.164 text), None when blank."""
    if value is None or isinstance(value, str):
        return value or None
    return value.as_e164


class Employers(Kind):
    name = "employers"
    permissions = (
        "dispatch.add_employer", "dispatch.change_employer", "dispatch.add_employercontract",
        "dispatch.add_employercontact", "dispatch.change_employercontact",
    )  # fmt: skip
    required = ("employer_code", "name")
    optional = ("status", "phone", "email", "address", "city", "state", "zip", "contract_codes", *CONTACT_COLUMNS)

    def parse(self, row: Row):
        fields = {
            "code": row.text("employer_code", required=True, max_length=20),
            "name": row.text("name", required=True, max_length=120),
            "status": row.choice("status", EmployerStatus, default=EmployerStatus.ACTIVE),
            "phone": row.phone("phone"),
            "email": row.text("email"),
            "address_line1": row.text("address", max_length=120),
            "city": row.text("city", max_length=60),
            "state": (row.text("state", max_length=2) or "").upper(),
            "zip_code": row.text("zip", max_length=10),
        }
        fields = {f: v for f, v in fields.items() if row.has(FIELD_COLUMNS[f])}
        contracts = None
        if row.has("contract_codes"):
            contracts = set()
            by_value = {c.value.casefold(): c.value for c in ContractCode}
            for token in filter(None, (t.strip() for t in row.raw("contract_codes").split(";"))):
                if token.casefold() not in by_value:
                    row.error(
                        "contract_codes", f"Unknown contract code {token!r}; one of {', '.join(ContractCode.values)}."
                    )
                else:
                    contracts.add(by_value[token.casefold()])
        contact = None
        if row.raw("contact_name"):
            contact = {
                "name": row.text("contact_name", max_length=120),
                "title": row.text("contact_title", max_length=80),
                "phone": row.phone("contact_phone"),
                "email": row.text("contact_email"),
            }
        elif any(row.raw(c) for c in CONTACT_COLUMNS):
            row.error("contact_name", "A contact's title, phone or email needs the contact's name.")
        return None if row.errors else EmployerRecord(row, fields, contracts, contact)

    def plan(self, records: list[EmployerRecord], by) -> list[Change]:
        codes = [r.fields["code"] for r in records]
        existing = {
            e.code: e for e in Employer.objects.filter(code__in=among(codes)).prefetch_related("contracts", "contacts")
        }
        seen: dict[str, int] = {}
        changes = []
        employer_check, contact_check = FieldCheck(Employer), FieldCheck(EmployerContact)
        for record in records:
            row = record.row
            code = record.fields["code"]
            if code in seen:
                row.error("employer_code", f"Employer code {code} is also on line {seen[code]}.")
                continue
            seen[code] = row.line
            employer = existing.get(code)
            is_new = employer is None
            if is_new:
                # A new employer stays the file's values (its row is written from them); an
                # instance is built only for full_clean's messages.
                diff = record.fields
                if not employer_check.ok(diff):
                    try:
                        Employer(**diff).full_clean(validate_unique=False)
                    except ValidationError as e:
                        row.validation_error(e, FIELD_COLUMNS)
                        continue
            else:
                diff = {
                    f: v
                    for f, v in record.fields.items()
                    if (_phone(getattr(employer, f)) if f == "phone" else getattr(employer, f)) != v
                }
                for name, value in diff.items():
                    setattr(employer, name, value)
                try:
                    employer.full_clean(validate_unique=False)
                except ValidationError as e:
                    row.validation_error(e, FIELD_COLUMNS)
                    continue
            held = set() if is_new else {c.contract_code for c in employer.contracts.all()}
            add = remove = set()
            if record.contracts is not None:
                add, remove = record.contracts - held, held - record.contracts
            contact, contact_diff = None, {}
            if record.contact:
                if not is_new:
                    contact = next((c for c in employer.contacts.all() if c.name == record.contact["name"]), None)
                if contact is None:  # a new contact: its values, as a new employer's
                    contact_diff = contact = record.contact
                    if not contact_check.ok(contact):
                        try:
                            EmployerContact(**contact).full_clean(exclude=["employer"])
                        except ValidationError as e:
                            row.validation_error(e, CONTACT_FIELD_COLUMNS)
                            continue
                else:
                    contact_diff = {
                        f: v
                        for f, v in record.contact.items()
                        if (_phone(getattr(contact, f)) if f == "phone" else getattr(contact, f)) != v
                    }
                    for name, value in contact_diff.items():
                        setattr(contact, name, value)
                    try:
                        contact.full_clean(exclude=["employer"])
                    except ValidationError as e:
                        row.validation_error(e, CONTACT_FIELD_COLUMNS)
                        continue
            if not (diff or add or remove or contact_diff):
                changes.append(Change(row.line, "unchanged"))
                continue
            action = "create" if is_new else "update"
            plan = EmployerPlan(
                employer if not is_new else diff, is_new, set(diff), add, remove, contact if contact_diff else None
            )
            changes.append(Change(row.line, action, instance=plan))
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        plans = [c.instance for c in changes if c.instance is not None]
        new = [p for p in plans if p.is_new]
        for plan, pk in zip(new, insert_with_history(Employer, [p.employer for p in new], by=by), strict=True):
            plan.pk = pk
        changed = [p.employer for p in plans if not p.is_new and p.fields]
        for plan in plans:
            if not plan.is_new:
                plan.pk = plan.employer.pk
        if changed:
            now = timezone.now()
            for employer in changed:
                employer.updated_at = now
            fields = sorted({f for p in plans if not p.is_new for f in p.fields} | {"updated_at"})
            _bulk_update(changed, Employer, fields, by)
        contracts = [{"employer_id": p.pk, "contract_code": code} for p in plans for code in sorted(p.add)]
        insert_with_history(EmployerContract, contracts, by=by)
        for plan in (p for p in plans if p.remove):  # codes no longer held: rare, one by one ("-" history rows)
            for row in EmployerContract.objects.filter(employer_id=plan.pk, contract_code__in=plan.remove):
                row._history_user = by
                row.delete()
        new_contacts = [{**p.contact, "employer_id": p.pk} for p in plans if isinstance(p.contact, dict)]
        insert_with_history(EmployerContact, new_contacts, by=by)
        old_contacts = [p.contact for p in plans if isinstance(p.contact, EmployerContact)]
        if old_contacts:
            _bulk_update(old_contacts, EmployerContact, ["name", "title", "phone", "email"], by)
        progress.advance(len(plans))
        return []


@dataclass
class EmployerPlan:
    employer: Employer | dict  # an existing employer, changed; or a new one's values (attname -> value)
    is_new: bool
    fields: set[str]  # changed fields of an existing employer
    add: set[str]
    remove: set[str]
    contact: EmployerContact | dict | None  # an existing contact, changed; a new one's values; or none
    pk: int | None = None  # the employer's id, once written


def _bulk_update(objects, model, fields, by) -> None:
    bulk_update_with_history(
        objects, model, fields, batch_size=1000, default_user=by, default_change_reason=CHANGE_REASON
    )
