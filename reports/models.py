"""The audit of report runs and the background exports of large reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from unioncore.audit import history_user


class ReportFormat(models.TextChoices):
    HTML = "html", "Web page"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"


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
        ]

    def __str__(self):
        return f"{self.title} ({self.get_format_display()}) by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being built"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


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

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self):
        return f"Export {self.pk}: {self.run.title} ({self.get_status_display()})"

    @property
    def owner_id(self) -> int:
        return self.run.user_id

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
