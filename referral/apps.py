from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "referral"
    verbose_name = "Referral books"

    def ready(self):
        from .laborpower import register_kinds
        from .messages import register_messages

        register_kinds()  # the app's LaborPower imports, with the framework (unioncore.imports)
        register_messages()  # the member's messages about their books, in the kernel's catalogue
        from .parts import register_parts

        register_parts()  # its parts of the member's home and console record (unioncore.composition)
