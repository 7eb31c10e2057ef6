from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members and dues"

    def ready(self):
        from .laborpower import register_kinds

        register_kinds()  # the app's LaborPower imports, with the framework (unioncore.imports)
