from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopConfig(AppConfig):
    name = "dms.workshop"
    label = "workshop"
    verbose_name = _("Workshop")

    def ready(self):
        from auditlog.registry import auditlog

        from dms.core.navigation import register_home, register_home_panel
        from dms.core.roles import Perm, Role
        from dms.core.tenancy import get_scoped
        from dms.parts.links import register_order_kind

        from . import models

        # The cashier's home page: the orders that passed QC and wait to be settled.
        register_home_panel("workshop/_home_to_settle.html", Perm.RO_SETTLE, roles={Role.CASHIER})
        # The parts clerk's: the agreed parts of signed orders still to be issued.
        register_home_panel("workshop/_home_to_issue.html", Perm.PARTS_ISSUE, roles={Role.PARTS_CLERK})
        # A technician's day starts at their jobs, a QC inspector's at the cars waiting for QC
        # rather than on the home page, whose panels are other roles' work.
        register_home(Role.TECHNICIAN, "floor:my_jobs")
        register_home(Role.QC_INSPECTOR, "floor:qc")

        # Parts are reserved for and issued to real orders of the store, named by their number.
        register_order_kind(
            "repair_order",
            lambda tenant, for_id: get_scoped(models.RepairOrder.objects, tenant, pk=for_id).number,
        )
        auditlog.register(models.LaborOperation)
        auditlog.register(models.RepairOrderLine)
        # A line's creation is in its order's history already (services.line_add: the line-add
        # event, in the same transaction, with who, when and what the line was made of); the audit
        # log keeps its changes and its deletion.
        from dms.core.audit import creation_not_logged

        creation_not_logged(models.RepairOrderLine)
        auditlog.register(models.StoreQualityWarranty)  # what a store promises: who changed it, when

        # Findings' photos are kept as the check-in photos are: DMS_RETENTION_PHOTOS_DAYS after the
        # order ended (delivered or cancelled); the lines they illustrate stay.
        from django.db.models import Q

        from dms.core import retention

        def ended(cutoff):
            return Q(order__delivered_at__lt=cutoff) | Q(order__cancelled_at__lt=cutoff)

        retention.register("finding_photos", retention.remove_files(lambda c: models.FindingPhoto.objects.filter(ended(c)), "image", delete_rows=True), days="DMS_RETENTION_PHOTOS_DAYS")  # fmt: skip
