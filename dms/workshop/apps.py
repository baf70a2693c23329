from django.apps import AppConfig


class WorkshopConfig(AppConfig):
    name = "dms.workshop"
    label = "workshop"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.LaborOperation)
        auditlog.register(models.RepairOrderLine)
