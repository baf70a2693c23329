"""Queue the retention sweep (dms/core/retention.py) unless one already waits: run before the worker.

Idempotent: run it at every start of a worker, on as many machines as you like; one sweep waits.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dms.core import retention


class Command(BaseCommand):
    help = "Queue the retention sweep (removes personal data past its retention period) unless one is queued."

    def handle(self, *args, **options):
        queued = retention.schedule_next(at=timezone.now())
        if options["verbosity"]:
            hours = int(retention.interval().total_seconds() // 3600)
            if queued:
                self.stdout.write(f"Retention sweep queued: it runs now, then every {hours} h.")
            else:
                self.stdout.write("A retention sweep is already queued (or the task backend cannot defer).")
