import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from members.models import Member
from referral.enums import (
    ACTIVE_STATUSES,
    WORK_STATUS_OF_EXEMPTION,
    BookRegion,
    BookType,
    ExemptReason,
    NoCheckMarkReason,
    RegistrationAction,
    RegistrationRequestStatus,
    RegistrationStatus,
    ReRegistrationCause,
    RollOffReason,
    WorkStatus,
)
from unioncore.audit import history_user

S = RegistrationStatus


class ReferralBook(models.Model):
    """An out-of-work list. Every rule number lives here, per book, so the hall can change it."""

    name = models.CharField(max_length=80)
    code = models.CharField(max_length=20, unique=True)
    classification = models.CharField(max_length=32, choices=BookType)
    book_number = models.PositiveSmallIntegerField(
        "book (tier)", validators=[MinValueValidator(1)], help_text="Book 1 is referred before Book 2"
    )
    region = models.CharField(max_length=16, choices=BookRegion)
    laborpower_name = models.CharField(
        "LaborPower book name",
        max_length=40,
        blank=True,
        help_text="The book as LaborPower's Registration List names it (WIRE SEATTLE); with the tier, "
        "it finds this book in LaborPower's exports",
    )
    referral_start_time = models.TimeField(help_text="Requests taken by 3 PM are referred at this time next morning")
    internet_bidding_enabled = models.BooleanField(default=False)
    re_sign_days = models.PositiveSmallIntegerField(default=30, help_text="Days between re-signs")
    re_sign_window_days = models.PositiveSmallIntegerField(
        default=7, help_text="How many days before the due date a member may re-sign"
    )
    grace_period_days = models.PositiveSmallIntegerField(
        default=1, help_text="Business days after a missed re-sign before the roll-off"
    )
    check_marks_allowed = models.PositiveSmallIntegerField(default=2, help_text="The next one rolls the member off")
    max_days_on_book = models.PositiveSmallIntegerField(
        default=90, help_text="A dispatch longer than this rolls the member off (long call)"
    )
    max_exempt_days = models.PositiveSmallIntegerField(
        default=183, help_text="Longest exemption staff may grant; officers may extend"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("classification", "region", "book_number")
        constraints = [
            models.UniqueConstraint(fields=["classification", "region", "book_number"], name="book_tier_unique"),
            models.CheckConstraint(condition=Q(book_number__gte=1), name="book_number_positive"),
            models.UniqueConstraint(
                fields=["laborpower_name", "book_number"],
                condition=~Q(laborpower_name=""),
                name="book_laborpower_name_tier_unique",
                violation_error_message="Another book has this LaborPower name and tier.",
            ),
        ]

    def __str__(self):
        return self.name


def available_for_referral() -> Q:
    """On the book, not on a job, not exempt: the registrations LaborPower numbers in REL."""
    return Q(status=S.REGISTERED) & (Q(is_exempt=False) | Q(is_exempt__isnull=True, member__is_exempt=False))


def effectively_exempt() -> Q:
    """Exempt on its book: its own override, else the member's global flag (decision 0004)."""
    return Q(is_exempt=True) | Q(is_exempt__isnull=True, member__is_exempt=True)


# Order on one book: the APN, then the registration time to the second (APNs repeat: they are
# the registration time rounded to 0.01 day), the id for an exact tie. Decision 0028.
REGISTRATION_ORDER = ("apn", "registered_at", "id")


class BookRegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def out_of_work(self):
        """Available for referral: on the book, not on a job, not exempt (LaborPower's REL)."""
        return self.filter(available_for_referral())

    def in_order(self):
        return self.order_by(*REGISTRATION_ORDER)


class BookRegistration(FSMModelMixin, models.Model):
    """A member's place on one book. The APN orders the book (first in, first out)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registrations")
    book = models.ForeignKey(ReferralBook, on_delete=models.PROTECT, related_name="registrations")
    # Never an int or a float: LaborPower's 45810.02 must stay exactly 45810.02. Not unique on a
    # book: it is the registration time rounded to 0.01 day (decision 0028).
    apn = models.DecimalField("APN", max_digits=10, decimal_places=2)
    registration_number = models.PositiveIntegerField(
        "REG. #", null=True, blank=True, help_text="The book's own registration counter (LaborPower's REG. #)"
    )
    status = FSMField(max_length=16, choices=RegistrationStatus, default=S.REGISTERED, protected=True)
    registered_at = models.DateTimeField(default=timezone.now)
    last_re_signed_at = models.DateTimeField(null=True, blank=True)
    re_sign_due = models.DateField(null=True, blank=True, help_text="Last day to re-sign")
    check_marks = models.PositiveSmallIntegerField(default=0)
    last_check_mark_on = models.DateField(null=True, blank=True)
    # Per-book exemption: None follows the member's global flag; True/False override it.
    is_exempt = models.BooleanField("exempt on this book", null=True, blank=True)
    exempt_reason = models.CharField(max_length=24, choices=ExemptReason, blank=True)
    exempt_until = models.DateField(null=True, blank=True, help_text="Blank: no fixed end")
    exemption_needs_review = models.BooleanField(
        default=False, help_text="Imported without an end date: staff to confirm or end it"
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Short calls: the APN is restored at most twice (calls of 3 days or less do not count), and
    # only if the member re-registers by the end of the next working day after the call ends.
    short_call_restorations = models.PositiveSmallIntegerField(default=0)
    re_register_by = models.DateField(null=True, blank=True)
    re_register_cause = models.CharField(
        "re-register after", max_length=16, choices=ReRegistrationCause, blank=True,
        help_text="The job's end that holds the APN until re-registration (decision 0034)",
    )  # fmt: skip
    # The 90 Day Rule (decision 0034): the APN is restored after a layoff while the calendar days
    # worked on calls since registering (the first and last day of each counted) are 90 or less.
    days_on_calls = models.PositiveIntegerField(
        "days worked on calls", default=0, help_text="Counted by the 90 Day Rule (the book's max days on book)"
    )
    rolled_off_at = models.DateTimeField(null=True, blank=True)
    roll_off_reason = models.CharField(max_length=24, choices=RollOffReason, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it left the book for good")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookRegistrationQuerySet.as_manager()
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("book", *REGISTRATION_ORDER)
        permissions = [
            ("extend_exemption", "Can extend an exemption past the book's limit"),
            ("override_registration", "Can register a member on a second classification or tier, with a reason"),
        ]
        indexes = [
            models.Index(fields=["book", "status", *REGISTRATION_ORDER], name="registration_book_order"),
            models.Index(fields=["status", "re_sign_due"], name="registration_re_sign_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "book"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_registration_per_member_per_book",
                violation_error_message="This member is already on this book.",
            ),
            models.CheckConstraint(condition=Q(apn__gt=0), name="apn_positive"),
            models.CheckConstraint(
                condition=Q(is_exempt=True) & ~Q(exempt_reason="")
                | ~Q(is_exempt=True) & Q(exempt_reason="", exempt_until__isnull=True, exemption_needs_review=False),
                name="registration_exemption_has_reason",
                violation_error_message="An exemption needs a reason.",
            ),
        ]

    def __str__(self):
        return f"{self.member} on {self.book.code} at {self.apn}"

    @property
    def exempt(self) -> bool:
        """Exempt on this book: its own setting if it has one, else the member's global flag."""
        if self.is_exempt is not None:
            return self.is_exempt
        return self.member.is_exempt

    @property
    def work_status(self) -> str:
        """LaborPower's STATUS of this registration (decision 0028)."""
        if self.status == S.DISPATCHED:
            return WorkStatus.WORKING
        if self.status == S.SHORT_CALL:
            return WorkStatus.SHORT_CALL
        if self.status == S.REGISTERED and self.exempt:
            reason = self.exempt_reason if self.is_exempt else self.member.exempt_reason
            return WORK_STATUS_OF_EXEMPTION.get(reason, WorkStatus.EXEMPT)
        return WorkStatus.UNEMPLOYED if self.status == S.REGISTERED else ""

    # Transitions change memory only: services lock the row, call one, and save.
    @transition(field=status, source=S.REGISTERED, target=S.DISPATCHED)
    def dispatch(self):
        self.dispatched_at = timezone.now()

    @transition(field=status, source=S.REGISTERED, target=S.SHORT_CALL)
    def start_short_call(self):
        self.dispatched_at = timezone.now()

    @transition(field=status, source=[S.SHORT_CALL, S.DISPATCHED], target=S.REGISTERED)
    def return_to_book(self):
        self.dispatched_at = None
        self.re_register_by = None
        self.re_register_cause = ""

    @transition(field=status, source=[S.SHORT_CALL, S.DISPATCHED], target=S.SHORT_CALL)
    def hold_for_re_registration(self, by_day, cause=ReRegistrationCause.SHORT_CALL):
        """The job ended with a cause that holds the APN (a short call, an under-scale job, a
        turnaround, a layoff within the 90 Day Rule) until `by_day`."""
        self.re_register_by = by_day
        self.re_register_cause = cause

    @transition(field=status, source=ACTIVE_STATUSES, target=S.ROLLED_OFF)
    def roll_off(self, reason: str):
        self.roll_off_reason = reason
        self.rolled_off_at = self.closed_at = timezone.now()

    @transition(field=status, source=ACTIVE_STATUSES, target=S.RESIGNED)
    def resign(self):
        self.closed_at = timezone.now()

    @transition(field=status, source=ACTIVE_STATUSES, target=S.REMOVED)
    def remove(self):
        self.closed_at = timezone.now()


class RegistrationActivity(models.Model):
    """What happened to a registration, in the union's words: the member-visible record.
    Append-only (the database refuses UPDATE and DELETE)."""

    registration = models.ForeignKey(BookRegistration, on_delete=models.PROTECT, related_name="activities")
    action = models.CharField(max_length=24, choices=RegistrationAction)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    no_check_mark_reason = models.CharField(max_length=24, choices=NoCheckMarkReason, blank=True)
    apn = models.DecimalField("APN", max_digits=10, decimal_places=2)
    at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name_plural = "registration activities"
        indexes = [models.Index(fields=["registration", "at"])]

    def __str__(self):
        return f"{self.get_action_display()} — {self.at:%Y-%m-%d}"


class Holiday(models.Model):
    """A day the hall is closed: not a business day for roll-offs and re-sign deadlines."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=80)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("date",)

    def __str__(self):
        return f"{self.name} ({self.date:%Y-%m-%d})"


class MaintenanceRun(models.Model):
    """What the daily book maintenance did to one book on one day (one row per book per day)."""

    book = models.ForeignKey(ReferralBook, on_delete=models.PROTECT, related_name="maintenance_runs")
    run_on = models.DateField()
    re_sign_roll_offs = models.PositiveIntegerField(default=0)
    exemptions_ended = models.PositiveIntegerField(default=0)
    long_call_roll_offs = models.PositiveIntegerField(default=0)
    late_re_registration_roll_offs = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-run_on", "book")
        constraints = [models.UniqueConstraint(fields=["book", "run_on"], name="one_maintenance_run_per_book_per_day")]

    def __str__(self):
        return f"{self.book.code} {self.run_on}"


class MorningReferral(models.Model):
    """The day's Inside Wireperson Book 1 referral, marked complete (the 2024 procedure, rule 3):
    the registrations held until then are processed. A dispatcher marks it from the console;
    at 10:00 on working days the beat marks it as `system` if nobody has (decision 0033)."""

    day = models.DateField(unique=True)
    completed_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-day",)
        verbose_name = "morning referral (Inside Wireperson Book 1) completed"
        verbose_name_plural = "morning referrals (Inside Wireperson Book 1) completed"

    def __str__(self):
        return f"Inside Wireperson Book 1 referral of {self.day:%Y-%m-%d}"


class RegistrationRequest(FSMModelMixin, models.Model):
    """A registration staff received (in person or by email) on a working day before the Inside
    Wireperson Book 1 referral was complete: held with its received time, then processed onto
    the book — its APN that of the time it was received (decision 0033)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registration_requests")
    book = models.ForeignKey(ReferralBook, on_delete=models.PROTECT, related_name="registration_requests")
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    apn = models.DecimalField(
        "APN", max_digits=10, decimal_places=2, null=True, blank=True, help_text="Given by staff (LaborPower's)"
    )
    reason = models.CharField(max_length=200, blank=True)
    override_reason = models.CharField("officer override", max_length=150, blank=True)
    status = FSMField(
        max_length=16, choices=RegistrationRequestStatus, default=RegistrationRequestStatus.HELD, protected=True
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registration = models.OneToOneField(
        BookRegistration, null=True, blank=True, on_delete=models.PROTECT, related_name="held_request"
    )
    refusal = models.CharField(max_length=300, blank=True, help_text="Why processing refused it")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("received_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "book"],
                condition=Q(status=RegistrationRequestStatus.HELD),
                name="one_held_registration_per_member_per_book",
                violation_error_message="A registration of this member on this book is already held.",
            )
        ]

    def __str__(self):
        return f"{self.member} for {self.book.code}, received {timezone.localtime(self.received_at):%m/%d %H:%M}"

    @transition(field=status, source=RegistrationRequestStatus.HELD, target=RegistrationRequestStatus.PROCESSED)
    def process(self, registration: BookRegistration):
        self.registration = registration
        self.processed_at = timezone.now()

    @transition(field=status, source=RegistrationRequestStatus.HELD, target=RegistrationRequestStatus.REFUSED)
    def refuse(self, refusal: str):
        self.refusal = refusal[:300]
        self.processed_at = timezone.now()


DAY_ZERO = datetime.date(1899, 12, 30)  # LaborPower and spreadsheets count days from here
