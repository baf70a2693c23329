from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    """Satisfaction and complaints (issue 13): CSI surveys and complaint cases with their SLA."""

    name = "dms.satisfaction"
    label = "satisfaction"
