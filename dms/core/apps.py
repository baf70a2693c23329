from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dms.core"
    label = "core"
    verbose_name = _("Organisation and accounts")

    def ready(self):
        # Receivers connected from the start: the bearer-token cache forgets changed tokens and users
        # (middleware), a deactivated user's tokens are revoked (signin), and a sign-in starts the
        # session's idle clock (security).
        from . import audit, middleware, security, signin  # noqa: F401

        # Audited records' creations: who and when, without auditlog's diff of every field (audit).
        audit.connect()
