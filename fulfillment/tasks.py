import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from fulfillment import services
from unioncore.audit import system_user

logger = logging.getLogger(__name__)


@shared_task(name="fulfillment.tasks.sweep_auto_approvals", acks_late=True, reject_on_worker_lost=True, expires=50)
def sweep_auto_approvals() -> int:
    """Every minute. Idempotent: rows are locked with SKIP LOCKED and re-checked. Each batch of
    AUTO_APPROVAL_BATCH rows commits on its own, so a worker killed mid-sweep leaves whole batches
    done and the rest due; the message, acknowledged late, runs again and approves the rest."""
    return services.auto_approve_due(now=timezone.now(), by=system_user(), batch=settings.AUTO_APPROVAL_BATCH)


@shared_task(name="fulfillment.tasks.run_escalations", acks_late=True, reject_on_worker_lost=True, expires=50)
def run_escalations() -> int:
    """Every minute: write the ladder steps that have come due. Idempotent (unique steps, SKIP LOCKED)."""
    return services.run_escalations(now=timezone.now())


@shared_task(name="fulfillment.tasks.send_notification", acks_late=True, reject_on_worker_lost=True)
def send_notification(notification_id: int) -> str:
    """Send one outbox row after commit. Idempotent: only a pending row is sent, under its lock."""
    return services.send_notification(notification_id=notification_id)


@shared_task(name="fulfillment.tasks.send_notifications", acks_late=True, reject_on_worker_lost=True)
def send_notifications(notification_ids: list[int]) -> list[str]:
    """Send a batch of outbox rows (one task per sweep batch): `send_notification` for each, in
    order. A row that raises stays pending (run_escalations queues it again); the rest still go."""
    statuses = []
    for notification_id in notification_ids:
        try:
            statuses.append(services.send_notification(notification_id=notification_id))
        except Exception:
            logger.exception("Could not send notification %s", notification_id)
            statuses.append("error")
    return statuses


@shared_task(name="fulfillment.tasks.send_pending_notifications", acks_late=True, reject_on_worker_lost=True)
def send_pending_notifications() -> int:
    """Send a wave of time-log messages: every pending outbox row. Idempotent (each row under
    its lock, only while pending); a wave larger than one task's share carries on in the next."""
    sent, more = services.send_pending()
    if more:
        send_pending_notifications.delay()
    return sent
