from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from unioncore.audit import history_user

E164 = r"^\+[1-9][0-9]{1,14}$"


class UserKind(models.TextChoices):
    STAFF = "staff", "Union staff"
    MEMBER = "member", "Member"
    EMPLOYER = "employer", "Employer user"


class User(AbstractUser):
    """Anyone who logs in: union staff, members, employers' supervisors."""

    kind = models.CharField(max_length=16, choices=UserKind, default=UserKind.MEMBER)
    # Phone-first: members log in with it and receive their links on it. NULL when unknown so
    # that uniqueness applies only to numbers actually set.
    phone = PhoneNumberField(null=True, blank=True, unique=True, help_text="E.164, e.g. +12065550134")
    # Seed rule: a lock is a moment in time, not a flag; it lifts itself when the moment passes.
    locked_until = models.DateTimeField(null=True, blank=True, help_text="Logins refused until then")
    failed_login_count = models.PositiveSmallIntegerField(default=0, editable=False)
    failed_login_window_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()
    # Passwords and login bookkeeping stay out of the audit trail; the lock itself is audited.
    history = HistoricalRecords(
        get_user=history_user,
        excluded_fields=["password", "last_login", "failed_login_count", "failed_login_window_started_at"],
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(phone__isnull=True) | Q(phone__regex=E164), name="user_phone_e164"),
        ]

    def save(self, *args, **kwargs):
        if not self.phone:
            self.phone = None  # "" would collide with every other user without a phone
        super().save(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class LoginLink(models.Model):
    """A one-time sign-in link sent by SMS (and email). Only a SHA-256 digest of its key is kept;
    it works once, until `expires_at` (docs/decisions/0017)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="login_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    # Who asked for links and when they were used is audited; the digest is not copied.
    history = HistoricalRecords(get_user=history_user, excluded_fields=["token_hash"])

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return f"Sign-in link for {self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportJobStatus(models.TextChoices):
    CHECKING = "checking", "Checking (dry run)"
    CHECKED = "checked", "Checked (dry run)"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed (nothing written)"


class ImportJob(models.Model):
    """A LaborPower file uploaded by staff in the admin: its dry run as a Celery task, its
    report, then (once confirmed) its import as another task, each with progress
    (docs/imports.md)."""

    kind = models.CharField(max_length=40)
    file = models.FileField(upload_to="laborpower/%Y/%m/")
    original_name = models.CharField("file name", max_length=200)
    status = models.CharField(max_length=16, choices=ImportJobStatus, default=ImportJobStatus.CHECKING)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Rejected rows: line, column, value, reason")
    warnings = models.JSONField(
        default=list, blank=True, help_text="Notes that do not stop the import: line, column, value, reason"
    )
    # The kind's options as the dry run used them (its options form's data); the import uses them too.
    options = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    # Written every PROGRESS_EVERY rows from a connection of its own (no history row for these).
    progress_phase = models.CharField(max_length=40, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the dry run or the import last showed it is alive (its start, then with each progress
    # write): a job silent for LABORPOWER_IMPORT_STALE_MINUTES lost its worker (nothing written).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        get_user=history_user,
        excluded_fields=["progress_phase", "progress_done", "progress_total", "heartbeat_at"],
    )

    class Meta:
        ordering = ("-uploaded_at", "-id")
        verbose_name = "LaborPower import"
        permissions = [("run_importjob", "Can import LaborPower files")]

    def __str__(self):
        return f"{self.kind} — {self.original_name} ({self.get_status_display()})"

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def warning_count(self) -> int:
        return len(self.warnings)
