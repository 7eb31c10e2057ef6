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
    Gender,
    LetterKind,
    MemberStatus,
    Race,
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
    # LaborPower's Applicant Photo ID's: the member's ID photo, kept beside the record.
    photo = models.ImageField("ID photo", upload_to="members/photos/", blank=True, default="", db_default="")
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


HOME_LOCAL = r"^[0-9]{4}$"


class MemberDemographics(models.Model):
    """What the EEOC report counts: personal data (docs/pii.md). A table of its own so that no
    member query, list or export carries it by accident; only officers have its permissions."""

    member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="demographics")
    gender = models.CharField(max_length=16, choices=Gender, blank=True)
    race = models.CharField("race / ethnicity", max_length=24, choices=Race, blank=True)
    birth_date = models.DateField("birth date", null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = "member demographics"
        verbose_name_plural = "member demographics"

    def __str__(self):
        return f"Demographics of {self.member}"


class Traveler(models.Model):
    """A member of another local working in our jurisdiction: LaborPower's Travelers Report. The
    stay runs from the day their travel card was deposited to the day they left (blank: here)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="travels_here")
    home_local = models.CharField(
        max_length=4, validators=[RegexValidator(HOME_LOCAL, "A local is four digits, e.g. 0077.")],
        help_text="Four digits, e.g. 0077",
    )  # fmt: skip
    arrived_on = models.DateField("card deposited")
    left_on = models.DateField("left", null=True, blank=True, help_text="Blank while still here")
    notes = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-arrived_on", "id")
        constraints = [
            models.CheckConstraint(condition=Q(home_local__regex=HOME_LOCAL), name="traveler_home_local_digits"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("arrived_on")),
                name="traveler_leaves_after_arriving",
                violation_error_message="A traveler cannot leave before their card was deposited.",
            ),
        ]

    def __str__(self):
        return f"{self.member} from local {self.home_local}"


class TravelLetter(models.Model):
    """A letter the hall gave one of its members to work in another local's jurisdiction
    (LaborPower's Travel Letter; the Travel Report lists them). Written when the letter is made."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="travel_letters")
    to_local = models.CharField(
        "to local", max_length=4, validators=[RegexValidator(HOME_LOCAL, "A local is four digits, e.g. 0077.")]
    )
    issued_on = models.DateField()
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-issued_on", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(to_local__regex=HOME_LOCAL), name="travel_letter_local_digits"),
        ]

    def __str__(self):
        return f"Travel letter of {self.member} to local {self.to_local} ({self.issued_on})"


class CopeCheckoff(models.Model):
    """A member's COPE (political action) checkoff: the amount deducted each pay period, from a
    day until they stop it. LaborPower's Cope Checkoff report counts them by employer."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="cope_checkoffs")
    amount = models.DecimalField(max_digits=6, decimal_places=2, help_text="Dollars a pay period")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="Blank while it runs")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("member", "-started_on")
        verbose_name = "COPE checkoff"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="cope_amount_positive",
                violation_error_message="A COPE checkoff is an amount above zero.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cope_ends_after_start",
                violation_error_message="A checkoff cannot end before it starts.",
            ),
            # One running checkoff per member: a new amount ends the old one first.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="one_running_cope_per_member",
                violation_error_message="This member already has a running COPE checkoff: end it first.",
            ),
        ]

    def __str__(self):
        return f"COPE ${self.amount} of {self.member}"


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


class LetterTemplate(models.Model):
    """The text of one of the hall's letters (LaborPower's Travel Letter and Letter of
    Introduction), as staff edit it in the console: printed on the hall's letterhead for one
    member (reports/letters.py). `$name`-style placeholders (`PLACEHOLDERS` there) are filled in;
    nothing else in the text is evaluated. Kept with the member records: a letter is about a member,
    and the travel letters given are recorded here too."""

    kind = models.CharField(max_length=32, choices=LetterKind, unique=True)
    letterhead = models.TextField(help_text="The hall's name and address, one line each, at the top")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(help_text="Paragraphs separated by a blank line; placeholders like $name, $card_number")
    closing = models.TextField(help_text="The signature block, one line each")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("kind",)

    def __str__(self):
        return self.get_kind_display()
