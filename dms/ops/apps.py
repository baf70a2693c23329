from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operating the installation: backup and restore (manage.py backup / restore). No models."""

    name = "dms.ops"
    label = "ops"
    verbose_name = _("Operations")
