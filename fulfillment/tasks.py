from celery import shared_task
from django.utils import timezone

from fulfillment import services
from unioncore.audit import system_user


@shared_task(name="fulfillment.tasks.sweep_auto_approvals", acks_late=True, reject_on_worker_lost=True, expires=50)
def sweep_auto_approvals() -> int:
    """Every minute. Idempotent: rows are locked with SKIP LOCKED and re-checked."""
    return services.auto_approve_due(now=timezone.now(), by=system_user())
