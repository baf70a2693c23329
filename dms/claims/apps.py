from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    """Claims (issue 15): manufacturer warranty claims (索赔) collected from the warranty lines of
    settled orders, and insurance claims (事故车) with the assessor's amount and receivables per insurer."""

    name = "dms.claims"
    label = "claims"
    verbose_name = _("Claims")

    def ready(self):
        from auditlog.registry import auditlog

        from dms.workshop import extensions

        from . import models, printing, retention

        # The order's claims on its page: the warranty claim its lines are in (or a button to
        # collect them), its insurance claim (or a button to open one).
        extensions.register_panel(
            "order_side", template="claims/_order_claims.html", context=printing.order_panel
        )
        # The settlement list names the insurer and its report number where the insurer pays.
        extensions.register_printed_settlement(
            context=printing.settlement_payer, template="claims/print/_insurer.html"
        )
        # Who changed the maker's prices and the insurers, and when.
        auditlog.register(models.MakerLaborRate)
        auditlog.register(models.MakerPartPrice)
        auditlog.register(models.Insurer)
        # The claims' photos and the insurers' documents go ten years after the claim closed
        # (DMS_RETENTION_CLAIM_FILES_DAYS; why: retention.py); the claims themselves stay.
        retention.register()
