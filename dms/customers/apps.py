from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "dms.customers"
    label = "customers"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(
            models.Customer,
            exclude_fields=[
                "name_pinyin",
                "name_initials",
                "name_tail",
                "mobile_tail",
                "updated_at",
                "version",
            ],
        )
        auditlog.register(models.CustomerContact)
        auditlog.register(models.SegmentationRules)
