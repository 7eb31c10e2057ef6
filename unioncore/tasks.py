from celery import shared_task
from django.utils import timezone

from unioncore import services
from unioncore.audit import system_user
from unioncore.imports import jobs


@shared_task(name="unioncore.tasks.check_import_job", acks_late=True, reject_on_worker_lost=True)
def check_import_job(job_id: int) -> str:
    """The dry run of an uploaded LaborPower file, out of the web request (decision 0039). Writes
    only the job's report, so a redelivered message is harmless: a job checked already, or one a
    live worker is checking, is left alone."""
    return jobs.import_job_check(job_id=job_id).status


@shared_task(name="unioncore.tasks.run_import_job", acks_late=True, reject_on_worker_lost=True)
def run_import_job(job_id: int) -> str:
    """Import an uploaded LaborPower file once staff confirmed its dry run. Acknowledged late and
    requeued if the worker dies, so the message may come twice: a finished job, or one a live
    worker is importing, is left alone; a running one silent for LABORPOWER_IMPORT_STALE_MINUTES
    (its worker died, nothing was written) is imported again."""
    return jobs.import_job_run(job_id=job_id).status


@shared_task(name="unioncore.tasks.sweep_import_jobs", acks_late=True, reject_on_worker_lost=True, expires=290)
def sweep_import_jobs() -> int:
    """Every 5 minutes: fail imports silent for LABORPOWER_IMPORT_STALE_MINUTES (their worker
    died; nothing was written), so their page offers to confirm them again. Idempotent."""
    return jobs.import_jobs_sweep(now=timezone.now(), by=system_user())


@shared_task(name="unioncore.tasks.prune_login_links", acks_late=True, reject_on_worker_lost=True, expires=3600)
def prune_login_links() -> int:
    """Daily: delete sign-in links expired more than LOGIN_LINK_KEEP_DAYS ago; their history
    stays (docs/decisions/0025). Idempotent (SKIP LOCKED, batches that commit on their own)."""
    return services.login_links_prune(now=timezone.now(), by=system_user())


@shared_task(name="unioncore.tasks.send_login_link", acks_late=True, reject_on_worker_lost=True, expires=600)
def send_login_link(*, identifier: str, ip: str | None = None) -> bool:
    """A visitor asked for a sign-in link (the page has already answered, the same for every
    number): look the account up and send it, within the per-account and per-address limits.
    Twice is harmless: at most 3 links per account per lifetime, and only the last one's use
    matters (using one spends the others). Expires in 10 minutes: a link sent later than that
    is no use to someone standing at the hall's door."""
    return services.login_link_send(identifier=identifier, ip=ip) is not None
