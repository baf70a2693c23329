from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "dms.workshop"
    label = "workshop"

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.tenancy import get_scoped
        from dms.parts.links import register_order_kind

        from . import models

        # Parts are reserved for and issued to real orders of the store, named by their number.
        register_order_kind(
            "repair_order",
            lambda tenant, for_id: get_scoped(models.RepairOrder.objects, tenant, pk=for_id).number,
        )
        auditlog.register(models.LaborOperation)
        auditlog.register(models.RepairOrderLine)
