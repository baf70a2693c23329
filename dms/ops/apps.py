from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operating the installation: backup and restore (manage.py backup / restore). No models."""

    name = "dms.ops"
    label = "ops"
