from celery import shared_task

from unioncore.laborpower import jobs


@shared_task(name="unioncore.tasks.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str:
    """Import an uploaded LaborPower file once staff confirmed its dry run. Safe to run twice:
    a job already started or finished is left alone, and a re-imported file changes nothing."""
    return jobs.import_job_run(job_id=job_id).status
