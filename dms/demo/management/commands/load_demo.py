"""Load the demo dealership: `manage.py load_demo [--if-empty] [--customers N]`."""

from django.core.management.base import BaseCommand, CommandError

from dms.core.models import DealerGroup
from dms.demo.dealership import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = (
        "Create the demo dealership (示范汽车集团 with two Shenzhen stores, staff, customers, vehicles "
        "and service history, and 另一汽车集团 for isolation checks) in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when any dealer group exists already."
        )
        parser.add_argument(
            "--customers", type=int, default=300, help="Customers of the demo group (default 300)."
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        if DealerGroup.objects.exists():
            if options["if_empty"]:
                if verbosity > 1:
                    self.stdout.write("Dealer groups exist already: the demo is not loaded again.")
                return
            raise CommandError(
                "The database already holds dealer groups. Load the demo into an empty database, "
                "or pass --if-empty to skip it."
            )
        if options["customers"] < 1:
            raise CommandError("--customers must be at least 1.")
        summary = load_demo(customers=options["customers"])
        if verbosity == 0:
            return
        for code, g in summary["groups"].items():
            tiers = ", ".join(f"{tier} {n}" for tier, n in g["tiers"].items())
            self.stdout.write(
                f"{code} {g['name']}: {g['users']} users, {g['customers']} customers, {g['vehicles']} vehicles, "
                f"{g['service_records']} service records, {g['contacts']} contacts; tiers: {tiers}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {summary['seconds']} s. Log in as sa1, cm1, manager1, admin ... "
                f"(password {DEMO_PASSWORD})."
            )
        )
