from celery import shared_task
from django.utils import timezone

from dispatch import services
from unioncore.audit import system_user


@shared_task(name="dispatch.tasks.expire_job_requests", expires=3600)
def expire_job_requests() -> int:
    return services.job_requests_expire(today=timezone.localdate(), by=system_user())
