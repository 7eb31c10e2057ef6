from django.apps import AppConfig


class UnioncoreConfig(AppConfig):
    name = "unioncore"
    verbose_name = "Accounts and audit"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401  (login success / failure receivers)
        from .roles import sync_staff_groups

        # After every migrate, so the permissions of models added later reach the groups.
        post_migrate.connect(sync_staff_groups, dispatch_uid="unioncore.sync_staff_groups")
