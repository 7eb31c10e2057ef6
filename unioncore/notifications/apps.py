from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "unioncore.notifications"
    label = "notifications"
    verbose_name = "Messages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from unioncore.notifications.catalogue import MessageKind, register

        # The kernel's own critical alerts (seed: by SMS and email at once, whatever the hour).
        register(
            "unioncore",
            [
                MessageKind(
                    "magic_link", "Your UnionCore sign-in link",
                    "IBEW Local 46: your sign-in link, valid {minutes} minutes and once: {link}", critical=True,
                ),
                MessageKind("recall", "Recall notice", "{text}", critical=True),
            ],
        )  # fmt: skip
