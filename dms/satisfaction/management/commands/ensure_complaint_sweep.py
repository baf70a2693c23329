"""Queue the complaint sweep (dms/satisfaction/tasks.py) unless one already waits: run before db_worker.

Idempotent: run it at every start of a worker; one sweep waits.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dms.satisfaction import tasks


class Command(BaseCommand):
    help = "Queue the complaint sweep (escalates cases past their SLA) unless one is already queued."

    def handle(self, *args, **options):
        queued = tasks.schedule_next(at=timezone.now())
        if options["verbosity"]:
            minutes = int(tasks.interval().total_seconds() // 60)
            if queued:
                self.stdout.write(f"Complaint sweep queued: it runs now, then every {minutes} min.")
            else:
                self.stdout.write("A complaint sweep is already queued (or the task backend cannot defer).")
