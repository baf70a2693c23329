from django.apps import AppConfig


class SalesConfig(AppConfig):
    """New-car sales (issue 14): prospects, the showroom, test drives, quotations, sales orders,
    new-car stock, delivery and the hand-over to after-sales."""

    name = "dms.sales"
    label = "sales"

    def ready(self):
        from dms.core.events import subscribe

        from . import services

        # A service customer whose car is due for replacement (the relationship engine): a lead.
        subscribe("vehicle.replacement_due", services.on_replacement_due, phase="transaction")
