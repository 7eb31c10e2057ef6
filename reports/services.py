"""Every write of the reports app: the audit row of each run or export, and the background
exports of large reports (queued, built with progress, then downloadable)."""

import logging
import tempfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from reports import framework, rendering
from reports.models import ExportJob, ExportStatus, ReportFormat, ReportRun
from unioncore.errors import RuleViolation
from unioncore.models import User

log = logging.getLogger(__name__)


def _ensure_can_run(report, by: User) -> None:
    if not report.can_run(by):
        raise PermissionDenied(f"{by} may not run {report.title}.")


def report_run_record(
    *, report: type[framework.Report], by: User, filters: dict, format: str, row_count: int, background: bool = False
) -> ReportRun:
    """The audit row: who ran which report, with which filters, in which format, how many rows."""
    run = ReportRun(
        report=report.slug, title=report.title, user=by, filters=filters, format=ReportFormat(format),
        row_count=row_count, background=background,
    )  # fmt: skip
    run._history_user = by
    run.save()
    return run


def _clean(report, filters: dict) -> dict:
    form = report.form(filters)
    if not form.is_valid():
        raise RuleViolation("bad_filters", "The filters are not valid.", fields=dict(form.errors.items()))
    return form


@transaction.atomic
def report_export(*, report: type[framework.Report], by: User, filters: dict, format: str, target, sort: str = ""):
    """A small export, written now to `target` (a binary file); returns the audit row. Refused
    (RuleViolation `too_large`) above the synchronous limit: queue it with `export_job_queue`."""
    _ensure_can_run(report, by)
    form = _clean(report, filters)
    rows = report.rows(form.cleaned_data, sort)
    count = report.count(rows)
    if count > framework.sync_max_rows(format):
        raise RuleViolation("too_large", f"{count:,} rows are too many to export at once: it runs in the background.")
    rendering.WRITERS[format](report, rows, target, filters=framework.describe_filters(form))
    return report_run_record(report=report, by=by, filters=framework.filters_json(form), format=format, row_count=count)


@transaction.atomic
def export_job_queue(
    *, report: type[framework.Report], by: User, filters: dict, format: str, sort: str = ""
) -> ExportJob:
    """A large export: the audit row now, the file built by a Celery task (after commit)."""
    _ensure_can_run(report, by)
    form = _clean(report, filters)
    count = report.count(report.rows(form.cleaned_data, sort))
    if count > framework.max_export_rows():
        raise RuleViolation(
            "too_large", f"{count:,} rows is more than an export may hold ({framework.max_export_rows():,}): "
            "narrow the filters.",
        )  # fmt: skip
    json_filters = framework.filters_json(form)
    if sort:
        json_filters["_sort"] = sort
    run = report_run_record(report=report, by=by, filters=json_filters, format=format, row_count=count, background=True)
    job = ExportJob(run=run, rows_total=count)
    job._history_user = by
    job.save()
    from reports import tasks

    transaction.on_commit(lambda: tasks.build_export.delay(job.pk))
    return job


def _set_progress(job_id: int, rows_done: int) -> None:
    """Progress outside any long transaction, so the polling page sees it; no history row."""
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(rows_done=rows_done)


def export_job_build(*, job_id: int, by: User | None = None) -> ExportJob:
    """Build a queued export's file (the Celery task calls this). Safe to run twice: a finished
    or running job is left alone. Progress is written as the rows go."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("run", "run__user").get(pk=job_id)
        if job.status != ExportStatus.QUEUED:
            return job
        job.status = ExportStatus.RUNNING
        job._history_user = by
        job.save()
    run = job.run
    report = framework.get(run.report)
    try:
        filters = {k: v for k, v in run.filters.items() if not k.startswith("_")}
        form = _clean(report, filters)
        rows = report.rows(form.cleaned_data, run.filters.get("_sort", ""))
        with tempfile.TemporaryFile() as target:
            rendering.WRITERS[run.format](
                report, rows, target, filters=framework.describe_filters(form),
                on_progress=lambda n: _set_progress(job.pk, n),
            )  # fmt: skip
            target.seek(0)
            with transaction.atomic():
                job = ExportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
                job.file.save(rendering.filename(report, run.format), File(target), save=False)
                job.status, job.rows_done, job.finished_at = ExportStatus.DONE, job.rows_total, timezone.now()
                job._history_user = by
                job.save()
    except Exception as error:
        log.exception("export %s failed", job_id)
        with transaction.atomic():
            job = ExportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
            job.status, job.error, job.finished_at = ExportStatus.FAILED, str(error)[:300], timezone.now()
            job._history_user = by
            job.save()
    return job


def ensure_can_download(job: ExportJob, user: User) -> None:
    """The user who asked, or staff who may read the report audit (and run that report)."""
    if job.owner_id == user.pk:
        return
    report = framework.get(job.run.report)
    if user.is_staff and user.has_perm("reports.view_exportjob") and report is not None and report.can_run(user):
        return
    raise PermissionDenied("This export belongs to someone else.")
