from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "dms.reception"
    label = "reception"

    def ready(self):
        from dms.workshop import extensions

        from . import selectors

        # The workshop shows the check-in without importing reception (dms.workshop.extensions).
        extensions.register_panel(
            "order_top", template="reception/_checkin_summary.html", context=selectors.order_card,
            stylesheets=("reception/car_outline.css", "reception/reception.css"),
        )  # fmt: skip
        extensions.register_printed_order(
            context=selectors.printed_order_part, template="reception/print/_walkaround.html"
        )
