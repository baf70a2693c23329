from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "dms.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from dms.core import retention
        from dms.customers import privacy

        from . import models, selectors, webhooks

        webhooks.connect()
        # A customer's export lists, and their erasure scrubs, the texts to other files quoting them.
        privacy.register_mentions(selectors.messages_quoting)
        # Texts to customers past their retention period (sent, failed or withheld; never one pending).
        retention.register("messages", retention.delete_rows(lambda cutoff: models.Message.objects.filter(created_at__lt=cutoff).exclude(state__in=models.PENDING_STATES)), days="DMS_RETENTION_MESSAGES_DAYS")  # fmt: skip
