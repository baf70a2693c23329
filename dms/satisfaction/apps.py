from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    """Satisfaction and complaints (issue 13): CSI surveys and complaint cases with their SLA."""

    name = "dms.satisfaction"
    label = "satisfaction"
    verbose_name = _("Satisfaction and complaints")

    def ready(self):
        from dms.core.navigation import register_home_panel
        from dms.core.roles import Perm

        # The open cases one owns come first on the home page (the service manager's escalations).
        register_home_panel("satisfaction/_home_cases.html", Perm.COMPLAINT_WORK)
