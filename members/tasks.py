from celery import shared_task
from django.utils import timezone

from members import services
from unioncore.audit import system_user


@shared_task(name="members.tasks.expire_exemptions", expires=3600)
def expire_exemptions() -> int:
    return services.members_expire_exemptions(today=timezone.localdate(), by=system_user())
