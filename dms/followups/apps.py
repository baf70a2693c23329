from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "dms.followups"
    label = "followups"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.FollowUp)
