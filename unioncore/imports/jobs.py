"""The admin page's imports: a staff member uploads a file; a Celery task checks it (the dry
run, `unioncore.tasks.check_import_job`) while the page shows its progress, then the report; on
their confirmation another task imports it (`unioncore.tasks.run_import_job`), reporting progress
on the job row as it goes. No file is read in the web request (decision 0039). Every write of an
ImportJob is here."""

import datetime
import io
import logging

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from unioncore.errors import ImportFileError, RuleViolation
from unioncore.imports import KINDS, RowError, ensure_may_import, kind_label, may_import, run, write_error_report
from unioncore.imports.base import WARNING, options_data, shown
from unioncore.models import ImportJob, ImportJobStatus, User

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ERRORS_KEPT = 5000  # rows of the report kept on the job (the count is always exact)
UNEXPECTED_ERROR = "The import stopped on an unexpected error; nothing was written. The administrator has the log."
STALE_ERROR = "The import stopped when its worker stopped; nothing was written. Confirm it again."
UNEXPECTED_CHECK_ERROR = "The check of the file stopped on an unexpected error. The administrator has the log."
STALE_CHECK_ERROR = "The check of the file stopped when its worker stopped. Upload the file again."
SWEEP_BATCH = 100

log = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    return getattr(settings, "LABORPOWER_UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES)


def _errors_json(errors: list[RowError]) -> list[dict]:
    ordered = sorted(errors, key=lambda e: (e.line, e.column))
    # jsonb stores no NUL character: a file's value or column holding one is shown as ␀.
    return [{"line": e.line, "column": shown(e.column), "value": shown(e.value), "reason": e.reason} for e in ordered]


def _store_report(job: ImportJob, report) -> None:
    job.rows, job.created, job.updated, job.unchanged = report.rows, report.created, report.updated, report.unchanged
    job.errors = _errors_json(report.errors[:MAX_ERRORS_KEPT])
    job.warnings = _errors_json(report.warnings[:MAX_ERRORS_KEPT])
    job.summary = report.summary()[:300]


@transaction.atomic
def import_job_upload(*, kind: str, upload, by: User, options: dict | None = None) -> ImportJob:
    """Store the uploaded file and the kind's options, and queue its dry run (nothing of the
    file's rows is written). The options are kept as the dry run will use them (defaults filled
    in): the confirmed import runs with exactly these."""
    if kind not in KINDS:
        raise RuleViolation(ImportFileError.UNKNOWN_KIND, f"Unknown kind {kind!r}.", fields={"kind": "Unknown."})
    ensure_may_import(kind, by, dry_run=True)
    options = options_data(KINDS[kind], options)
    job = ImportJob(
        kind=kind, file=upload, original_name=upload.name[:200], uploaded_by=by, options=options,
        status=ImportJobStatus.CHECKING, summary="Waiting for a worker to check the file.",
    )  # fmt: skip
    job._history_user = by
    job.save()
    from unioncore import tasks

    transaction.on_commit(lambda: tasks.check_import_job.delay(job.pk))
    return job


def _start_check(job_id: int) -> tuple[ImportJob, bool]:
    """Lock the job and decide: check it (waiting, or checking with a stale heartbeat: its worker
    died) or leave it alone (checked already, failed, or a live worker is checking it)."""
    with transaction.atomic():
        job = lock_job(job_id)
        now = timezone.now()
        if job.status != ImportJobStatus.CHECKING or (job.heartbeat_at and job.heartbeat_at >= _stale_before(now)):
            return job, False
        job.heartbeat_at, job.summary = now, "Checking the file."
        job.progress_phase, job.progress_done, job.progress_total = "", 0, 0
        job._history_user = job.uploaded_by
        job.save()
    return job, True


def import_job_check(*, job_id: int) -> ImportJob:
    """The dry run of an uploaded file, in the worker: every row checked as the import would,
    nothing written; the report stored on the job, which is then "checked". Safe to run twice:
    a job checked already, or one a live worker is checking, is left as it is."""
    job, go = _start_check(job_id)
    if not go:
        return job
    if not may_import(job.kind, job.uploaded_by, dry_run=True):
        # The uploader's right was taken away since the upload: nothing of the file is read.
        return _fail_check(
            job_id, by=job.uploaded_by, summary=f"{job.uploaded_by} may not import {kind_label(job.kind)} files."
        )
    with job.file.open("rb") as f:
        data = f.read()
    progress = _ProgressWriter(job.pk)
    try:
        report = run(job.kind, data, by=job.uploaded_by, dry_run=True, options=job.options, on_progress=progress)
    except Exception:
        log.exception("import job %s: the check failed", job_id)
        _fail_check(job_id, by=job.uploaded_by, summary=UNEXPECTED_CHECK_ERROR)
        raise
    finally:
        progress.close()
    with transaction.atomic():
        job = lock_job(job_id)
        if job.status != ImportJobStatus.CHECKING:
            return job  # the sweep failed it meanwhile
        _store_report(job, report)
        job.status, job.heartbeat_at = ImportJobStatus.CHECKED, timezone.now()
        job._history_user = job.uploaded_by
        job.save()
    return job


@transaction.atomic
def _fail_check(job_id: int, *, by: User, summary: str) -> ImportJob:
    job = lock_job(job_id)
    if job.status == ImportJobStatus.CHECKING:
        job.status, job.summary, job.finished_at = ImportJobStatus.FAILED, summary[:300], timezone.now()
        job._history_user = by
        job.save()
    return job


def lock_job(job_id: int) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job_id)


def stopped_with_its_worker(job: ImportJob) -> bool:
    """Failed because its worker stopped (the sweep said so): nothing was written, and it may
    be confirmed again."""
    return job.status == ImportJobStatus.FAILED and job.summary == STALE_ERROR and not job.errors


def _stale_before(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.LABORPOWER_IMPORT_STALE_MINUTES)


def _silent_since(before: datetime.datetime) -> Q:
    """Running jobs whose last sign of life is older than `before`."""
    return Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)


@transaction.atomic
def import_job_confirm(*, job_id: int, by: User) -> ImportJob:
    """Queue the import of a checked file, or again of one whose worker stopped (nothing of it
    was written). Confirming twice queues it once."""
    job = lock_job(job_id)
    ensure_may_import(job.kind, by)
    if stopped_with_its_worker(job):
        job.summary = "Confirmed again after its worker stopped."
        job.started_at = job.finished_at = job.heartbeat_at = None
        job.progress_phase, job.progress_done, job.progress_total = "", 0, 0
    elif job.status != ImportJobStatus.CHECKED:
        return job
    if job.errors:
        raise RuleViolation(
            ImportFileError.FILE_HAS_ERRORS, "This file has rejected rows: fix them and upload it again."
        )
    job.status, job.confirmed_by, job.confirmed_at = ImportJobStatus.QUEUED, by, timezone.now()
    job._history_user = by
    job.save()
    from unioncore import tasks

    transaction.on_commit(lambda: tasks.run_import_job.delay(job.pk))
    return job


def _start(job_id: int) -> tuple[ImportJob, bool]:
    """Lock the job and decide: import it (queued, or running with a stale heartbeat: its
    worker died and its transaction rolled back, so nothing was written) or leave it alone
    (finished, failed, or running with a live worker)."""
    with transaction.atomic():
        job = lock_job(job_id)
        now = timezone.now()
        last_sign = job.heartbeat_at or job.started_at
        if job.status == ImportJobStatus.RUNNING and last_sign and last_sign < _stale_before(now):
            log.warning("import job %s: starting again, its worker went silent", job_id)
        elif job.status != ImportJobStatus.QUEUED:
            return job, False
        job.status, job.started_at, job.heartbeat_at = ImportJobStatus.RUNNING, now, now
        job.progress_phase, job.progress_done, job.progress_total = "", 0, 0
        job._history_user = job.confirmed_by
        job.save()
    return job, True


def import_job_run(*, job_id: int) -> ImportJob:
    """Import a queued job's file as the user who confirmed it. Safe to run twice: a job that is
    not queued any more is left as it is, unless it is running with a heartbeat older than
    LABORPOWER_IMPORT_STALE_MINUTES (a message redelivered after its worker died: that worker's
    transaction rolled back, so it is imported again). The job says "running" (and its progress)
    from outside the import's transaction; the rows and the outcome commit together, and only
    if this run still owns the job (the sweep may have failed it meanwhile)."""
    job, go = _start(job_id)
    if not go:
        return job
    started_at = job.started_at
    by = job.confirmed_by or job.uploaded_by
    if not may_import(job.kind, by):
        # Its right was taken away since the confirmation (or never given): nothing is read.
        refused = f"{by} may not import {kind_label(job.kind)} files; nothing was written."
        return _fail(job_id, started_at, by=by, summary=refused)
    with job.file.open("rb") as f:
        data = f.read()
    progress = _ProgressWriter(job.pk)
    try:
        with transaction.atomic():
            try:
                report = run(job.kind, data, by=by, options=job.options, on_progress=progress)
            finally:
                progress.close()
            job = lock_job(job_id)
            if job.status != ImportJobStatus.RUNNING or job.started_at != started_at:
                log.warning("import job %s: finished after it lost the job; nothing is written", job_id)
                transaction.set_rollback(True)
                return job
            _store_report(job, report)
            job.status = ImportJobStatus.DONE if report.written else ImportJobStatus.FAILED
            job.finished_at = job.heartbeat_at = timezone.now()
            job._history_user = by
            job.save()
    except Exception:
        # A fault of ours, not of the file: the rows rolled back; say so now rather than let
        # the job look "running" until the sweep calls it a lost worker. Re-raised for Sentry.
        log.exception("import job %s failed", job_id)
        _fail(job_id, started_at, by=by, summary=UNEXPECTED_ERROR)
        raise
    return job


def _fail(job_id: int, started_at, *, by: User, summary: str) -> ImportJob:
    with transaction.atomic():
        job = lock_job(job_id)
        if job.status == ImportJobStatus.RUNNING and job.started_at == started_at:
            job.status, job.summary, job.finished_at = ImportJobStatus.FAILED, summary[:300], timezone.now()
            job._history_user = by
            job.save()
    return job


def _locked_batch(jobs):
    """Up to SWEEP_BATCH of these jobs, locked; rows another sweep holds are skipped (it does them)."""
    return list(jobs.select_for_update(skip_locked=True).order_by("pk")[:SWEEP_BATCH])


def import_jobs_sweep(*, now: datetime.datetime, by: User | None = None) -> int:
    """The periodic check of imports (unioncore.tasks.sweep_import_jobs): a running import
    silent for LABORPOWER_IMPORT_STALE_MINUTES lost its worker (its transaction rolled back,
    nothing was written): it is marked failed, and its page offers to confirm it again. A dry
    run as silent is failed too: the file is to be uploaded again. Safe to run twice or at once:
    each batch commits on its own, rows are locked with SKIP LOCKED and no longer match once
    done. Returns how many were failed."""
    failed = 0
    before = _stale_before(now)
    stale = ImportJob.objects.filter(
        Q(_silent_since(before), status=ImportJobStatus.RUNNING)
        | Q(status=ImportJobStatus.CHECKING, heartbeat_at__lt=before)
    )
    while True:
        with transaction.atomic():
            batch = _locked_batch(stale)
            for job in batch:
                summary = STALE_ERROR if job.status == ImportJobStatus.RUNNING else STALE_CHECK_ERROR
                job.status, job.summary, job.finished_at = ImportJobStatus.FAILED, summary, now
                job._history_user = by
                job.save()
        failed += len(batch)
        if len(batch) < SWEEP_BATCH:
            return failed


class _ProgressWriter:
    """on_progress for run(): writes the job's progress and heartbeat from a connection of its
    own, so the page (and the sweep) see it while the import's transaction is still open."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        # Only on PostgreSQL: SQLite (`make run`) has one writer at a time, and the import's
        # transaction is it; a second connection would wait for it to end. There the page shows
        # the job running until it is done.
        self.connection = connections.create_connection("default") if connection.vendor == "postgresql" else None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.connection is None:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET progress_phase = %s, progress_done = %s, "
                "progress_total = %s, heartbeat_at = %s WHERE id = %s",
                [phase[:40], done, total, timezone.now(), self.job_id],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def error_report_csv(job: ImportJob) -> str:
    """The job's rejected rows and warnings as CSV (line, column, value, reason, severity)."""
    out = io.StringIO()
    warnings = [RowError(**w, severity=WARNING) for w in job.warnings]
    write_error_report([RowError(**e) for e in job.errors], out, warnings)
    return out.getvalue()
