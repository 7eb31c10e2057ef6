"""Test helpers for portal tests: deliver the outbox, read a sign-in link from a text."""

import re
from urllib.parse import urlsplit

LINK = re.compile(r"https?://\S+/portal/login/link/[^/\s]+/")


def deliver_pending() -> None:
    """Send every pending outbox row now, as the Celery workers would after commit."""
    from unioncore.notifications.enums import NotificationStatus
    from unioncore.notifications.models import Notification
    from unioncore.notifications.services import send_notification

    for pk in (
        Notification.objects.filter(status=NotificationStatus.PENDING).order_by("pk").values_list("pk", flat=True)
    ):
        send_notification(notification_id=pk)


def sign_in_path(text: str) -> str:
    """The path of the sign-in link in a message ("" when there is none)."""
    found = LINK.search(text or "")
    return urlsplit(found.group(0)).path if found else ""


def texted_sign_in_path(phone: str) -> str:
    """The path of the last sign-in link texted to `phone` (in-memory SMS backend)."""
    from unioncore.notifications import sms

    for message in reversed(sms.outbox):
        if message.to == phone and sign_in_path(message.body):
            return sign_in_path(message.body)
    return ""
