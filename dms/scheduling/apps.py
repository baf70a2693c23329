from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "dms.scheduling"
    label = "scheduling"
    verbose_name = _("Appointments and capacity")

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.events import subscribe
        from dms.core.tenancy import get_scoped
        from dms.parts.links import register_order_kind

        from . import models, subscribers

        # The customer's confirmation text, queued on the outbox with the booking.
        subscribe("appointment.booked", subscribers.text_confirmation, phase="transaction")

        def appointment_reference(tenant, for_id) -> str:
            appointment = get_scoped(models.Appointment.objects, tenant, pk=for_id)
            return f"{appointment.start:%m-%d %H:%M}"

        register_order_kind("appointment", appointment_reference)
        # Appointments are not audited here: every change of state is an AppointmentEvent row.
        auditlog.register(models.Bay)
        auditlog.register(models.Team)
        auditlog.register(models.Technician)
        auditlog.register(models.WorkshopHours)
        auditlog.register(models.OpeningHours)
