from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo dealership (`manage.py load_demo`): no models, it writes through the other apps'
    services, and so stands above every app."""

    name = "dms.demo"
    label = "demo"
    verbose_name = _("Demo data")
