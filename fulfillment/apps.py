from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = "Fulfillment (time logs)"

    def ready(self):
        from fulfillment.services.notifications import register_messages

        register_messages()  # the time-log messages, in the kernel's catalogue
        from fulfillment.parts import register_parts

        register_parts()  # its part of the member's home, and the clock-ins dispatch's no-shows read
