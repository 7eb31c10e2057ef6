from celery import shared_task

from reports import services
from unioncore.audit import system_user


@shared_task(name="reports.tasks.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_job_id: int) -> str:
    """Build a large export's file. Idempotent: only a queued job is built, under its lock."""
    return services.export_job_build(job_id=export_job_id, by=system_user()).status
