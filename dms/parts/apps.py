from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "dms.parts"
    label = "parts"
    verbose_name = _("Parts")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Stock levels and moves are not audited here: every change of stock is a StockMove row.
        auditlog.register(models.Part, exclude_fields=["updated_at", "version"])
