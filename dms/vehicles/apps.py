from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VehiclesConfig(AppConfig):
    name = "dms.vehicles"
    label = "vehicles"
    verbose_name = _("Vehicles")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Vehicle, exclude_fields=["vin_tail", "updated_at", "version"])
        # MileageReading is not registered: readings are only added, each row records who, when
        # read and when entered (an audit entry per reading repeated it on the busiest path).
        auditlog.register(models.VehicleOwnership)
        auditlog.register(models.ServiceRecord)
