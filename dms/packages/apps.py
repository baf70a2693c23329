from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PackagesConfig(AppConfig):
    name = "dms.packages"
    label = "packages"
    verbose_name = _("Service packages")

    def ready(self):
        from dms.workshop import extensions

        from . import selectors

        # Recommendations and packages on the repair order's page (dms.workshop.extensions).
        extensions.register_panel(
            "order_main", template="packages/_recommendations.html", context=selectors.order_page_context,
            stylesheets=("packages/packages.css",),
        )  # fmt: skip
        extensions.register_timeline_labels(selectors.EVENT_LABELS)
