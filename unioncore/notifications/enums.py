from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (no longer relevant)"


class OptOutVia(models.TextChoices):
    SMS = "sms", "Texted STOP / START"
    PORTAL = "portal", "The portal's setting"
    CONSOLE = "console", "The staff console"
