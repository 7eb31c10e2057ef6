from celery import shared_task
from django.utils import timezone

from dispatch import services
from unioncore.audit import system_user


@shared_task(name="dispatch.tasks.expire_job_requests", expires=3600)
def expire_job_requests() -> int:
    return services.job_requests_expire(today=timezone.localdate(), by=system_user())


@shared_task(name="dispatch.tasks.roll_off_no_shows", expires=3600)
def roll_off_no_shows() -> int:
    """3 PM: members dispatched today who have not checked in with the employer come off the books."""
    return len(services.dispatch_roll_off_no_shows(day=timezone.localdate(), by=system_user()))


@shared_task(name="dispatch.tasks.notify_unfilled_requests", expires=3600)
def notify_unfilled_requests() -> int:
    """10:00 on working days: the officers are told which requests the morning referral left unfilled."""
    return services.notify_unfilled_requests(now=timezone.now())


@shared_task(name="dispatch.tasks.warn_no_shows", expires=3600)
def warn_no_shows() -> int:
    """1 PM: members dispatched today who have not checked in yet are told to, before 3 PM."""
    return services.dispatch_warn_no_shows(day=timezone.localdate())
