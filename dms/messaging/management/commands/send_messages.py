"""Send the outbox's due messages and webhook deliveries from this process, without the task queue.

`--once`: one pass, then exit (cron, tests); otherwise a pass every DMS_OUTBOX_POLL_SECONDS until
stopped. Safe next to db_worker and other senders: each message is claimed with a lease (outbox.py).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from dms.messaging import outbox


class Command(BaseCommand):
    help = "Send due messages to customers and webhook deliveries (one pass with --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args, **options):
        while True:
            done = outbox.run()
            if options["verbosity"] > 1:
                self.stdout.write(f"{done} attempted")
            if options["once"]:
                return
            time.sleep(settings.DMS_OUTBOX_POLL_SECONDS)
            close_old_connections()  # a connection dropped while asleep is opened again
