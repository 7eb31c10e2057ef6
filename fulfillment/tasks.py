from celery import shared_task
from django.utils import timezone

from fulfillment import services
from unioncore.audit import system_user


@shared_task(name="fulfillment.tasks.sweep_auto_approvals", acks_late=True, reject_on_worker_lost=True, expires=50)
def sweep_auto_approvals() -> int:
    """Every minute. Idempotent: rows are locked with SKIP LOCKED and re-checked."""
    return services.auto_approve_due(now=timezone.now(), by=system_user())


@shared_task(name="fulfillment.tasks.run_escalations", acks_late=True, reject_on_worker_lost=True, expires=50)
def run_escalations() -> int:
    """Every minute: write the ladder steps that have come due. Idempotent (unique steps, SKIP LOCKED)."""
    return services.run_escalations(now=timezone.now())


@shared_task(name="fulfillment.tasks.send_notification", acks_late=True, reject_on_worker_lost=True)
def send_notification(notification_id: int) -> str:
    """Send one outbox row after commit. Idempotent: only a pending row is sent, under its lock."""
    return services.send_notification(notification_id=notification_id)
