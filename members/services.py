"""Every write to members and their ledger."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.enums import TransactionKind, TransactionSource
from members.models import Member, MemberTransaction
from unioncore.errors import RuleViolation
from unioncore.models import User

MEMBER_FIELDS = (
    "card_number", "first_name", "middle_name", "last_name", "classification", "status", "phone", "email",
    "address_line1", "address_line2", "city", "state", "zip_code", "is_exempt", "exempt_reason",
    "exempt_until", "tribal_affiliation", "user", "notes",
)  # fmt: skip


def _reject_unknown(fields: dict) -> None:
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"not member fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def member_create(*, by: User, **fields) -> Member:
    """Enrol a member. Raises ValidationError (field by field) for a duplicate card number, a
    malformed phone or an exemption without a reason; nothing is written then."""
    _reject_unknown(fields)
    member = Member(**fields)
    member.full_clean()
    member._history_user = by
    member.save()
    return member


@transaction.atomic
def member_update(*, member_id: int, by: User, **fields) -> Member:
    _reject_unknown(fields)
    member = Member.objects.select_for_update().get(pk=member_id)
    for name, value in fields.items():
        setattr(member, name, value)
    if not member.is_exempt:  # turning the exemption off clears what qualified it
        member.exempt_reason, member.exempt_until = "", None
    member.full_clean()
    member._history_user = by
    member.save()
    return member


@transaction.atomic
def ledger_post(
    *,
    member_id: int,
    by: User,
    kind: str,
    amount,
    posted_on: date,
    period: date | None = None,
    description: str = "",
    source: str = TransactionSource.MANUAL,
    external_ref: str = "",
) -> MemberTransaction:
    """Add one row to a member's ledger."""
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise ValidationError({"amount": "The amount must be a number of dollars and cents, like 45.50."}) from None
    row = MemberTransaction(
        member_id=member_id,
        kind=kind,
        amount=amount,
        posted_on=posted_on,
        period=period,
        description=description,
        source=source,
        external_ref=external_ref,
        created_by=by,
    )
    row.full_clean()
    row._history_user = by
    row.save()
    return row


@transaction.atomic
def ledger_correct(*, transaction_id: int, by: User, reason: str) -> MemberTransaction:
    """Cancel a ledger row with an adjusting row of the opposite amount; the original stays."""
    if not reason.strip():
        raise RuleViolation("reason_required", "A correction needs a reason.", fields={"reason": "Required."})
    original = MemberTransaction.objects.select_for_update().get(pk=transaction_id)
    if original.corrections.exists():
        raise RuleViolation("already_corrected", f"Ledger row {original.pk} has already been corrected.")
    row = MemberTransaction(
        member_id=original.member_id,
        kind=TransactionKind.ADJUSTMENT,
        amount=-original.signed_amount,
        posted_on=timezone.localdate(),
        period=original.period,
        description=f"Correction of row {original.pk}: {reason.strip()}"[:200],
        corrects=original,
        created_by=by,
    )
    row.full_clean()
    row._history_user = by
    row.save()
    return row


@transaction.atomic
def members_expire_exemptions(*, today: date, by: User) -> int:
    """Turn off global exemptions whose end date has passed. Safe to run twice."""
    expired = list(Member.objects.select_for_update().filter(is_exempt=True, exempt_until__lt=today))
    for member in expired:
        member.is_exempt, member.exempt_reason, member.exempt_until = False, "", None
        member._history_user = by
        member._change_reason = "Exemption ended"
        member.save()
    return len(expired)


@transaction.atomic
def member_skill_grant(*, member_id: int, skill_id: int, by: User, expires_on: date | None = None):
    """Record that a member holds a skill (or renew its expiry)."""
    from members.models import MemberSkill

    held = MemberSkill.objects.select_for_update().filter(member_id=member_id, skill_id=skill_id).first()
    if held is None:
        held = MemberSkill(member_id=member_id, skill_id=skill_id)
    elif held.expires_on == expires_on:
        return held
    held.expires_on = expires_on
    held._history_user = by
    held.save()
    return held
