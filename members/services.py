"""Every write to members and their ledger."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.enums import TransactionKind, TransactionSource
from members.errors import MembersError
from members.models import CopeCheckoff, Member, MemberTransaction, Traveler, TravelLetter
from unioncore.audit import system_user
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User, UserKind
from unioncore.records import record_save

MEMBER_FIELDS = (
    "card_number", "first_name", "middle_name", "last_name", "classification", "status", "phone", "email",
    "address_line1", "address_line2", "city", "state", "zip_code", "is_exempt", "exempt_reason",
    "exempt_until", "tribal_affiliation", "user", "notes", "photo",
)  # fmt: skip


def _reject_unknown(fields: dict) -> None:
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"not member fields: {', '.join(sorted(unknown))}")
    if fields.get("photo") is False:  # the console's "clear" box: no photo
        fields["photo"] = ""


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
def member_portal_account(*, member_id: int, by: User) -> User | None:
    """The member's portal account, made when the hall first has something to tell a member who
    never signed in (a job offer, a roll-off): without it the member could neither get the text
    nor open its link. It has no password — the member signs in by a one-time link sent to the
    phone or email on their record. None when the record has neither, or only a phone another
    account already has (a shared phone): there is then nowhere of their own to send to."""
    member = Member.objects.select_for_update().get(pk=member_id)
    if member.user_id:
        return member.user
    phone = member.phone if member.phone and not User.objects.filter(phone=member.phone).exists() else None
    if phone is None and not member.email:
        return None
    username = f"member-{member.card_number}"
    if User.objects.filter(username=username).exists():
        username = f"{username}-{member.pk}"
    user = User(
        username=username, kind=UserKind.MEMBER, first_name=member.first_name, last_name=member.last_name,
        email=member.email, phone=phone,
    )  # fmt: skip
    user.set_unusable_password()
    user._history_user = by
    user.save()
    member.user = user
    member._history_user = by
    member.save(update_fields=["user", "updated_at"])
    return user


def member_to_tell(member: Member) -> User | None:
    """The account a message to the member goes to: theirs, or one made now (the hall acting)."""
    return member.user if member.user_id else member_portal_account(member_id=member.pk, by=system_user())


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
        raise RuleViolation(CommonError.REASON_REQUIRED, "A correction needs a reason.", fields={"reason": "Required."})
    original = MemberTransaction.objects.select_for_update().get(pk=transaction_id)
    if original.corrections.exists():
        raise RuleViolation(MembersError.ALREADY_CORRECTED, f"Ledger row {original.pk} has already been corrected.")
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


# --- The records the reports need (decision 0049): each written whole, checked, with its history ---


DEMOGRAPHIC_FIELDS = ("gender", "race", "birth_date")


@transaction.atomic
def member_demographics_set(*, member_id: int, by: User, **fields):
    """Record a member's gender, race/ethnicity and birth date (officers only: PII, docs/pii.md).
    A birth date in the future or before 1900 is refused."""
    from members.models import MemberDemographics

    born = fields.get("birth_date")
    if born is not None and born > timezone.localdate():
        raise ValidationError({"birth_date": f"{born:%m/%d/%Y} is not a plausible birth date."})
    existing = MemberDemographics.objects.filter(member_id=member_id).values_list("pk", flat=True).first()
    fields = {"member_id": member_id, **fields} if existing is None else fields
    return record_save(
        MemberDemographics, pk=existing, by=by, fields=fields, allowed=("member_id", *DEMOGRAPHIC_FIELDS)
    )


TRAVELER_FIELDS = ("member_id", "home_local", "arrived_on", "left_on", "notes")


@transaction.atomic
def traveler_record(*, by: User, traveler_id: int | None = None, **fields):
    """A member of another local who deposited a travel card here (or the day they left)."""
    return record_save(Traveler, pk=traveler_id, by=by, fields=fields, allowed=TRAVELER_FIELDS)


COPE_FIELDS = ("member_id", "amount", "started_on", "ended_on")


@transaction.atomic
def cope_checkoff_record(*, by: User, checkoff_id: int | None = None, **fields):
    """Start a member's COPE checkoff, or change or end one. A second running one is refused."""
    member_id = fields.get("member_id")
    if member_id is not None:
        Member.objects.select_for_update().get(pk=member_id)  # two desks starting one at once: one wins
    return record_save(CopeCheckoff, pk=checkoff_id, by=by, fields=fields, allowed=COPE_FIELDS)


@transaction.atomic
def travel_letter_issue(*, member_id: int, to_local: str, by: User, issued_on: date | None = None):
    """Record that the hall gave a member a travel letter to another local (made with the letter)."""
    return record_save(
        TravelLetter, pk=None, by=by,
        fields={"member_id": member_id, "to_local": to_local, "issued_on": issued_on or timezone.localdate(),
                "issued_by": by},
        allowed=("member_id", "to_local", "issued_on", "issued_by"),
    )  # fmt: skip
