from celery import shared_task
from django.utils import timezone

from reports import services
from unioncore.audit import system_user


@shared_task(name="reports.tasks.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_job_id: int) -> str:
    """Build a large export's file. Acknowledged late and requeued if the worker dies, so the
    message may come twice: only a queued job, or a running one whose heartbeat is stale (its
    worker died), is built, under its lock; a finished one is left alone."""
    return services.export_job_build(job_id=export_job_id, by=system_user()).status


@shared_task(name="reports.tasks.sweep_exports", acks_late=True, reject_on_worker_lost=True, expires=290)
def sweep_exports() -> dict[str, int]:
    """Every 5 minutes: delete the files of exports past REPORTS_EXPORT_KEEP_DAYS, fail exports
    silent for REPORTS_EXPORT_STALE_MINUTES, send lost queued ones again. Idempotent (SKIP LOCKED,
    batches that commit on their own)."""
    return services.exports_sweep(now=timezone.now(), by=system_user())


@shared_task(name="reports.tasks.run_report_schedules", acks_late=True, reject_on_worker_lost=True, expires=290)
def run_report_schedules() -> dict[str, int]:
    """Every 5 minutes: email the saved reports whose schedule is due, each once for its time
    (decision 0055). Idempotent: SKIP LOCKED, one run per schedule and time."""
    return services.report_schedules_run_due(now=timezone.now(), by=system_user())
