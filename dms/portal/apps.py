from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "dms.portal"
    label = "portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from dms.core.events import subscribe
        from dms.workshop import extensions

        from . import links, subscribers

        # The customer's links are texted when the order moves (dms.core.events: queued on
        # messaging's outbox in the step's own transaction) ...
        subscribe("repair_order.opened", subscribers.text_status_link, phase="transaction")
        subscribe("repair_order.signed", subscribers.text_status_link, phase="transaction")
        subscribe("repair_order.approval_requested", subscribers.text_approval_link, phase="transaction")
        # ... and shown on the workshop's pages and printed order (dms.workshop.extensions).
        extensions.register_panel("order_side", template="portal/_order_links.html")
        # The order's texts with their delivery status (messaging's outbox, its template tag).
        extensions.register_panel("order_side", template="portal/_order_messages.html")
        extensions.register_panel("list_top", template="portal/_at_risk.html")
        extensions.register_customer_link(links.status_url)
