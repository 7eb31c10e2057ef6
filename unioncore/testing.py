"""Helpers for tests: the hall's clock, racing real database transactions, the import worker."""

import datetime
import threading
from zoneinfo import ZoneInfo

from django.db import connections


def run_concurrently(*calls, timeout: float = 30.0) -> list:
    """Start every call in its own thread (own database connection) at the same moment; return
    each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


LA = ZoneInfo("America/Los_Angeles")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    """A moment of the hall's day (Los Angeles time)."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LA)


def check_uploaded_imports() -> list:
    """Run the dry run of every uploaded LaborPower file waiting for one, as the worker would
    (`unioncore.tasks.check_import_job`): the jobs, checked."""
    from unioncore import tasks
    from unioncore.models import ImportJob, ImportJobStatus

    waiting = list(
        ImportJob.objects.filter(status=ImportJobStatus.CHECKING).order_by("pk").values_list("pk", flat=True)
    )
    for job_id in waiting:
        tasks.check_import_job(job_id)
    return list(ImportJob.objects.filter(pk__in=waiting).order_by("pk"))


def upload_checked(*, kind: str, data: bytes, by, name: str = "", options: dict | None = None):
    """A LaborPower file uploaded as on the admin page, and its dry run done as the worker does it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from unioncore.imports import jobs

    upload = SimpleUploadedFile(name or f"{kind}.csv", data, content_type="text/csv")
    job = jobs.import_job_upload(kind=kind, upload=upload, by=by, options=options)
    return jobs.import_job_check(job_id=job.pk)
