import logging

from celery import shared_task
from django.utils import timezone

from unioncore.notifications import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_notification", acks_late=True, reject_on_worker_lost=True)
def send_notification(notification_id: int) -> str:
    """Send one outbox row after commit. Idempotent: only a pending row is sent, under its lock."""
    return services.send_notification(notification_id=notification_id)


@shared_task(name="notifications.send_notifications", acks_late=True, reject_on_worker_lost=True)
def send_notifications(notification_ids: list[int]) -> list[str]:
    """Send a batch of outbox rows (one task per sweep batch): `send_notification` for each, in
    order. A row that raises stays pending (requeue_pending queues it again); the rest still go."""
    statuses = []
    for notification_id in notification_ids:
        try:
            statuses.append(services.send_notification(notification_id=notification_id))
        except Exception:
            logger.exception("Could not send notification %s", notification_id)
            statuses.append("error")
    return statuses


@shared_task(name="notifications.send_pending_notifications", acks_late=True, reject_on_worker_lost=True)
def send_pending_notifications(after: int = 0) -> int:
    """Send a wave of messages: every pending outbox row (decision 0023). The first WAVE_CHUNK
    rows here, the rest as `send_notifications` tasks of WAVE_CHUNK rows, so that the workers
    send a large wave in parallel; past SEND_PENDING_LIMIT rows the next wave task carries on
    from the last id. Idempotent: a row is sent only while pending, under its lock."""
    ids = services.pending_notification_ids(after=after, limit=services.SEND_PENDING_LIMIT)
    chunks = [ids[n : n + services.WAVE_CHUNK] for n in range(0, len(ids), services.WAVE_CHUNK)]
    for chunk in chunks[1:]:
        send_notifications.delay(chunk)
    if len(ids) == services.SEND_PENDING_LIMIT:
        send_pending_notifications.delay(ids[-1])
    if chunks:
        send_notifications(chunks[0])
    return len(ids)


@shared_task(name="notifications.requeue_pending", acks_late=True, reject_on_worker_lost=True, expires=50)
def requeue_pending() -> int:
    """Every minute: queue again the pending rows whose task never ran (broker down at commit)."""
    return services.requeue_stale(now=timezone.now())
