"""`manage.py run_worker`: the task worker (django-tasks' db_worker, same options) with a lease, so
that the tasks of a worker that died run again (dms/ops/worker.py). `make run` and `make worker`
start it; start as many as you like, on as many machines, against the same database.

Unlike db_worker it does not reload on code changes by default, even with DEBUG on: the reloader
runs the worker in a child process, which outlives a parent killed with SIGKILL and keeps its task
(and its lease) while nobody watches it. `--reload` asks for it."""

import threading

from django_tasks_db.management.commands.db_worker import Command as DbWorker

from dms.ops import worker


class Command(DbWorker):
    help = "Run the task worker, with a lease: tasks of workers that died are run again."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *args, worker_id: str, **options) -> None:
        worker.renew(worker_id)
        worker.reclaim()
        stop = threading.Event()
        worker.keep_lease(worker_id, stop)
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            stop.set()
