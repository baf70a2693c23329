"""Nightly: recompute every customer's value tier (tiers move as time passes)."""

from django.core.management.base import BaseCommand

from dms.core.models import DealerGroup
from dms.customers.segmentation import recompute_group_tiers


class Command(BaseCommand):
    help = "Recompute the value tier of every customer of every dealer group."

    def handle(self, *args, **options):
        for group in DealerGroup.objects.order_by("pk"):
            changed = recompute_group_tiers(group.pk)
            if options["verbosity"]:
                self.stdout.write(f"{group.code}: {changed} tier(s) changed")
