"""The audit of report runs and the background exports of large reports."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.http import urlencode
from simple_history.models import HistoricalRecords

from unioncore.audit import history_user


class ReportFormat(models.TextChoices):
    HTML = "html", "Web page"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"


class ReportRun(models.Model):
    """Who ran which report with which filters, in which format, and how many rows it had.
    Append-only (the database refuses UPDATE and DELETE)."""

    report = models.CharField(max_length=60, help_text="The report's slug")
    title = models.CharField(max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_runs")
    filters = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=8, choices=ReportFormat)
    row_count = models.PositiveIntegerField()
    background = models.BooleanField(default=False, help_text="Built by a background job (a large export)")
    at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["report", "at"]), models.Index(fields=["user", "at"])]
        permissions = [
            ("referral_reports", "Can run the referral and dispatch reports"),
            ("fulfillment_reports", "Can run the time-log and funds reports"),
            ("demographic_reports", "Can filter and read reports by race, gender and age (personal data)"),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_format_display()}) by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "File expired"


class ExportJob(models.Model):
    """A large export built in the background: its progress, then its file (under MEDIA_ROOT,
    served only to the user who asked and to staff who may read the report audit)."""

    run = models.OneToOneField(ReportRun, on_delete=models.PROTECT, related_name="export_job")
    status = models.CharField(max_length=16, choices=ExportStatus, default=ExportStatus.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/exports/%Y/%m/", blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        default=timezone.now, help_text="When the job last showed progress (queued, started, each 1,000 rows)"
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker started building it")

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "heartbeat_at"]), models.Index(fields=["status", "finished_at"])]

    def __str__(self):
        return f"Export {self.pk}: {self.run.title} ({self.get_status_display()})"

    @property
    def owner_id(self) -> int:
        return self.run.user_id

    @property
    def keep_days(self) -> int:
        return settings.REPORTS_EXPORT_KEEP_DAYS

    @property
    def expires_at(self):
        """When the sweep deletes the file (None until it is built)."""
        if self.finished_at is None or self.status != ExportStatus.DONE:
            return None
        return self.finished_at + datetime.timedelta(days=self.keep_days)

    @property
    def run_again_query(self) -> str:
        """The export link's query string that asks for the same export again (same filters, sort)."""
        filters = dict(self.run.filters)
        sort = filters.pop("_sort", "")
        if sort:
            filters["sort"] = sort
        columns = filters.pop("_columns", [])
        if columns:
            filters["columns"] = columns
        return urlencode(filters, doseq=True)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


# --- Saved custom reports (LaborPower's Custom tab; issue 24, item 3; decision 0055) ---


class SavedReport(models.Model):
    """A report as an officer set it up — its filters, the columns shown, the sort — under a name
    they chose; shared with staff groups, whose members see it and run it. The filters are kept as
    the report's filter set validated them, and validated again at every run."""

    name = models.CharField(max_length=120)
    report = models.CharField(max_length=60, help_text="The report's slug")
    variant = models.CharField(max_length=12, blank=True, help_text="The LaborPower id it was opened under")
    filters = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True, help_text="The columns shown; none: every column")
    sort = models.CharField(max_length=80, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_reports")
    shared_with = models.ManyToManyField(
        "auth.Group", blank=True, related_name="saved_reports", help_text="Staff groups that see and run it"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user, m2m_fields=[shared_with])

    class Meta:
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_once_per_owner")]
        permissions = [("save_report", "Can save, share and schedule reports")]

    def __str__(self):
        return self.name

    @property
    def query(self) -> dict:
        """The report page's query string for it: the filters, the sort, the columns."""
        out = {**self.filters}
        if self.variant:
            out["variant"] = self.variant
        if self.sort:
            out["sort"] = self.sort
        if self.columns:
            out["columns"] = list(self.columns)
        return out


class ScheduleFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ScheduleFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    CSV = "csv", "CSV"


# A weekly schedule names its day; a daily one none.
WEEKLY_HAS_ITS_DAY = models.Q(frequency="weekly", weekday__isnull=False) | models.Q(
    frequency="daily", weekday__isnull=True
)


class ReportSchedule(models.Model):
    """A saved report emailed daily or weekly at a time of the hall's day, as PDF, Excel or CSV,
    optionally in a password-protected (AES) zip. `next_run_at` is the next time it is due (the
    task picks the due ones by it); `last_run_for` the time of day of the last run it made."""

    saved_report = models.ForeignKey(SavedReport, on_delete=models.PROTECT, related_name="schedules")
    frequency = models.CharField(max_length=8, choices=ScheduleFrequency, default=ScheduleFrequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(choices=Weekday, null=True, blank=True, help_text="Weekly only")
    at_time = models.TimeField("At", help_text="The hall's time")
    recipients = models.TextField(help_text="Email addresses, one a line or separated by commas")
    format = models.CharField(max_length=8, choices=ScheduleFormat, default=ScheduleFormat.XLSX)
    # Encrypted (reports/zip_passwords.py); blank: the file is attached as it is. Not in the history.
    zip_password = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_for = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(get_user=history_user, excluded_fields=["zip_password", "next_run_at", "last_run_for"])

    class Meta:
        ordering = ("saved_report__name", "id")
        indexes = [models.Index(fields=["active", "next_run_at"])]
        constraints = [
            models.CheckConstraint(
                condition=WEEKLY_HAS_ITS_DAY,
                name="schedule_weekday_when_weekly",
            ),
        ]

    def __str__(self):
        return f"{self.saved_report.name}: {self.when}"

    @property
    def when(self) -> str:
        day = "every day" if self.frequency == ScheduleFrequency.DAILY else f"every {Weekday(self.weekday).label}"
        return f"{day} at {self.at_time:%H:%M}"

    @property
    def zipped(self) -> bool:
        return bool(self.zip_password)

    @property
    def recipient_list(self) -> list[str]:
        return [a for a in self.recipients.split(",") if a]


class ScheduledRunStatus(models.TextChoices):
    SENDING = "sending", "Sending (recorded; the email goes after it)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ScheduledRun(models.Model):
    """One run of a schedule: for which of its times, as whom, to whom, how many rows, sent or
    failed and why. One per schedule and time (the constraint makes a second run of the same
    time impossible). Recorded `sending` before its email goes, its outcome written once after
    (decision 0061); otherwise append-only, and its history is."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.PROTECT, related_name="runs")
    slot = models.DateTimeField(help_text="The scheduled time this run is for")
    report = models.CharField(max_length=60, help_text="The report's slug")
    name = models.CharField(max_length=120, help_text="The saved report's name then")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Run with this user's rights"
    )
    format = models.CharField(max_length=8, choices=ScheduleFormat)
    zipped = models.BooleanField(default=False)
    recipients = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=ScheduledRunStatus)
    error = models.CharField(max_length=300, blank=True)
    report_run = models.OneToOneField(ReportRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-slot", "-id")
        constraints = [models.UniqueConstraint(fields=["schedule", "slot"], name="scheduled_run_once_per_time")]

    def __str__(self):
        return f"{self.name} for {timezone.localtime(self.slot):%Y-%m-%d %H:%M}: {self.get_status_display()}"
