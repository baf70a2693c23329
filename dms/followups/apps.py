from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "dms.followups"
    label = "followups"

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.events import subscribe
        from dms.workshop import extensions

        from . import models, selectors, subscribers

        auditlog.register(models.FollowUp)
        subscribe("repair_order.delivered", subscribers.on_repair_order_delivered, phase="transaction")
        # The delivery form starts from the customer's last answer (dms.workshop.extensions).
        extensions.register_delivery_defaults(selectors.delivery_defaults)
