import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from fulfillment import services
from fulfillment.services import notifications
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
def send_pending_notifications(after: int = 0) -> int:
    """Send a wave of time-log messages: every pending outbox row (decision 0023). The first
    WAVE_CHUNK rows here, the rest as `send_notifications` tasks of WAVE_CHUNK rows, so that the
    workers send a large wave in parallel; past SEND_PENDING_LIMIT rows the next wave task
    carries on from the last id. Idempotent: a row is sent only while pending, under its lock."""
    ids = services.pending_notification_ids(after=after, limit=notifications.SEND_PENDING_LIMIT)
    chunks = [ids[n : n + notifications.WAVE_CHUNK] for n in range(0, len(ids), notifications.WAVE_CHUNK)]
    for chunk in chunks[1:]:
        send_notifications.delay(chunk)
    if len(ids) == notifications.SEND_PENDING_LIMIT:
        send_pending_notifications.delay(ids[-1])
    if chunks:
        send_notifications(chunks[0])
    return len(ids)
