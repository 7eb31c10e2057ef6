from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "Dispatch"

    def ready(self):
        from .laborpower import register_kinds

        register_kinds()  # the app's LaborPower imports, with the framework (unioncore.imports)
