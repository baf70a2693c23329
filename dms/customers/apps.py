from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "dms.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from auditlog.registry import auditlog

        # The bearer-token cache (dms.core.middleware) listens to saves from the start, not only
        # once the first request has loaded the middleware.
        import dms.core.middleware  # noqa: F401

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
                "erasure",  # the reverse side of an erasure record: reading it on a new customer is a query
            ],
        )
        auditlog.register(models.CustomerContact)
        auditlog.register(models.SegmentationRules)

        from dms.core import retention

        from .privacy import purge_import_errors

        retention.register("import_errors", purge_import_errors, days="DMS_RETENTION_IMPORTS_DAYS")
