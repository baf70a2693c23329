from django.apps import AppConfig


class PartsConfig(AppConfig):
    name = "dms.parts"
    label = "parts"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Stock levels and moves are not audited here: every change of stock is a StockMove row.
        auditlog.register(models.Part, exclude_fields=["updated_at", "version"])
