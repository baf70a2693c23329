from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """The electronic repair record (汽车维修电子健康档案, issue 15): built from each settled repair
    order, uploaded to the province's platform through the outbox, exported per period, readable by
    the owner on a signed link."""

    name = "dms.records"
    label = "records"
    verbose_name = _("Electronic repair records")

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.events import subscribe
        from dms.core.navigation import register_home_panel
        from dms.core.roles import Perm
        from dms.messaging import outbox
        from dms.workshop import extensions

        from . import models, selectors, subscribers, uploads

        # The record is built in the settle step's transaction, its upload queued with it ...
        subscribe("repair_order.settled", subscribers.on_repair_order_settled, phase="transaction")
        # ... and uploaded by messaging's outbox worker, as a kind of delivery of its own.
        outbox.register_sender("records", uploads.deliver_due)
        # Its upload state on the repair order's page (dms.workshop.extensions).
        extensions.register_panel(
            "order_side", template="records/_order_record.html", context=selectors.for_order
        )
        # The administrator's home page says when uploads failed.
        register_home_panel("records/_home_failures.html", Perm.RECORD_MANAGE)
        # Who changed the store's platform, and when (never the password or the token).
        auditlog.register(
            models.PlatformSettings, exclude_fields=["password", "access_token", "access_token_expires_at"]
        )
