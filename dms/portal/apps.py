from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dms.portal"
    label = "portal"
