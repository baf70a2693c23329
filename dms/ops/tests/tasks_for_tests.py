"""A task for the killed-worker test (dms/ops/tests/test_worker_lease.py): it writes its effect in
one transaction and, at its first attempt, waits inside it (long enough to be killed there)."""

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

from dms.core.models import DealerGroup


@task(takes_context=True)
def found_group(context, code: str, started: str) -> str:
    with transaction.atomic():
        DealerGroup.objects.create(code=code, name="一次性集团")
        if context.attempt == 1:
            Path(started).write_text("inside")
            time.sleep(120)  # killed here
    return code
