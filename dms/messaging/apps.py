from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "dms.messaging"
    label = "messaging"

    def ready(self):
        from . import webhooks

        webhooks.connect()
