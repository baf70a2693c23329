"""Queue a run of the outbox sender (dms/messaging/tasks.py) unless one waits: run before db_worker.

Idempotent: run it at every start of a worker, on as many machines as you like.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dms.messaging import tasks


class Command(BaseCommand):
    help = "Queue a run of the outbox sender (messages to customers, webhooks) unless one waits."

    def handle(self, *args, **options):
        queued = tasks.schedule(at=timezone.now())
        if options["verbosity"]:
            if queued:
                self.stdout.write("Outbox sender queued: it runs now, then keeps itself queued.")
            else:
                self.stdout.write("An outbox run is already queued (or the task backend cannot defer).")
