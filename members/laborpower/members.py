"""Members: one row per member, keyed by card number (kept as text, leading zeros and all)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from members.enums import Classification, MemberStatus, Region
from members.models import Member
from members.selectors import REGION_SPELLINGS, home_local_of
from unioncore.imports.base import CHANGE_REASON, Change, FieldCheck, Kind, Progress, Row, RowError, among
from unioncore.imports.bulk import insert_with_history

# file column -> Member field
COLUMNS = {
    "card_number": "card_number",
    "last_name": "last_name",
    "first_name": "first_name",
    "middle_name": "middle_name",
    "classification": "classification",
    "status": "status",
    "phone": "phone",
    "email": "email",
    "address": "address_line1",
    "address_2": "address_line2",
    "city": "city",
    "state": "state",
    "zip": "zip_code",
    "home_local": "home_local",
    "region": "preferred_region",
}
FIELD_COLUMNS = {f: c for c, f in COLUMNS.items()}


@dataclass
class MemberRecord:
    row: Row
    fields: dict


def _current(member: Member, name: str):
    value = getattr(member, name)
    if name == "phone":
        return value.as_e164 if value else None
    return value


class Members(Kind):
    name = "members"
    permissions = ("members.add_member", "members.change_member")
    required = ("card_number", "last_name", "first_name", "classification")
    optional = (
        "middle_name", "status", "phone", "email", "address", "address_2", "city", "state", "zip", "home_local",
        "region",
    )  # fmt: skip
    aliases = {"LOCAL": "home_local"}  # LaborPower's name for the home local

    def parse(self, row: Row):
        fields = {
            "card_number": row.card("card_number"),
            "last_name": row.text("last_name", required=True, max_length=60),
            "first_name": row.text("first_name", required=True, max_length=60),
            "middle_name": row.text("middle_name", max_length=60),
            "classification": row.choice("classification", Classification),
            "status": row.choice("status", MemberStatus, default=MemberStatus.ACTIVE),
            "phone": row.phone("phone"),
            "email": row.text("email"),
            "address_line1": row.text("address", max_length=120),
            "address_line2": row.text("address_2", max_length=120),
            "city": row.text("city", max_length=60),
            "state": (row.text("state", max_length=2) or "").upper(),
            "zip_code": row.text("zip", max_length=10),
            "home_local": home_local_of(row.raw("home_local")),
            "preferred_region": REGION_SPELLINGS.get(row.raw("region").casefold())
            or row.choice("region", Region, required=False)
            or "",
        }
        # Only the columns the file has: a file without a phone column leaves phones alone.
        fields = {f: v for f, v in fields.items() if row.has(FIELD_COLUMNS[f])}
        return None if row.errors else MemberRecord(row, fields)

    def write(self, changes: list[Change], by, progress: Progress) -> list[RowError]:
        """New members by COPY, changed ones in bulk updates, each with its history row. Every
        row was checked by `plan` as member_create checks it (card numbers unique in the file and
        not in the database, the table locked meanwhile)."""
        new = [c.instance for c in changes if c.action == "create"]
        insert_with_history(Member, new, by=by, tick=progress.advance)
        changed = [c.instance for c in changes if c.action == "update"]
        if changed:
            now = timezone.now()
            for member in changed:
                member.updated_at = now
            fields = sorted({f for member in changed for f in member._import_diff} | {"updated_at"})
            bulk_update_with_history(
                changed, Member, fields, batch_size=1000, default_user=by, default_change_reason=CHANGE_REASON
            )
            progress.advance(len(changed))
        return []

    def plan(self, records: list[MemberRecord], by) -> list[Change]:
        if connection.vendor == "postgresql":  # no enrolment may slip in between this check and the insert
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Member._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        # Elsewhere (the SQLite of `make run`: one writer at a time) a card number enrolled
        # meanwhile would meet the unique constraint: the import's error, nothing written.
        seen: dict[str, int] = {}
        existing = {
            m.card_number: m
            for m in Member.objects.filter(card_number__in=among(r.fields["card_number"] for r in records))
        }
        changes = []
        check = FieldCheck(Member)
        for record in records:
            row, fields = record.row, record.fields
            card = fields["card_number"]
            if card in seen:
                row.error("card_number", f"Card number {card} is also on line {seen[card]}.")
                continue
            seen[card] = row.line
            member = existing.get(card)
            if member is None:
                # The constraints (card digits, E.164 phone, exemption) hold by parsing; the
                # fields are checked once per distinct value, and by full_clean for the messages.
                if not check.ok(fields):
                    try:
                        Member(**fields).full_clean(validate_unique=False, validate_constraints=False)
                    except ValidationError as e:
                        row.validation_error(e, FIELD_COLUMNS)
                        continue
                changes.append(Change(row.line, "create", instance=fields))
                continue
            diff = {f: v for f, v in fields.items() if _current(member, f) != v}
            if not diff:
                changes.append(Change(row.line, "unchanged"))
                continue
            for name, value in diff.items():
                setattr(member, name, value)
            try:
                member.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as e:
                row.validation_error(e, FIELD_COLUMNS)
                continue
            member._import_diff = diff
            changes.append(Change(row.line, "update", instance=member))
        return changes
