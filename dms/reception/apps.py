from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "dms.reception"
    label = "reception"
    verbose_name = _("Reception")

    def ready(self):
        from django.db.models import Q

        from dms.core import retention
        from dms.workshop import extensions

        from . import models, selectors

        # Walk-around photos and the customer's signature, counted from the end of the repair order
        # (delivered or cancelled; a check-in that never became an order, from the check-in).
        def ended(cutoff, p=""):
            return Q(**{f"{p}repair_order__delivered_at__lt": cutoff}) | Q(**{f"{p}repair_order__cancelled_at__lt": cutoff}) | Q(**{f"{p}repair_order__isnull": True, f"{p}created_at__lt": cutoff})  # fmt: skip

        retention.register("checkin_photos", retention.remove_files(lambda c: models.CheckInPhoto.objects.filter(ended(c, "checkin__")), "image", delete_rows=True, recount=("checkin", "photo_count", "photos")), days="DMS_RETENTION_PHOTOS_DAYS")  # fmt: skip
        retention.register("checkin_signatures", retention.remove_files(lambda c: models.CheckIn.objects.filter(ended(c)), "signature"), days="DMS_RETENTION_SIGNATURES_DAYS")  # fmt: skip

        # The workshop shows the check-in without importing reception (dms.workshop.extensions).
        extensions.register_panel(
            "order_top", template="reception/_checkin_summary.html", context=selectors.order_card,
            stylesheets=("reception/car_outline.css", "reception/reception.css"),
        )  # fmt: skip
        extensions.register_printed_order(
            context=selectors.printed_order_part, template="reception/print/_walkaround.html"
        )
