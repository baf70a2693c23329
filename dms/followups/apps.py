from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "dms.followups"
    label = "followups"
    verbose_name = _("Customer care")

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.events import subscribe
        from dms.core.navigation import register_home
        from dms.core.roles import Role
        from dms.workshop import extensions

        from . import models, selectors, subscribers

        auditlog.register(models.FollowUp)
        auditlog.register(models.TouchRule)
        subscribe("repair_order.delivered", subscribers.on_repair_order_delivered, phase="transaction")
        subscribe("sales_order.delivered", subscribers.on_sales_order_delivered, phase="transaction")
        subscribe("complaint.closed", subscribers.on_complaint_closed, phase="transaction")
        subscribe("lead.created", subscribers.on_lead_created, phase="transaction")
        # The delivery form starts from the customer's last answer (dms.workshop.extensions).
        extensions.register_delivery_defaults(selectors.delivery_defaults)
        register_home(Role.CUSTOMER_MANAGER, "followups:day")
        register_home(Role.CUSTOMER_CARE, "followups:day")
