from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, F, Q, When
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from members.enums import (
    CHARGE_KINDS,
    Classification,
    ExemptReason,
    MemberStatus,
    Region,
    TransactionKind,
    TransactionSource,
)
from unioncore.audit import history_user

CARD_NUMBER = r"^[0-9]{1,12}$"


class Member(models.Model):
    """A union member (never a JATC student: those are a different thing and never merged)."""

    # Text, not a number: LaborPower card numbers keep their leading zeros.
    card_number = models.CharField(
        max_length=12,
        unique=True,
        validators=[RegexValidator(CARD_NUMBER, "A card number is 1 to 12 digits.")],
        error_messages={"unique": "Another member already has this card number."},
    )
    first_name = models.CharField(max_length=60)
    middle_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60)
    classification = models.CharField(max_length=32, choices=Classification)
    status = models.CharField(max_length=16, choices=MemberStatus, default=MemberStatus.ACTIVE)
    phone = PhoneNumberField(null=True, blank=True, help_text="E.164, e.g. +12065550134")
    email = models.EmailField(blank=True)
    address_line1 = models.CharField("address", max_length=120, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=120, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField("ZIP code", max_length=10, blank=True)
    # Global exemption; a book registration may override it for one book (decision 0004).
    is_exempt = models.BooleanField("exempt", default=False)
    exempt_reason = models.CharField(max_length=24, choices=ExemptReason, blank=True)
    exempt_until = models.DateField("exempt until", null=True, blank=True)
    # LaborPower's Registration List: the home local ("0046"; blank when unknown) and the area the
    # member prefers to work in. Both help tell apart members of the same name (decision 0028).
    home_local = models.CharField(max_length=4, blank=True, help_text="Four digits, e.g. 0046")
    preferred_region = models.CharField(max_length=16, choices=Region, blank=True)
    # TERO requests go to enrolled tribal members: the tribe, blank when none.
    tribal_affiliation = models.CharField(max_length=80, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="member"
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("last_name", "first_name", "card_number")
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(card_number__regex=CARD_NUMBER), name="member_card_number_digits"),
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | Q(phone__regex=r"^\+[1-9][0-9]{1,14}$"), name="member_phone_e164"
            ),
            # An exemption always says why; no reason or end date lingers once it is off.
            models.CheckConstraint(
                condition=(Q(is_exempt=True) & ~Q(exempt_reason=""))
                | (Q(is_exempt=False) & Q(exempt_reason="") & Q(exempt_until__isnull=True)),
                name="member_exemption_has_reason",
                violation_error_message="An exempt member needs a reason; a member who is not exempt has none.",
            ),
        ]

    def __str__(self):
        return f"{self.last_name}, {self.first_name} ({self.card_number})"

    def save(self, *args, **kwargs):
        if not self.phone:
            self.phone = None
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class Skill(models.Model):
    """A special skill or certification an employer may require (cable splicing, a lift card …)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    # The 2024 procedure (rule 9): a request asking for a skill the agreement does not recognise is
    # a specialty request, and passing it costs no check mark (decision 0034). Officers set it.
    in_agreement = models.BooleanField(
        "recognised by the agreement", default=True,
        help_text="Off for a specialty the CBA does not recognise: declining a request that asks for it "
        "costs no check mark",
    )  # fmt: skip

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name


class MemberSkill(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="holders")
    expires_on = models.DateField(null=True, blank=True, help_text="Blank when it does not expire")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "skill"], name="member_skill_once")]

    def __str__(self):
        return f"{self.member} — {self.skill}"


class MemberTransaction(models.Model):
    """One row of a member's ledger. Rows are never edited or deleted (the database refuses):
    a correction is a new adjustment row that points at the row it corrects."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=16, choices=TransactionKind)
    # Always positive for dues, assessments, fees and payments; an adjustment is signed
    # (+ charges the member, − credits them).
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    signed_amount = models.GeneratedField(
        expression=Case(When(kind=TransactionKind.PAYMENT, then=-F("amount")), default=F("amount")),
        output_field=models.DecimalField(max_digits=10, decimal_places=2),
        db_persist=True,
    )
    posted_on = models.DateField()
    # The month a dues charge covers (its first day); optional for other kinds.
    period = models.DateField(null=True, blank=True, help_text="First day of the month covered")
    description = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=TransactionSource, default=TransactionSource.MANUAL)
    # LaborPower's own reference, so a re-import recognises rows it already brought across.
    external_ref = models.CharField(max_length=64, blank=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("posted_on", "id")
        indexes = [models.Index(fields=["member", "posted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=TransactionKind.ADJUSTMENT, amount__lt=0)
                | Q(kind=TransactionKind.ADJUSTMENT, amount__gt=0)
                | (~Q(kind=TransactionKind.ADJUSTMENT) & Q(amount__gt=0)),
                name="ledger_amount_sign",
                violation_error_message="The amount must be above zero (an adjustment may be negative, not zero).",
            ),
            models.CheckConstraint(
                condition=~Q(kind=TransactionKind.DUES) | Q(period__isnull=False),
                name="ledger_dues_have_period",
                violation_error_message="A dues charge needs the month it covers.",
            ),
            models.CheckConstraint(
                condition=Q(period__isnull=True) | Q(period__day=1),
                name="ledger_period_first_of_month",
                violation_error_message="The period is a month: give its first day.",
            ),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="ledger_external_ref_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.posted_on}"

    @property
    def is_charge(self) -> bool:
        return self.kind in CHARGE_KINDS


ZERO = Decimal("0.00")
