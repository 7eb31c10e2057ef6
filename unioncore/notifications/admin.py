from django.contrib import admin

from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin
from unioncore.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, HistoryAdmin):
    """The outbox."""

    list_display = ("created_at", "kind", "cycle", "channel", "recipient", "status", "sent_at", "about_id", "error")
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient__username", "recipient__phone", "kind")
    list_select_related = ("recipient",)
    readonly_fields = (
        "about_id", "recipient", "channel", "kind", "cycle", "body", "link", "status", "attempts", "error",
        "fallback_of", "created_at", "sent_at",
    )  # fmt: skip
