"""Member ledger rows (dues, assessments, fees, payments, adjustments), keyed by LaborPower's
own reference. Ledger rows are never edited: a re-imported reference must match exactly."""

from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError

from members.enums import TransactionKind, TransactionSource
from members.models import Member, MemberTransaction
from unioncore.imports.base import Change, FieldCheck, Kind, Progress, Row, RowError, parse_month
from unioncore.imports.bulk import insert_with_history

FIELD_COLUMNS = {
    "posted_on": "date",
    "kind": "kind",
    "amount": "amount",
    "period": "period",
    "external_ref": "reference",
    "description": "description",
}
COMPARED = ("member_id", "kind", "amount", "posted_on", "period", "description")


@dataclass
class LedgerRecord:
    row: Row
    card_number: str
    fields: dict


class Ledger(Kind):
    name = "ledger"
    # The dues ledger is append-only: only who may add ledger rows (officers, admins) imports them.
    permissions = ("members.add_membertransaction",)
    required = ("card_number", "date", "kind", "amount", "reference")
    optional = ("period", "description")

    def parse(self, row: Row):
        period = None
        if row.raw("period"):
            try:
                period = parse_month(row.raw("period"))
            except ValueError as e:
                row.error("period", str(e))
        fields = {
            "posted_on": row.date("date"),
            "kind": row.choice("kind", TransactionKind),
            "amount": row.money("amount"),
            "period": period,
            "external_ref": row.text("reference", required=True, max_length=64),
            "description": row.text("description", max_length=200) or "",
        }
        card = row.card("card_number")
        return None if row.errors else LedgerRecord(row, card, fields)

    def plan(self, records: list[LedgerRecord], by) -> list[Change]:
        members = {m.card_number: m for m in Member.objects.filter(card_number__in={r.card_number for r in records})}
        existing = {
            t.external_ref: t
            for t in MemberTransaction.objects.filter(
                source=TransactionSource.LABORPOWER, external_ref__in=[r.fields["external_ref"] for r in records]
            )
        }
        seen: dict[str, int] = {}
        changes = []
        check = FieldCheck(MemberTransaction)
        for record in records:
            row, fields = record.row, record.fields
            member = members.get(record.card_number)
            if member is None:
                row.error("card_number", f"No member with card number {record.card_number}: import members first.")
                continue
            ref = fields["external_ref"]
            if ref in seen:
                row.error("reference", f"Reference {ref} is also on line {seen[ref]}.")
                continue
            seen[ref] = row.line
            fields = {**fields, "member_id": member.pk}
            current = existing.get(ref)
            if current is not None:
                differing = [f for f in COMPARED if getattr(current, f) != fields[f]]
                if differing:
                    column = FIELD_COLUMNS.get(differing[0], "card_number")
                    row.error(
                        column,
                        f"Reference {ref} was imported before with other values ({', '.join(differing)}); "
                        "ledger rows are never changed: post a correction instead.",
                    )
                else:
                    changes.append(Change(row.line, "unchanged"))
                continue
            fields = {**fields, "source": TransactionSource.LABORPOWER, "created_by_id": by.pk}
            try:  # the constraints, in Python: one query each per row is what made this slow
                if not check.ok(fields):  # each field once per distinct value; full_clean names the problem
                    MemberTransaction(**fields).full_clean(validate_unique=False, validate_constraints=False)
                _check_constraints(SimpleNamespace(**fields))
            except ValidationError as e:
                row.validation_error(e, FIELD_COLUMNS)
                continue
            changes.append(Change(row.line, "create", instance=fields))
        return changes

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        insert_with_history(
            MemberTransaction, [c.instance for c in changes if c.action == "create"], by=by, tick=progress.advance
        )
        return []


def _check_constraints(row) -> None:
    """members.MemberTransaction's check constraints, for one row."""
    if row.kind == TransactionKind.ADJUSTMENT and row.amount == 0:
        raise ValidationError({"amount": "An adjustment is not zero."})
    if row.kind != TransactionKind.ADJUSTMENT and row.amount <= 0:
        raise ValidationError({"amount": "The amount must be above zero (only an adjustment may be negative)."})
    if row.kind == TransactionKind.DUES and row.period is None:
        raise ValidationError({"period": "A dues charge needs the month it covers."})
    if row.period is not None and row.period.day != 1:
        raise ValidationError({"period": "The period is a month: give its first day."})
