import datetime

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from dispatch.enums import (
    OPEN_DISPATCH_STATUSES,
    BidStatus,
    CandidateOutcome,
    ContractCode,
    DeclineKind,
    DispatchStatus,
    DispatchType,
    EmployerRole,
    EmployerStatus,
    EndReason,
    JobClass,
    JobRequestStatus,
    RequestCategory,
    SkipReason,
    SuspensionKind,
)
from dispatch.rules import DISPATCH_RULES
from members.models import Member, Skill
from referral.enums import BookRegion, BookType
from referral.models import BookRegistration
from unioncore.audit import history_user

DS = DispatchStatus


class HallSettings(models.Model):
    """The referral and dispatch rule numbers a hall may change (decision 0047; 0005 says rule
    numbers are data): one row, edited by officers in the console, its history kept. Without a
    row the defaults (the 2024 procedure) apply."""

    request_cutoff = models.TimeField(
        "request cut-off", default=datetime.time(15, 0),
        help_text="A request taken by this time is referred the next working morning; later, the one after.",
    )  # fmt: skip
    bidding_opens = models.TimeField(
        default=datetime.time(17, 30),
        help_text="Online bids open at this time of the last working day before the referral.",
    )
    bidding_closes = models.TimeField(
        default=datetime.time(7, 0), help_text="Online bids close at this time of the referral morning."
    )
    short_call_max_days = models.PositiveSmallIntegerField(
        "short call: longest (business days)", default=10, validators=[MinValueValidator(1)],
        help_text="A call this long or shorter is a short call: the member's place is restored after it.",
    )  # fmt: skip
    short_call_uncounted_days = models.PositiveSmallIntegerField(
        "short call: not counted up to (days)", default=3,
        help_text="A short call this long or shorter does not count towards the restorations.",
    )  # fmt: skip
    short_call_max_restorations = models.PositiveSmallIntegerField(
        "short call: restorations allowed", default=2, help_text="How many times a member's place is restored."
    )
    by_name_bar_days = models.PositiveSmallIntegerField(
        "by-name bar after a quit or discharge (days)", default=14,
        help_text="A member who quit or was discharged is not requested by name (of any employer) for this long.",
    )  # fmt: skip
    bid_rejection_suspension_days = models.PositiveSmallIntegerField(
        "bidding suspended after a second rejected bid job (days)", default=365, validators=[MinValueValidator(1)],
        help_text="A second bid job rejected within this many days suspends online bidding for as long.",
    )  # fmt: skip

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = verbose_name_plural = "hall settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="hall_settings_one_row"),
            models.CheckConstraint(
                condition=Q(short_call_uncounted_days__lte=F("short_call_max_days")),
                name="hall_settings_uncounted_within_short_call",
            ),
        ]

    def __str__(self):
        return "Hall settings"

    @classmethod
    def current(cls) -> "HallSettings":
        """The hall's settings: its row, or the defaults where no officer has saved one."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Employer(models.Model):
    """A signatory contractor that calls the hall for labor."""

    code = models.CharField(
        max_length=20,
        unique=True,
        help_text="LaborPower's employer code; made from the name for an employer the employer lists brought in",
    )
    name = models.CharField(max_length=120)
    # The employer lists have no code: an employer is the one of this normalised name (see
    # `employer_name_key`). Set when a list import creates or first finds the employer, kept
    # when staff rename it, so the next import of the lists finds it again.
    name_key = models.CharField(
        "LaborPower list name", max_length=120, blank=True, editable=False, help_text="What the employer lists match on"
    )
    status = models.CharField(max_length=16, choices=EmployerStatus, default=EmployerStatus.ACTIVE)
    phone = PhoneNumberField(null=True, blank=True)
    fax = PhoneNumberField(null=True, blank=True)
    home_local = models.CharField(
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{4}$", "A local's number in 4 digits, like 0046.")],
        help_text="The IBEW local the employer is from, in 4 digits (0046)",
    )
    email = models.EmailField(blank=True)
    address_line1 = models.CharField("address", max_length=120, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField("ZIP code", max_length=10, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["name_key"], condition=~Q(name_key=""), name="employer_name_key_once")
        ]

    def __str__(self):
        return self.name


class EmployerContract(models.Model):
    """A contract code the employer is signatory to (an employer may hold several)."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contracts")
    contract_code = models.CharField(max_length=20, choices=ContractCode)
    # From LaborPower's employer list of the group (one employer may be on several lists).
    bond_expires = models.DateField("bond expires", null=True, blank=True)
    assent = models.CharField(
        "letter of assent", max_length=10, blank=True, help_text="A, B, I … as LaborPower lists it"
    )

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("contract_code",)
        constraints = [models.UniqueConstraint(fields=["employer", "contract_code"], name="employer_contract_once")]

    def __str__(self):
        return self.contract_code


class EmployerContact(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=80, blank=True)
    phone = PhoneNumberField(null=True, blank=True)
    email = models.EmailField(blank=True)

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return self.name


class EmployerUser(models.Model):
    """A login of one employer with its role; any role may verify that employer's time logs."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employer_user")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=16, choices=EmployerRole, default=EmployerRole.SUPERVISOR)

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.employer})"


class EmployerBar(models.Model):
    """A member the employer will not take (recorded by staff), optionally until a date."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="bars")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="employer_bars")
    reason = models.CharField(max_length=200)
    until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return f"{self.member} barred from {self.employer}"


class ReferralSuspension(models.Model):
    """Referral (or online bidding) suspended for a member until staff lift it or it ends."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referral_suspensions")
    kind = models.CharField(max_length=16, choices=SuspensionKind)
    reason = models.CharField(max_length=200)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: until staff lift it")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    history = HistoricalRecords(get_user=history_user)

    def __str__(self):
        return f"{self.member}: {self.get_kind_display()} suspended"


class JobRequest(models.Model):
    """An employer's call for labor."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="job_requests")
    book_classification = models.CharField("classification", max_length=32, choices=BookType)
    region = models.CharField(max_length=16, choices=BookRegion)
    job_class = models.CharField(max_length=16, choices=JobClass, default=JobClass.JOURNEYMAN)
    workers_wanted = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    start_date = models.DateField()
    report_time = models.TimeField()
    worksite = models.CharField(max_length=200)
    expected_days = models.PositiveSmallIntegerField("expected length (days)", null=True, blank=True)
    is_short_call = models.BooleanField("short call", default=False)
    category = models.CharField(max_length=8, choices=RequestCategory, default=RequestCategory.NORMAL)
    # PLA/CWA priority hire: the home ZIP codes that qualify, comma-separated.
    priority_zip_codes = models.CharField(max_length=400, blank=True)
    special_skills = models.ManyToManyField(Skill, blank=True, related_name="job_requests")
    # Terms of the request that excuse passing it (the 2024 procedure, rule 9: no check mark),
    # set by the dispatcher taking the call; an under-scale job and a turnaround also hold the
    # member's APN when the job ends (rule 4, decision 0034).
    mou_jobsite = models.BooleanField("MOU job site", default=False)
    under_scale_recovery = models.BooleanField(
        "under-scale work-recovery job", default=False,
        help_text="Paid under the scale to recover work: no check mark for passing it; the APN is held when it ends",
    )  # fmt: skip
    various_locations = models.BooleanField("various locations", default=False)
    is_turnaround = models.BooleanField(
        "turnaround", default=False,
        help_text="A plant shutdown or outage of set length: the APN is held when it ends",
    )  # fmt: skip
    by_name_members = models.ManyToManyField(Member, blank=True, related_name="requested_by_name")
    by_name_attested = models.BooleanField(
        "anti-collusion attestation", default=False,
        help_text="The employer attests it did not solicit the named members in breach of the referral rules",
    )  # fmt: skip
    bidding_opens_at = models.DateTimeField(null=True, blank=True)
    bidding_closes_at = models.DateTimeField(null=True, blank=True)
    wage_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    status = FSMField(max_length=16, choices=JobRequestStatus, default=JobRequestStatus.OPEN, protected=True)
    taken_at = models.DateTimeField(default=timezone.now, help_text="When the hall took the call")
    refer_at = models.DateTimeField(help_text="When the request is referred (next morning's start time)")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)
    # A start the request checks refuse (past, before the referral time, before bidding could
    # open: rule L2c), taken anyway on an officer's word (decision 0050), kept with its history.
    override_reason = models.CharField(
        "officer's override", max_length=200, blank=True,
        help_text="An officer's reason to take the request though its start is past, before its referral time "
        "or before its bidding could open",
    )  # fmt: skip
    # The dispatcher found nobody on the list (the desk's "mark unfilled"): the request is in the
    # Business Manager's queue from then, even before its referral time (rule 2).
    unfilled_at = models.DateTimeField("sent to the Business Manager", null=True, blank=True, editable=False)
    # Made by the LaborPower import to hold imported dispatch history (decision 0020): one per
    # employer, start day and book; never referred, never open.
    is_history = models.BooleanField("LaborPower history", default=False, editable=False)
    # An employer's order the hall corrected: cancelled, the corrected request taken in its place
    # (decision 0044), so the employer's own words and attestation stay as they sent them.
    corrected_as = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrects",
        help_text="The request the hall took in place of this employer's order",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user, m2m_fields=[special_skills, by_name_members])

    class Meta:
        ordering = ("-refer_at", "-id")
        indexes = [models.Index(fields=["status", "refer_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(workers_wanted__gte=1), name="request_wants_workers"),
            models.CheckConstraint(
                condition=Q(bidding_opens_at__isnull=True)
                | Q(bidding_closes_at__isnull=False, bidding_closes_at__gt=models.F("bidding_opens_at")),
                name="request_bidding_window_ordered",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.employer} — {self.workers_wanted} × {self.get_book_classification_display()}"

    @property
    def zip_codes(self) -> set[str]:
        return {z.strip() for z in self.priority_zip_codes.split(",") if z.strip()}

    @transition(field=status, source=JobRequestStatus.OPEN, target=JobRequestStatus.FILLED)
    def mark_filled(self):
        pass

    @transition(
        field=status,
        source=[JobRequestStatus.SUBMITTED, JobRequestStatus.OPEN, JobRequestStatus.FILLED],
        target=JobRequestStatus.CANCELLED,
    )
    def cancel(self):
        pass

    @transition(
        field=status, source=[JobRequestStatus.SUBMITTED, JobRequestStatus.OPEN], target=JobRequestStatus.EXPIRED
    )
    def expire(self):
        pass

    @transition(field=status, source=JobRequestStatus.SUBMITTED, target=JobRequestStatus.OPEN)
    def accept_order(self):
        """A dispatcher accepts an employer's order from the portal: it is referred from now on."""


class ReferralRun(models.Model):
    """The referral record: one run of the referral order for a request, as it was seen."""

    job_request = models.ForeignKey(JobRequest, on_delete=models.PROTECT, related_name="referral_runs")
    run_at = models.DateTimeField(default=timezone.now)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workers_sought = models.PositiveSmallIntegerField()
    candidates_seen = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-run_at", "-id")

    def __str__(self):
        return f"Referral run {self.pk} for request {self.job_request_id}"


class ReferralCandidate(models.Model):
    """One line of a referral run: who was considered, in which place, and what came of it."""

    run = models.ForeignKey(ReferralRun, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveIntegerField(help_text="Place in the order the run saw, 1 = first")
    registration = models.ForeignKey(BookRegistration, on_delete=models.PROTECT, related_name="+", null=True)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="referral_candidacies")
    apn = models.DecimalField("APN", max_digits=10, decimal_places=2, null=True)
    tier = models.PositiveSmallIntegerField(null=True)
    by_name = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=CandidateOutcome)
    skip_reason = models.CharField(max_length=24, choices=SkipReason, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("run", "rank")
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="candidate_rank_once")]

    def __str__(self):
        return f"{self.rank}. {self.member} — {self.get_outcome_display()}"


class Dispatch(FSMModelMixin, models.Model):
    """A member sent to an employer on a request: the booking that time logs work against."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dispatches")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="dispatches")
    job_request = models.ForeignKey(JobRequest, on_delete=models.PROTECT, related_name="dispatches")
    registration = models.ForeignKey(
        BookRegistration, null=True, blank=True, on_delete=models.PROTECT, related_name="dispatches"
    )
    referral_run = models.ForeignKey(ReferralRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Every offer carries the run that selected the member; the only way around the order is an
    # officer's recorded reason (decision 0043), kept with the dispatch and its history.
    override_reason = models.CharField(
        "emergency / out-of-order reason", max_length=200, blank=True,
        help_text="An officer's reason to offer outside the referral order",
    )  # fmt: skip
    bid = models.OneToOneField(
        "JobBid", null=True, blank=True, on_delete=models.PROTECT, related_name="dispatch",
        help_text="The online bid this dispatch was taken from",
    )  # fmt: skip
    type = models.CharField(max_length=16, choices=DispatchType, default=DispatchType.NORMAL)
    status = FSMField(max_length=16, choices=DispatchStatus, default=DS.PENDING, protected=True)
    wage_rate = models.DecimalField(max_digits=8, decimal_places=2)
    primary_site_contact = models.ForeignKey(
        EmployerUser, null=True, blank=True, on_delete=models.PROTECT, related_name="site_dispatches"
    )
    lending_admin = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="lent_dispatches",
        help_text="The union staff member responsible (escalation target)",
    )  # fmt: skip
    offered_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_kind = models.CharField(max_length=24, choices=DeclineKind, blank=True)
    start_date = models.DateField()
    # The 2024 procedure (rule 7): the member checks in with the employer by 3 PM of the
    # dispatch day, recorded by the employer's supervisor or a dispatcher; a no-show is rolled off.
    checked_in_at = models.DateTimeField("checked in with the employer", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    no_show_at = models.DateTimeField(
        "rolled off as a no-show", null=True, blank=True, help_text="No check-in by 3 PM of the dispatch day"
    )
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason, blank=True)
    # The member handed in the 401(k) enrolment statement the employer needs (LaborPower's flag;
    # its custom report lists the dispatched without one).
    statement_401k = models.BooleanField("401(k) statement received", default=False, db_default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-offered_at", "-id")
        verbose_name_plural = "dispatches"
        # The 2024 procedure (rule 2): an emergency referral, outside normal hours, is an officer's.
        # Also the officer's override of the referral order and of a job request's checks (decision 0043).
        permissions = [("emergency_referral", "Can make an emergency or out-of-order referral")]
        indexes = [models.Index(fields=["status", "offered_at"]), models.Index(fields=["employer", "status"])]
        constraints = [
            # The last line against a double dispatch: one open dispatch per member.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=OPEN_DISPATCH_STATUSES),
                name="one_open_dispatch_per_member",
                violation_error_message="This member already has an open dispatch.",
            ),
            models.CheckConstraint(condition=Q(wage_rate__gte=0), name="dispatch_wage_not_negative"),
            # No dispatch without a referral run or an officer's recorded reason (decision 0043).
            models.CheckConstraint(
                condition=Q(referral_run__isnull=False) | ~Q(override_reason=""),
                name="dispatch_has_run_or_reason",
                violation_error_message="An offer needs its referral run or an officer's reason.",
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.employer} ({self.get_status_display()})"

    # The member's answers: their sources are the rules the services and the API's `actions` read.
    @transition(field=status, source=list(DISPATCH_RULES["accept"].statuses), target=DS.ACCEPTED)
    def accept(self):
        self.answered_at = timezone.now()

    @transition(field=status, source=list(DISPATCH_RULES["decline"].statuses), target=DS.DECLINED)
    def decline(self, kind: str):
        self.answered_at = timezone.now()
        self.decline_kind = kind

    @transition(field=status, source=DS.ACCEPTED, target=DS.COMPLETED)
    def complete(self, end_reason: str, end_date):
        self.end_reason, self.end_date = end_reason, end_date

    @transition(field=status, source=DS.ACCEPTED, target=DS.TERMINATED)
    def terminate(self, end_reason: str, end_date):
        self.end_reason, self.end_date = end_reason, end_date


class JobBid(FSMModelMixin, models.Model):
    """A member's online bid on a request of one of their books, during the bidding window."""

    job_request = models.ForeignKey(JobRequest, on_delete=models.PROTECT, related_name="bids")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="bids")
    registration = models.ForeignKey(BookRegistration, on_delete=models.PROTECT, related_name="bids")
    status = FSMField(max_length=16, choices=BidStatus, default=BidStatus.PENDING, protected=True)
    placed_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("job_request", "placed_at")
        constraints = [
            models.UniqueConstraint(
                fields=["job_request", "member"],
                condition=Q(status__in=[BidStatus.PENDING, BidStatus.ACCEPTED]),
                name="one_live_bid_per_member_per_request",
            )
        ]

    def __str__(self):
        return f"Bid of {self.member} on request {self.job_request_id}"

    @transition(field=status, source=BidStatus.PENDING, target=BidStatus.WITHDRAWN)
    def withdraw(self):
        self.answered_at = timezone.now()

    @transition(field=status, source=BidStatus.PENDING, target=BidStatus.ACCEPTED)
    def accept(self):
        self.answered_at = timezone.now()

    @transition(field=status, source=[BidStatus.PENDING, BidStatus.ACCEPTED], target=BidStatus.DECLINED)
    def decline(self):
        self.answered_at = timezone.now()

    @transition(field=status, source=BidStatus.PENDING, target=BidStatus.EXPIRED)
    def expire(self):
        self.answered_at = timezone.now()


class Steward(models.Model):
    """A member appointed job steward for an employer, at one job site or all of its work, from
    one day to another (blank: still steward). LaborPower's Steward Report lists them."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="stewardships")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="stewards")
    worksite = models.CharField("job site", max_length=200, blank=True, help_text="Blank: all the employer's work")
    appointed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="Blank while steward")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("employer", "worksite", "-appointed_on")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("appointed_on")),
                name="steward_ends_after_appointment",
                violation_error_message="A stewardship cannot end before the appointment.",
            ),
        ]

    def __str__(self):
        where = f" at {self.worksite}" if self.worksite else ""
        return f"{self.member}, steward for {self.employer}{where}"
