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
