from celery import shared_task
from django.utils import timezone

from fulfillment.services import notifications, timelogs
from unioncore.audit import system_user


@shared_task(name="fulfillment.tasks.sweep_auto_approvals", acks_late=True, reject_on_worker_lost=True, expires=50)
def sweep_auto_approvals() -> int:
    """Every minute. Idempotent: rows are locked with SKIP LOCKED and re-checked. Each batch of
    AUTO_APPROVAL_BATCH rows commits on its own, so a worker killed mid-sweep leaves whole batches
    done and the rest due; the message, acknowledged late, runs again and approves the rest."""
    return timelogs.auto_approve_due(now=timezone.now(), by=system_user())


@shared_task(name="fulfillment.tasks.run_escalations", acks_late=True, reject_on_worker_lost=True, expires=50)
def run_escalations() -> int:
    """Every minute: write the ladder steps that have come due. Idempotent (unique steps, SKIP LOCKED)."""
    return notifications.run_escalations(now=timezone.now())
