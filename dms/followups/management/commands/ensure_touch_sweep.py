"""Queue the touch sweep (dms/followups/tasks.py) unless one already waits: run before db_worker."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dms.followups import tasks


class Command(BaseCommand):
    help = "Queue the touch sweep (daily touch plans, sending due touches) unless one is already queued."

    def handle(self, *args, **options):
        queued = tasks.schedule_next(at=timezone.now())
        if options["verbosity"]:
            self.stdout.write("Touch sweep queued." if queued else "A touch sweep is already queued.")
