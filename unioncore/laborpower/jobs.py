"""The admin page's imports: a staff member uploads a file and sees its dry run; on their
confirmation a Celery task imports it (`unioncore.tasks.run_import_job`), reporting progress on
the job row as it goes. Every write of an ImportJob is here."""

import io

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from unioncore.errors import RuleViolation
from unioncore.laborpower import KINDS, RowError, run, write_error_report
from unioncore.models import ImportJob, ImportJobStatus, User

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ERRORS_KEPT = 5000  # rows of the report kept on the job (the count is always exact)


def max_upload_bytes() -> int:
    return getattr(settings, "LABORPOWER_UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES)


def _errors_json(errors: list[RowError]) -> list[dict]:
    ordered = sorted(errors, key=lambda e: (e.line, e.column))
    return [{"line": e.line, "column": e.column, "value": e.value, "reason": e.reason} for e in ordered]


def _store_report(job: ImportJob, report) -> None:
    job.rows, job.created, job.updated, job.unchanged = report.rows, report.created, report.updated, report.unchanged
    job.errors = _errors_json(report.errors[:MAX_ERRORS_KEPT])
    job.summary = report.summary()[:300]


@transaction.atomic
def import_job_check(*, kind: str, upload, by: User) -> ImportJob:
    """Store the uploaded file and its dry-run report (nothing of the file's rows is written)."""
    if kind not in KINDS:
        raise RuleViolation("unknown_kind", f"Unknown kind {kind!r}.", fields={"kind": "Unknown."})
    data = upload.read()
    upload.seek(0)
    report = run(kind, data, by=by, dry_run=True)
    job = ImportJob(kind=kind, file=upload, original_name=upload.name[:200], uploaded_by=by)
    _store_report(job, report)
    job._history_user = by
    job.save()
    return job


def lock_job(job_id: int) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job_id)


@transaction.atomic
def import_job_confirm(*, job_id: int, by: User) -> ImportJob:
    """Queue the import of a checked file. Confirming twice queues it once."""
    job = lock_job(job_id)
    if job.status != ImportJobStatus.CHECKED:
        return job
    if job.errors:
        raise RuleViolation("file_has_errors", "This file has rejected rows: fix them and upload it again.")
    job.status, job.confirmed_by, job.confirmed_at = ImportJobStatus.QUEUED, by, timezone.now()
    job._history_user = by
    job.save()
    from unioncore import tasks

    transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Import a queued job's file as the user who confirmed it. Safe to run twice: a job that is
    not queued any more is left as it is. Not one transaction: the job says "running" (and its
    progress) while the import's own transaction is open."""
    with transaction.atomic():
        job = lock_job(job_id)
        if job.status != ImportJobStatus.QUEUED:
            return job
        job.status, job.started_at = ImportJobStatus.RUNNING, timezone.now()
        job._history_user = job.confirmed_by
        job.save()
    by = job.confirmed_by or job.uploaded_by
    with job.file.open("rb") as f:
        data = f.read()
    progress = _ProgressWriter(job.pk)
    try:
        report = run(job.kind, data, by=by, on_progress=progress)
    finally:
        progress.close()
    with transaction.atomic():
        job = lock_job(job_id)
        _store_report(job, report)
        job.status = ImportJobStatus.DONE if report.written else ImportJobStatus.FAILED
        job.finished_at = timezone.now()
        job._history_user = by
        job.save()
    return job


class _ProgressWriter:
    """on_progress for run(): writes the job's progress from a connection of its own, so the
    page sees it while the import's transaction is still open."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = connections.create_connection("default")

    def __call__(self, phase: str, done: int, total: int) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET progress_phase = %s, progress_done = %s, "
                "progress_total = %s WHERE id = %s",
                [phase[:40], done, total, self.job_id],
            )

    def close(self) -> None:
        self.connection.close()


def error_report_csv(job: ImportJob) -> str:
    out = io.StringIO()
    write_error_report([RowError(**e) for e in job.errors], out)
    return out.getvalue()
