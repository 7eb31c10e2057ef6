from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "referral"
    verbose_name = "Referral books"

    def ready(self):
        from .laborpower import register_kinds

        register_kinds()  # the app's LaborPower imports, with the framework (unioncore.imports)
