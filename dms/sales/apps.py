from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """New-car sales (issue 14): prospects, the showroom, test drives, quotations, sales orders,
    new-car stock, delivery and the hand-over to after-sales."""

    name = "dms.sales"
    label = "sales"
    verbose_name = _("New-car sales")

    def ready(self):
        from dms.core import navigation
        from dms.core.events import subscribe
        from dms.core.roles import Role

        from . import services

        # The consultant's and the showroom manager's day start on "My day".
        navigation.register_home(Role.SALES_CONSULTANT, "sales:my_day")
        navigation.register_home(Role.SHOWROOM_MANAGER, "sales:my_day")

        # A service customer whose car is due for replacement (the relationship engine): a lead.
        subscribe("vehicle.replacement_due", services.on_replacement_due, phase="transaction")
