from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "dms.scheduling"
    label = "scheduling"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Appointments are not audited here: every change of state is an AppointmentEvent row.
        auditlog.register(models.Bay)
        auditlog.register(models.Team)
        auditlog.register(models.Technician)
        auditlog.register(models.WorkshopHours)
        auditlog.register(models.OpeningHours)
