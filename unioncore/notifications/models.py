from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from unioncore.audit import history_user
from unioncore.notifications.enums import Channel, NotificationStatus, OptOutVia


class Notification(models.Model):
    """The outbox: one row per recipient, channel, message kind, the thing it is about and its
    cycle, so a step of a ladder can never be sent twice (decision 0013). The table and its
    history were fulfillment's until decision 0045."""

    # What the message is about, by id, as the app owning `kind` defines it (a time log for
    # fulfillment's ladders): no foreign key, so the outbox needs no domain model.
    about_id = models.BigIntegerField(null=True, blank=True, help_text="What it is about, by id (its kind says what)")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel)
    kind = models.CharField(max_length=40, help_text="The message and ladder step, e.g. verify_t60")
    cycle = models.PositiveIntegerField(default=0, help_text="The time log's timer cycle it belongs to")
    body = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=NotificationStatus, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    fallback_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="fallback")
    created_at = models.DateTimeField(auto_now_add=True)
    # Quiet hours: a message that is not critical, written at night, waits until morning.
    not_before = models.DateTimeField(null=True, blank=True, help_text="Held until then (quiet hours)")
    sent_at = models.DateTimeField(null=True, blank=True)

    # The history is read by row (`id`) and date: no index on its foreign keys, which every
    # message written would only add to (decision 0062).
    history = HistoricalRecords(get_user=history_user, no_db_index=["recipient", "fallback_of"])

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["about_id", "recipient", "channel", "kind", "cycle"], name="notification_once_per_step"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.kind} to {self.recipient}"


class SmsOptOut(models.Model):
    """A person's answer to "may we text you?": STOP (texted to the hall's number, or the
    portal's or the console's switch) opts out, START opts back in. No row: texts go. Critical
    messages (sign-in links, recalls, the time-log ladders) are texted regardless; the others
    go by email instead when there is an address (decision 0045)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sms_opt_out")
    opted_out = models.BooleanField(default=True)
    via = models.CharField(max_length=8, choices=OptOutVia, help_text="Where the last answer came from")
    changed_at = models.DateTimeField()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = "text message opt-out"

    def __str__(self):
        return f"{self.user}: {'no texts' if self.opted_out else 'texts'} ({self.get_via_display()})"
