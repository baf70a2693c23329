from django.apps import AppConfig


class VehiclesConfig(AppConfig):
    name = "dms.vehicles"
    label = "vehicles"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Vehicle, exclude_fields=["vin_tail", "updated_at", "version"])
        auditlog.register(models.MileageReading)
        auditlog.register(models.VehicleOwnership)
        auditlog.register(models.ServiceRecord)
