from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dms.core"
    label = "core"
    verbose_name = "OpenDMS core"

    def ready(self):
        # Receivers connected from the start: the bearer-token cache forgets changed tokens and users
        # (middleware), and a deactivated user's tokens are revoked (signin).
        from . import middleware, signin  # noqa: F401
